package io.iommusim.trace.imports;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.util.ArrayDeque;

/**
 * Where a parser puts what it made of the input: events (queued until the consumer takes them) and the
 * accounting of every line (events, ignored with a reason, unparsed with a reason). One per input.
 *
 * <p>{@code seq} is assigned when an event leaves the queue: {@code seqBase} + its position in the
 * stream (0, 1, 2 ...), so events that share a timestamp keep the order the importer emitted them in.
 * Synthesized accesses of a mapping are emitted right before the event that ends it.
 */
public final class ImportOutput {
  /** Events of one input at most: seq keeps 40 bits for the position within the input. */
  public static final long MAX_EVENTS = 1L << 40;

  private final String file;
  private final String format;
  private final String unit;
  private final long seqBase;
  private final boolean strict;
  private final ImportReport report;
  private final RejectSink rejects;
  private final AccessSynthesizer synthesizer;
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private final ArrayDeque<TraceEvent> free = new ArrayDeque<>();
  private long ordinal;
  private long maxTs = Long.MIN_VALUE;
  private long deferred;

  /**
   * @param synthesizer null unless {@code --synthesize-access} was given
   */
  public ImportOutput(String file, String format, long seqBase, boolean strict, RejectSink rejects,
      AccessSynthesizer synthesizer) {
    this(file, format, "line", seqBase, strict, rejects, synthesizer);
  }

  /**
   * @param unit what one accounted piece of the input is called ({@link Importer#unit}): line or record
   */
  public ImportOutput(String file, String format, String unit, long seqBase, boolean strict, RejectSink rejects,
      AccessSynthesizer synthesizer) {
    this.file = file;
    this.format = format;
    this.unit = unit;
    this.seqBase = seqBase;
    this.strict = strict;
    this.rejects = rejects;
    this.synthesizer = synthesizer;
    this.report = new ImportReport(file, format, unit);
  }

  public String file() {
    return file;
  }

  public ImportReport report() {
    return report;
  }

  /** Whether device accesses are being synthesized from mappings. */
  public boolean synthesizing() {
    return synthesizer != null;
  }

  // ---- events ------------------------------------------------------------------------------------

  /**
   * Queues a new event with every column at its default, of {@code kind} at {@code tsNs}; the caller
   * fills the other fields before it returns to the framework. Mappings go through {@link #map} and
   * {@link #unmap} instead, so that access synthesis sees them.
   */
  public TraceEvent emit(EventKind kind, long tsNs) {
    TraceEvent e = free.poll();
    if (e == null) {
      e = new TraceEvent();
    }
    e.clear();
    e.kind = kind;
    e.tsNs = tsNs;
    queue.add(e);
    if (tsNs > maxTs) {
      maxTs = tsNs;
    }
    return e;
  }

  /**
   * Queues a {@code map} event. With access synthesis the mapping's lifetime starts here.
   *
   * @param owner the device the mapping was made for (-1 when unknown: no accesses are synthesized)
   * @param pasid the PASID the device uses for it, -1 none
   * @param bufferAddr the buffer's own IOVA (the map may be rounded out to pages)
   * @param bufferSize the buffer's own size in bytes
   */
  public TraceEvent map(long tsNs, int unit, int domain, long iova, long phys, long size, byte perm, long pageSize,
      int owner, int pasid, long bufferAddr, long bufferSize) {
    if (synthesizer != null) {
      synthesizer.mapped(this, tsNs, unit, domain, iova, size, perm, owner, pasid, bufferAddr, bufferSize);
    }
    TraceEvent e = emit(EventKind.MAP, tsNs);
    e.unit = unit;
    e.domain = domain;
    e.addr = iova;
    e.phys = phys;
    e.size = size;
    e.perm = perm;
    e.pageSize = pageSize;
    return e;
  }

  /** Queues an {@code unmap} event; with access synthesis, the accesses of the mappings it ends go first. */
  public TraceEvent unmap(long tsNs, int unit, int domain, long iova, long size) {
    if (synthesizer != null) {
      synthesizer.unmapped(this, tsNs, unit, domain, iova, size);
    }
    TraceEvent e = emit(EventKind.UNMAP, tsNs);
    e.unit = unit;
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    return e;
  }

  void queueBurst(AccessSynthesizer.Burst burst) {
    queue.add(burst);
  }

  boolean hasQueued() {
    while (!queue.isEmpty()) {
      Object head = queue.peek();
      if (!(head instanceof AccessSynthesizer.Burst) || ((AccessSynthesizer.Burst) head).hasNext()) {
        return true;
      }
      queue.poll();
    }
    return false;
  }

  /** Moves the next queued event into {@code into}; call only after {@link #hasQueued()} said true. */
  void take(TraceEvent into) {
    Object head = queue.peek();
    if (head instanceof AccessSynthesizer.Burst) {
      ((AccessSynthesizer.Burst) head).next(into);
    } else {
      TraceEvent e = (TraceEvent) queue.poll();
      into.copyFrom(e);
      free.add(e);
    }
    if (ordinal >= MAX_EVENTS) {
      throw new TraceFormatException(file, -1, null, null, "more than 2^40 events from one input; split it");
    }
    into.seq = seqBase + ordinal++;
    report.event(into.kind);
  }

  /** The latest timestamp of any event emitted so far (Long.MIN_VALUE before the first). */
  long maxTs() {
    return maxTs;
  }

  // ---- accounting --------------------------------------------------------------------------------

  /**
   * One more line (or record of a binary format) was read. {@link LineImporter}s get this from the
   * framework; a binary {@link InputParser} calls it once per record before accounting for it.
   */
  public void lineRead() {
    report.lineRead();
  }

  /** The lines' content is in emitted events. */
  public void events(SourceLines lines) {
    settle(lines);
    report.eventLines(lines.count());
  }

  /** The lines are recognised but carry nothing the model uses. */
  public void ignored(SourceLines lines, String reason) {
    settle(lines);
    for (int i = 0; i < lines.count(); i++) {
      report.ignoredLine(lines.first() + i, reason);
    }
  }

  /**
   * The lines could not be turned into events: counted, written to the rejects file, and with
   * {@code --strict} the import stops here with the file, line and text.
   */
  public void unparsed(SourceLines lines, String reason) {
    if (strict) {
      throw new TraceFormatException(file, lines.first(), null, lines.text(),
          "cannot import this " + format + " " + unit + " (" + reason + "); --strict stops at the first unparsed " + unit);
    }
    settle(lines);
    for (int i = 0; i < lines.count(); i++) {
      report.unparsedLine(lines.first() + i, reason);
      rejects.reject(file, lines.first() + i, reason, lines.text(i));
    }
  }

  /** The parser keeps the lines and will account for them later (before or at the end of the input). */
  public void defer(SourceLines lines) {
    if (lines.settled || lines.deferred) {
      throw new IllegalStateException(lines + " of " + file + " accounted for twice");
    }
    lines.deferred = true;
    deferred++;
  }

  private void settle(SourceLines lines) {
    if (lines.settled) {
      throw new IllegalStateException(lines + " of " + file + " accounted for twice");
    }
    if (lines.deferred) {
      lines.deferred = false;
      deferred--;
    }
    lines.settled = true;
  }

  /** A fact the importer inferred or could not know (see {@link ImportReport}). */
  public void note(String key, long line, String detail) {
    report.note(key, line, 0, detail);
  }

  /** A note with an amount, e.g. the number of events a tracer says it lost. */
  public void note(String key, long line, long amount, String detail) {
    report.note(key, line, amount, detail);
  }

  /**
   * The source suppressed {@code count} fault messages (kernel rate limiting: "N callbacks suppressed").
   * Emits a suppression record — a {@code fault_observed} event with no reason ({@code reason} -1) whose
   * {@code size} is the count — so that the number survives conversion to canonical traces and
   * {@code validate} can report observed fault counts as lower bounds; also notes it in the report
   * under {@link ImportReport#NOTE_SUPPRESSED} with the count as the amount.
   *
   * @param vendor {@code vtd}, {@code amdvi}, {@code smmuv3}, {@code smmuv2}, or null when unknown
   * @param line the line that said so, for the report
   */
  public TraceEvent faultsSuppressed(long tsNs, String vendor, long count, long line, String detail) {
    if (count < 1) {
      throw new IllegalArgumentException("a suppression record needs a count >= 1, got " + count);
    }
    TraceEvent e = emit(EventKind.FAULT_OBSERVED, tsNs);
    e.vendor = vendor;
    e.size = count;
    report.note(ImportReport.NOTE_SUPPRESSED, line, count, detail);
    return e;
  }

  /** End of input: the accesses of mappings still alive, then the accounting check. */
  void finish() {
    if (synthesizer != null) {
      synthesizer.endOfInput(this);
    }
    if (deferred != 0) {
      throw new IllegalStateException(format + " importer left " + deferred + " line(s) of " + file + " unaccounted");
    }
    long accounted = report.eventLines() + report.ignoredLines() + report.unparsedLines();
    if (accounted != report.lines()) {
      throw new IllegalStateException(format + " importer accounted for " + accounted + " of " + report.lines()
          + " lines of " + file);
    }
  }

  static boolean isSettled(SourceLines lines) {
    return lines.settled || lines.deferred;
  }
}
