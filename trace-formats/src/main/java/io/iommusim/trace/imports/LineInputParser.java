package io.iommusim.trace.imports;

import java.io.IOException;

/**
 * Drives a {@link LineParser} over the lines of one input and makes sure every line is accounted for.
 *
 * <p>Wrapped lines: a line that does not decode is held. If the next line cannot start a record
 * ({@link LineParser#isContinuation}), the two are joined — first with a space (mail clients break at
 * a space), then without (a hard break inside a token) — and decoded again; up to
 * {@link #MAX_JOINED_LINES} lines are joined this way. A join that decodes is one record made of all
 * its lines (noted in the report); otherwise the held lines are unparsed with the first line's reason.
 */
final class LineInputParser<R> implements InputParser {
  static final int MAX_JOINED_LINES = 4;
  static final String BLANK = "blank line";
  static final String TOO_LONG = "line longer than " + LineReader.MAX_LINE_CHARS + " characters";
  static final String NOTE_REJOINED = "wrapped lines re-joined";
  static final String NOTE_QUOTED = "mail quote markers (>) removed";

  private final LineReader reader;
  private final LineParser<R> parser;
  /** Lines that did not decode, waiting for a possible continuation. */
  private SourceLines held;
  private String heldText;
  private String heldReason;

  LineInputParser(LineReader reader, LineParser<R> parser) {
    this.reader = reader;
    this.parser = parser;
  }

  @Override
  public boolean step(ImportOutput out) throws IOException {
    if (!reader.next()) {
      return false;
    }
    out.lineRead();
    long no = reader.lineNumber();
    String raw = reader.text();
    if (reader.tooLong()) {
      settleHeld(out);
      out.unparsed(SourceLines.of(no, raw), TOO_LONG);
      return true;
    }
    String text = LineReader.stripQuote(raw);
    if (text.length() != raw.length()) {
      out.note(NOTE_QUOTED, no, null);
    }
    if (held != null) {
      if (!text.isBlank() && parser.isContinuation(text) && held.count() < MAX_JOINED_LINES) {
        SourceLines joined = held.plus(text);
        for (String candidate : new String[] {heldText + " " + text.strip(), heldText + text.strip()}) {
          Decoded<R> d = parser.decode(candidate);
          if (!d.isUnparsed()) {
            out.note(NOTE_REJOINED, joined.first(), joined.count(), null);
            held = null;
            handle(d, joined, out);
            return true;
          }
        }
        held = joined;
        heldText = heldText + " " + text.strip();
        return true;
      }
      settleHeld(out);
    }
    if (text.isBlank()) {
      out.ignored(SourceLines.of(no, text), BLANK);
      return true;
    }
    Decoded<R> d = parser.decode(text);
    if (d.isUnparsed()) {
      held = SourceLines.of(no, text);
      heldText = text.stripTrailing();
      heldReason = d.unparsedReason();
      return true;
    }
    handle(d, SourceLines.of(no, text), out);
    return true;
  }

  private void handle(Decoded<R> d, SourceLines lines, ImportOutput out) {
    if (d.isRecord()) {
      parser.apply(d.record(), lines, out);
      if (!ImportOutput.isSettled(lines)) {
        throw new IllegalStateException(parser.getClass().getSimpleName() + " did not account for " + lines);
      }
    } else {
      out.ignored(lines, d.ignoredReason());
    }
  }

  private void settleHeld(ImportOutput out) {
    if (held != null) {
      SourceLines h = held;
      held = null;
      out.unparsed(h, heldReason);
    }
  }

  @Override
  public void finish(ImportOutput out) {
    settleHeld(out);
    parser.finish(out);
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
