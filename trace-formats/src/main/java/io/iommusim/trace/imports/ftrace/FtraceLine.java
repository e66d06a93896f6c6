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
      "^\\s*(.+)-(\\d+)\\s+(?:\\(\\s*[-\\d]+\\)\\s+)?\\[(\\d+)\\]\\s+(?:(\\S+)\\s+)?(\\d+(?:\\.\\d+)?):\\s+([\\w:]+):(?:\\s(.*))?$");
  private static final Pattern PERF = Pattern.compile(
      "^\\s*(.+?)\\s+(\\d+)(?:/\\d+)?\\s+\\[(\\d+)\\]\\s+(\\d+(?:\\.\\d+)?):\\s+(?:\\d+\\s+)?(\\w+):(\\w+):(?:\\s(.*))?$");

  /** The prefix of {@code text} parsed, or null when the text does not start like a traced event. */
  static FtraceLine parse(String text) {
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
