package io.iommusim.trace.imports.qemu;

import java.time.LocalDate;

/**
 * The prefix of a QEMU {@code log}-backend trace line, in each of its historical forms:
 * <ol>
 *   <li>{@code <pid>@<unix sec>.<usec>:<event> <args>} (QEMU 2.x-5.x always; later with
 *       {@code -msg timestamp=on}, where the number is the thread id);
 *   <li>{@code YYYY-MM-DDTHH:MM:SS.uuuuuuZ (<tid>) <event> <args>} (2025, human-readable UTC);
 *   <li>{@code <event> <args>} (no timestamp).
 * </ol>
 *
 * @param tsNs nanoseconds since the Unix epoch (0 when untimed)
 * @param timed whether the line carried a timestamp
 * @param body the event name and its arguments
 */
record TraceLine(long tsNs, boolean timed, String body) {
  /** The line's prefix taken apart, or the line itself as body when it has no recognisable prefix. */
  static TraceLine parse(String text) {
    String t = text.strip();
    TraceLine l = pidAt(t);
    if (l == null) {
      l = iso(t);
    }
    return l != null ? l : new TraceLine(0, false, t);
  }

  /** {@code 480969@1594894035.927040:vtd_context_cache_reset }. */
  private static TraceLine pidAt(String t) {
    int i = digits(t, 0);
    if (i == 0 || i >= t.length() || t.charAt(i) != '@') {
      return null;
    }
    int s0 = i + 1;
    int s1 = digits(t, s0);
    if (s1 == s0 || s1 >= t.length() || t.charAt(s1) != '.') {
      return null;
    }
    int f1 = digits(t, s1 + 1);
    if (f1 == s1 + 1 || f1 >= t.length() || t.charAt(f1) != ':' || s1 - s0 > 12) {
      return null;
    }
    long ts = Long.parseLong(t.substring(s0, s1)) * 1_000_000_000L + fraction(t, s1 + 1, f1);
    return new TraceLine(ts, true, t.substring(f1 + 1).strip());
  }

  /** {@code 2025-07-21T18:10:51.611430Z (12345) vtd_...}; the thread id is optional. */
  private static TraceLine iso(String t) {
    if (t.length() < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
        || t.charAt(16) != ':' || digits(t, 0) != 4) {
      return null;
    }
    int year;
    int month;
    int day;
    int hour;
    int minute;
    int second;
    try {
      year = Integer.parseInt(t.substring(0, 4));
      month = Integer.parseInt(t.substring(5, 7));
      day = Integer.parseInt(t.substring(8, 10));
      hour = Integer.parseInt(t.substring(11, 13));
      minute = Integer.parseInt(t.substring(14, 16));
      second = Integer.parseInt(t.substring(17, 19));
    } catch (NumberFormatException e) {
      return null;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
      return null;
    }
    int i = 19;
    long frac = 0;
    if (i < t.length() && t.charAt(i) == '.') {
      int end = digits(t, i + 1);
      frac = fraction(t, i + 1, end);
      i = end;
    }
    if (i >= t.length() || t.charAt(i) != 'Z') {
      return null;
    }
    i++;
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (java.time.DateTimeException e) {
      return null;
    }
    long ts = ((epochDay * 24 + hour) * 60 + minute) * 60_000_000_000L + second * 1_000_000_000L + frac;
    String rest = t.substring(i).strip();
    if (rest.startsWith("(")) {
      int close = rest.indexOf(')');
      if (close < 0 || digits(rest, 1) != close) {
        return null;
      }
      rest = rest.substring(close + 1).strip();
    }
    return new TraceLine(ts, true, rest);
  }

  private static int digits(String t, int from) {
    int i = from;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /** The digits t[from, to) as a fraction of a second, in ns (at most 9 digits count). */
  private static long fraction(String t, int from, int to) {
    long v = 0;
    int n = 0;
    for (int i = from; i < to && n < 9; i++, n++) {
      v = v * 10 + (t.charAt(i) - '0');
    }
    for (; n < 9; n++) {
      v *= 10;
    }
    return v;
  }
}
