package io.iommusim.trace.imports.ftrace;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The common prefix of one traced event as the four text front ends print it (trace-formats.md §1):
 * <ul>
 *   <li>{@code /sys/kernel/tracing/trace} and {@code trace_pipe}:
 *       {@code <comm>-<pid> [(<tgid>)] [<cpu>] <flags> <sec>.<usec>: <event>: <body>} — comm right-aligned
 *       and free to hold spaces and dashes, an optional tgid column ({@code options/record-tgid}), and a
 *       latency-flags token of any width (4 characters on old kernels, 5 now, 7 on RHEL 9), taken as
 *       "the non-space token between {@code ]} and the timestamp", never by width;
 *   <li>{@code trace-cmd report}: the same, with or without the flags column, and with {@code -t} a
 *       nanosecond timestamp (9 decimals);
 *   <li>{@code perf script}: {@code <comm> <pid>[/<tid>] [<cpu>] <sec>.<frac>: [<period>] <system>:<event>: <body>}.
 * </ul>
 * A timestamp without a fraction (the {@code counter} or {@code x86-tsc} trace clocks) is taken as
 * nanoseconds; more than 9 decimals is not a timestamp.
 */
record FtraceLine(String comm, long pid, int cpu, long tsNs, boolean integerClock, String system, String event,
    String body) {

  private static final Pattern TRACE = Pattern.compile(
      "^\\s*(.+)-(\\d{1,18})\\s+(?:\\(\\s*[-\\d]+\\)\\s+)?\\[(\\d{1,9})\\]\\s+(?:(\\S+)\\s+)?(\\d+(?:\\.\\d+)?):\\s+([\\w:]+):(?:\\s(.*))?$");
  private static final Pattern PERF = Pattern.compile(
      "^\\s*(.+?)\\s+(\\d{1,18})(?:/\\d+)?\\s+\\[(\\d{1,9})\\]\\s+(\\d+(?:\\.\\d+)?):\\s+(?:\\d+\\s+)?(\\w+):(\\w+):(?:\\s(.*))?$");

  /** The prefix of {@code text} parsed, or null when the text does not start like a traced event. */
  static FtraceLine parse(String text) {
    FtraceLine fast = parseTrace(text);
    return fast != null ? fast : parseRegex(text);
  }

  /**
   * The {@code trace}/{@code trace-cmd} form scanned by hand: the regular expression backtracks over the
   * whole line to find the comm's end, which made it most of the import's cost. Returns null whenever
   * the line is not plainly in that form; {@link #parseRegex} then decides, so both agree by construction.
   */
  static FtraceLine parseTrace(String t) {
    int n = t.length();
    int open = t.indexOf(" [");
    while (open >= 0) {
      int c = open + 2;
      int d = c;
      while (d < n && isDigit(t.charAt(d))) {
        d++;
      }
      if (d > c && d < n && t.charAt(d) == ']') {
        break;
      }
      open = t.indexOf(" [", open + 1);
    }
    if (open < 0) {
      return null;
    }
    int close = t.indexOf(']', open);
    int cpuEnd = close;
    int cpu = parseIntOr(t, open + 2, cpuEnd);
    // before " [": spaces, an optional "(tgid)" column, then "<comm>-<pid>"
    int e = open;
    while (e > 0 && t.charAt(e - 1) == ' ') {
      e--;
    }
    if (e > 0 && t.charAt(e - 1) == ')') {
      int lp = t.lastIndexOf('(', e - 1);
      if (lp < 0) {
        return null;
      }
      for (int i = lp + 1; i < e - 1; i++) {
        char ch = t.charAt(i);
        if (ch != ' ' && ch != '-' && !isDigit(ch)) {
          return null;
        }
      }
      e = lp;
      int spaces = e;
      while (e > 0 && t.charAt(e - 1) == ' ') {
        e--;
      }
      if (e == spaces) {
        return null;
      }
    }
    int pidEnd = e;
    while (e > 0 && isDigit(t.charAt(e - 1))) {
      e--;
    }
    if (e == pidEnd || e == 0 || t.charAt(e - 1) != '-' || pidEnd - e > 18) {
      return null;
    }
    String comm = t.substring(0, e - 1).strip();
    if (comm.isEmpty()) {
      return null;
    }
    long pid = Long.parseLong(t, e, pidEnd, 10);
    // after "]": [flags] timestamp ":" event ":" body
    int i = skipSpaces(t, close + 1);
    if (i == close + 1) {
      return null;
    }
    int tok = i;
    while (i < n && t.charAt(i) != ' ') {
      i++;
    }
    String first = t.substring(tok, i);
    String ts;
    if (first.endsWith(":") && isTimestamp(first, first.length() - 1)) {
      ts = first.substring(0, first.length() - 1);
    } else if (first.endsWith(":")) {
      return null;
    } else {
      int j = skipSpaces(t, i);
      if (j == i || j == n) {
        return null;
      }
      int k = j;
      while (k < n && t.charAt(k) != ' ') {
        k++;
      }
      String second = t.substring(j, k);
      if (!second.endsWith(":") || !isTimestamp(second, second.length() - 1)) {
        return null;
      }
      ts = second.substring(0, second.length() - 1);
      i = k;
    }
    int ev = skipSpaces(t, i);
    if (ev == i) {
      return null;
    }
    int evEnd = ev;
    while (evEnd < n && t.charAt(evEnd) != ' ') {
      evEnd++;
    }
    // "<name>:" with word characters and at most one ':' inside (system:event)
    if (evEnd - ev < 2 || t.charAt(evEnd - 1) != ':') {
      return null;
    }
    String name = t.substring(ev, evEnd - 1);
    int colon = -1;
    for (int k = 0; k < name.length(); k++) {
      char ch = name.charAt(k);
      if (ch == ':') {
        if (colon >= 0) {
          return null;
        }
        colon = k;
      } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || isDigit(ch) || ch == '_')) {
        return null;
      }
    }
    if (colon == 0 || colon == name.length() - 1) {
      return null;
    }
    long nanos = nanos(ts);
    if (nanos < 0 || cpu < 0) {
      return null;
    }
    String body = evEnd < n ? t.substring(evEnd + 1).strip() : "";
    return new FtraceLine(comm, pid, cpu, nanos, ts.indexOf('.') < 0, colon < 0 ? null : name.substring(0, colon),
        colon < 0 ? name : name.substring(colon + 1), body);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int skipSpaces(String t, int i) {
    while (i < t.length() && t.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  private static int parseIntOr(String t, int from, int to) {
    if (to - from > 9) {
      return -1;
    }
    return Integer.parseInt(t, from, to, 10);
  }

  /** {@code digits[.digits]} in {@code s[0, end)}. */
  private static boolean isTimestamp(String s, int end) {
    int dots = 0;
    int digits = 0;
    for (int i = 0; i < end; i++) {
      char ch = s.charAt(i);
      if (ch == '.') {
        if (++dots > 1 || digits == 0 || i == end - 1) {
          return false;
        }
      } else if (isDigit(ch)) {
        digits++;
      } else {
        return false;
      }
    }
    return digits > 0;
  }

  /** The reference: the documented forms as regular expressions (also perf script). */
  static FtraceLine parseRegex(String text) {
    Matcher m = TRACE.matcher(text);
    if (m.matches()) {
      String flags = m.group(4);
      if (flags != null && flags.endsWith(":")) {
        return null;
      }
      long ts = nanos(m.group(5));
      if (ts < 0) {
        return null;
      }
      String name = m.group(6);
      int colon = name.indexOf(':');
      String system = colon < 0 ? null : name.substring(0, colon);
      String event = colon < 0 ? name : name.substring(colon + 1);
      if (event.isEmpty() || event.indexOf(':') >= 0) {
        return null;
      }
      return new FtraceLine(m.group(1).strip(), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)), ts,
          m.group(5).indexOf('.') < 0, system, event, body(m.group(7)));
    }
    m = PERF.matcher(text);
    if (m.matches()) {
      long ts = nanos(m.group(4));
      if (ts < 0) {
        return null;
      }
      return new FtraceLine(m.group(1).strip(), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)), ts,
          m.group(4).indexOf('.') < 0, m.group(5), m.group(6), body(m.group(7)));
    }
    return null;
  }

  private static String body(String b) {
    return b == null ? "" : b.strip();
  }

  /** {@code sec[.frac]} in nanoseconds, or -1 when it is not a timestamp we can represent. */
  static long nanos(String s) {
    int dot = s.indexOf('.');
    String sec = dot < 0 ? s : s.substring(0, dot);
    if (sec.length() > 18) {
      return -1;
    }
    long v = Long.parseLong(sec);
    if (dot < 0) {
      return v;
    }
    String frac = s.substring(dot + 1);
    if (frac.length() > 9 || v > Long.MAX_VALUE / 1_000_000_000L - 1) {
      return -1;
    }
    long f = Long.parseLong(frac);
    for (int i = frac.length(); i < 9; i++) {
      f *= 10;
    }
    return v * 1_000_000_000L + f;
  }
}
