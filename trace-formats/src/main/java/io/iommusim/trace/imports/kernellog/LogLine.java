package io.iommusim.trace.imports.kernellog;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prefix of one kernel log line (trace-formats.md §1): dmesg {@code [<sec>.<usec>] } (also with a raw
 * {@code <level>} or {@code dmesg -x} {@code facility:level :} in front), syslog/journal
 * {@code Mon DD HH:MM:SS[.frac] host kernel: } or ISO {@code YYYY-MM-DDTHH:MM:SS[.frac][zone] host kernel: },
 * each maybe keeping {@code [ts]} after {@code kernel:}, the Xen console {@code (XEN) } (with an optional
 * {@code [ts]}), or none (messages only, e.g. {@code journalctl -o cat}).
 *
 * @param tsNs the line's time in ns, or -1 when it has none; {@code [ts]} (seconds since boot) wins over
 *     a wall-clock time
 * @param wallClock true when the time came from a syslog/ISO date
 */
record LogLine(Origin origin, long tsNs, boolean wallClock, String message) {
  /** Where the line came from; OTHER_PROCESS: a syslog/journal line of a process other than the kernel. */
  enum Origin { DMESG, SYSLOG, XEN, OTHER_PROCESS, NONE }

  private static final Pattern DMESG = Pattern.compile(
      "^(?:<\\d+>|\\w+\\s*:\\s*\\w+\\s*:\\s*)?\\[\\s*(\\d+\\.\\d+)\\]\\s?(.*)$");
  private static final Pattern SYSLOG = Pattern.compile(
      "^([A-Z][a-z]{2})\\s+(\\d{1,2}) (\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))? \\S+ kernel: ?(?:\\[\\s*(\\d+\\.\\d+)\\]\\s?)?(.*)$");
  private static final Pattern ISO = Pattern.compile(
      "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})(?:[.,](\\d{1,9}))?(Z|[+-]\\d{2}:?\\d{2})? \\S+ kernel: ?"
          + "(?:\\[\\s*(\\d+\\.\\d+)\\]\\s?)?(.*)$");
  private static final Pattern OTHER_PROCESS = Pattern.compile(
      "^(?:[A-Z][a-z]{2}\\s+\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?|\\d{4}-\\d{2}-\\d{2}T\\S+) \\S+ "
          + "[\\w.@/-]+(?:\\[\\d+\\])?: (.*)$");
  private static final Pattern XEN = Pattern.compile("^\\(XEN\\)\\s?(?:\\[\\s*(\\d+\\.\\d+)\\]\\s?)?(.*)$");
  private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
      "Nov", "Dec"};

  /** @param syslogYear the year of syslog dates, which print none */
  static LogLine parse(String text, int syslogYear) {
    Matcher m = DMESG.matcher(text);
    if (m.matches()) {
      return new LogLine(Origin.DMESG, seconds(m.group(1)), false, m.group(2));
    }
    m = SYSLOG.matcher(text);
    if (m.matches()) {
      if (m.group(7) != null) {
        return new LogLine(Origin.SYSLOG, seconds(m.group(7)), false, m.group(8));
      }
      int month = month(m.group(1));
      if (month > 0) {
        try {
          LocalDateTime t = LocalDateTime.of(syslogYear, month, Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
          return new LogLine(Origin.SYSLOG, t.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + fraction(m.group(6)),
              true, m.group(8));
        } catch (java.time.DateTimeException e) {
          return null;
        }
      }
    }
    m = ISO.matcher(text);
    if (m.matches()) {
      if (m.group(4) != null) {
        return new LogLine(Origin.SYSLOG, seconds(m.group(4)), false, m.group(5));
      }
      try {
        String zone = m.group(3) == null ? "Z" : m.group(3);
        if (zone.length() == 5) {
          zone = zone.substring(0, 3) + ":" + zone.substring(3);
        }
        OffsetDateTime t = OffsetDateTime.parse(m.group(1) + zone);
        return new LogLine(Origin.SYSLOG, t.toEpochSecond() * 1_000_000_000L + fraction(m.group(2)), true,
            m.group(5));
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    m = OTHER_PROCESS.matcher(text);
    if (m.matches()) {
      return new LogLine(Origin.OTHER_PROCESS, -1, false, m.group(1));
    }
    m = XEN.matcher(text);
    if (m.matches()) {
      return new LogLine(Origin.XEN, m.group(1) == null ? -1 : seconds(m.group(1)), false, m.group(2));
    }
    return new LogLine(Origin.NONE, -1, false, text.strip());
  }

  private static int month(String name) {
    for (int i = 0; i < MONTHS.length; i++) {
      if (MONTHS[i].equals(name)) {
        return i + 1;
      }
    }
    return -1;
  }

  /** {@code sec.frac} in ns (up to 9 fraction digits; dmesg prints 6). */
  static long seconds(String s) {
    int dot = s.indexOf('.');
    long sec = Long.parseLong(s.substring(0, dot));
    return sec * 1_000_000_000L + fraction(s.substring(dot + 1));
  }

  private static long fraction(String f) {
    if (f == null || f.isEmpty()) {
      return 0;
    }
    String nine = f.length() > 9 ? f.substring(0, 9) : f;
    long v = Long.parseLong(nine);
    for (int i = nine.length(); i < 9; i++) {
      v *= 10;
    }
    return v;
  }
}
