package io.iommusim.trace.imports;

/**
 * What a {@link LineParser} made of one line's text, before acting on it: a record to apply, a line to
 * ignore, or a line it cannot parse (a candidate for re-joining with the next line).
 */
public final class Decoded<R> {
  private final R record;
  private final String ignored;
  private final String unparsed;

  private Decoded(R record, String ignored, String unparsed) {
    this.record = record;
    this.ignored = ignored;
    this.unparsed = unparsed;
  }

  public static <R> Decoded<R> record(R record) {
    return new Decoded<>(record, null, null);
  }

  /** A recognised line that carries nothing the model uses; {@code reason} from a fixed vocabulary. */
  public static <R> Decoded<R> ignored(String reason) {
    return new Decoded<>(null, reason, null);
  }

  /** A line this format cannot parse; {@code reason} from a fixed vocabulary. */
  public static <R> Decoded<R> unparsed(String reason) {
    return new Decoded<>(null, null, reason);
  }

  public R record() {
    return record;
  }

  public boolean isRecord() {
    return record != null;
  }

  public String ignoredReason() {
    return ignored;
  }

  public boolean isUnparsed() {
    return unparsed != null;
  }

  public String unparsedReason() {
    return unparsed;
  }
}
