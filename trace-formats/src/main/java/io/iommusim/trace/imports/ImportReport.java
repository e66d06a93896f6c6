package io.iommusim.trace.imports;

import io.iommusim.trace.EventKind;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conversion report of one input: where every line went and what the importer had to infer.
 *
 * <p>Every line is counted exactly once: {@code lines = eventLines + ignoredLines + unparsedLines}.
 * <ul>
 *   <li>event lines: lines whose content is in emitted events (alone, or together with other lines of a
 *       multi-line record or a re-joined wrapped line);
 *   <li>ignored lines: recognised lines that carry nothing the model uses (headers, blank lines, events of
 *       other subsystems ...), counted by reason;
 *   <li>unparsed lines: lines the importer could not turn into events, counted by reason; each one is
 *       also written to the rejects file with its line number and text.
 * </ul>
 * Per reason the report keeps the count and the first {@link #EXAMPLE_LINES} line numbers. Notes record
 * what the importer inferred or could not know (a domain it made up, events the tracer lost, messages
 * the kernel suppressed), each with a count, an optional amount and the first {@link #EXAMPLE_DETAILS}
 * details. Reasons and note keys come from a fixed vocabulary per importer; beyond
 * {@link #MAX_KEYS} distinct keys in one table the rest are counted under {@link #OTHER}.
 */
public final class ImportReport implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final int EXAMPLE_LINES = 10;
  public static final int EXAMPLE_DETAILS = 5;
  public static final int MAX_KEYS = 1000;
  public static final String OTHER = "(other reasons: too many distinct keys)";
  /**
   * The note of fault messages the source suppressed (rate limiting), amount = messages; written by
   * {@link ImportOutput#faultsSuppressed} together with the suppression record it emits.
   */
  public static final String NOTE_SUPPRESSED = "fault messages suppressed by rate limiting";

  /** One reason or note: how often, how much in all, and the first line numbers and details. */
  public static final class Tally implements Serializable {
    private static final long serialVersionUID = 1L;
    private long count;
    private long amount;
    private long[] lines = new long[0];
    private final List<String> details = new ArrayList<>();

    public long count() {
      return count;
    }

    /** The sum of the amounts given with the note (e.g. events lost); 0 for plain counts. */
    public long amount() {
      return amount;
    }

    /** The first line numbers (up to {@link #EXAMPLE_LINES}), ascending in input order. */
    public long[] lines() {
      return lines.clone();
    }

    public List<String> details() {
      return List.copyOf(details);
    }

    void add(long line, long amountAdded, String detail) {
      count++;
      amount += amountAdded;
      if (line > 0 && lines.length < EXAMPLE_LINES) {
        lines = Arrays.copyOf(lines, lines.length + 1);
        lines[lines.length - 1] = line;
      }
      if (detail != null && details.size() < EXAMPLE_DETAILS) {
        details.add(detail);
      }
    }
  }

  private final String file;
  private final String format;
  private final String unit;
  private long lines;
  private long eventLines;
  private long ignoredLines;
  private long unparsedLines;
  private final long[] eventsByKind = new long[EventKind.values().length];
  private final Map<String, Tally> ignored = new LinkedHashMap<>();
  private final Map<String, Tally> unparsed = new LinkedHashMap<>();
  private final Map<String, Tally> notes = new LinkedHashMap<>();

  public ImportReport(String file, String format) {
    this(file, format, "line");
  }

  /** @param unit what the input's pieces are called: line, or record for binary formats */
  public ImportReport(String file, String format, String unit) {
    this.file = file;
    this.format = format;
    this.unit = unit;
  }

  public String file() {
    return file;
  }

  public String format() {
    return format;
  }

  /** line, or record for binary formats: {@link #lines} and the line numbers then count records. */
  public String unit() {
    return unit;
  }

  public long lines() {
    return lines;
  }

  public long eventLines() {
    return eventLines;
  }

  public long ignoredLines() {
    return ignoredLines;
  }

  public long unparsedLines() {
    return unparsedLines;
  }

  public long events(EventKind kind) {
    return eventsByKind[kind.ordinal()];
  }

  public long events() {
    return Arrays.stream(eventsByKind).sum();
  }

  public Map<String, Tally> ignored() {
    return java.util.Collections.unmodifiableMap(ignored);
  }

  public Map<String, Tally> unparsed() {
    return java.util.Collections.unmodifiableMap(unparsed);
  }

  public Map<String, Tally> notes() {
    return java.util.Collections.unmodifiableMap(notes);
  }

  /** The count of one ignored reason, unparsed reason or note, 0 when absent. */
  public long ignoredCount(String reason) {
    Tally t = ignored.get(reason);
    return t == null ? 0 : t.count;
  }

  public long unparsedCount(String reason) {
    Tally t = unparsed.get(reason);
    return t == null ? 0 : t.count;
  }

  public Tally note(String key) {
    return notes.get(key);
  }

  // ---- recording (ImportOutput) ------------------------------------------------------------------

  void lineRead() {
    lines++;
  }

  void eventLines(int n) {
    eventLines += n;
  }

  void ignoredLine(long line, String reason) {
    ignoredLines++;
    tally(ignored, reason).add(line, 0, null);
  }

  void unparsedLine(long line, String reason) {
    unparsedLines++;
    tally(unparsed, reason).add(line, 0, null);
  }

  void event(EventKind kind) {
    eventsByKind[kind.ordinal()]++;
  }

  void note(String key, long line, long amount, String detail) {
    tally(notes, key).add(line, amount, detail);
  }

  private static Tally tally(Map<String, Tally> table, String key) {
    Tally t = table.get(key);
    if (t == null) {
      if (table.size() >= MAX_KEYS) {
        key = OTHER;
        t = table.get(key);
      }
      if (t == null) {
        t = new Tally();
        table.put(key, t);
      }
    }
    return t;
  }

  // ---- text --------------------------------------------------------------------------------------

  /** The report as text, one section per input (see the README, "Importing real traces"). */
  public String render(String rejectsName) {
    StringBuilder b = new StringBuilder();
    b.append("input ").append(file).append(" (format ").append(format).append(")\n");
    b.append(String.format("  %ss %,d: %,d produced events, %,d ignored, %,d unparsed%n",
        unit, lines, eventLines, ignoredLines, unparsedLines));
    b.append(String.format("  events %,d", events()));
    String sep = ": ";
    for (EventKind k : EventKind.values()) {
      if (eventsByKind[k.ordinal()] > 0) {
        b.append(sep).append(k.text()).append(' ').append(String.format("%,d", eventsByKind[k.ordinal()]));
        sep = ", ";
      }
    }
    b.append('\n');
    section(b, "ignored " + unit + "s by reason", ignored, unit);
    section(b, "unparsed " + unit + "s by reason" + (rejectsName == null ? "" : " (every one is in " + rejectsName
        + ")"), unparsed, unit);
    section(b, "notes", notes, unit);
    return b.toString();
  }

  private static void section(StringBuilder b, String title, Map<String, Tally> table, String unit) {
    if (table.isEmpty()) {
      return;
    }
    b.append("  ").append(title).append('\n');
    for (Map.Entry<String, Tally> e : table.entrySet()) {
      Tally t = e.getValue();
      b.append(String.format("    %,9d  %s", t.count, e.getKey()));
      if (t.amount != 0) {
        b.append(String.format(" (total %,d)", t.amount));
      }
      if (t.lines.length > 0) {
        b.append(t.count > t.lines.length ? "; first " + unit + "s " : "; " + unit + "s ");
        for (int i = 0; i < t.lines.length; i++) {
          b.append(i == 0 ? "" : ", ").append(t.lines[i]);
        }
      }
      b.append('\n');
      for (String d : t.details) {
        b.append("               ").append(d).append('\n');
      }
    }
  }

  @Override
  public String toString() {
    return render(null);
  }
}
