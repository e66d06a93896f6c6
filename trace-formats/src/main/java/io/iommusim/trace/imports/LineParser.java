package io.iommusim.trace.imports;

/**
 * The format-specific part of a line importer. The framework ({@link LineImporter}) reads lines, strips
 * mail quoting, counts blank lines, and re-joins wrapped lines; the parser decodes text and acts on it.
 *
 * <p>{@link #decode} must be pure (no state, no output): the framework may call it on candidate joins
 * of a line with the next one and throw the result away. {@link #apply} is called once per decoded
 * record, in input order, and must account for its lines through the {@link ImportOutput} — at once,
 * or later after {@link ImportOutput#defer} (multi-line records, events paired with later events).
 *
 * @param <R> the decoded form of one line
 */
public interface LineParser<R> {
  /** Decodes one logical line (mail quotes removed, never blank). */
  Decoded<R> decode(String text);

  /** Acts on a decoded record: emits its events and accounts for {@code lines}. */
  void apply(R record, SourceLines lines, ImportOutput out);

  /**
   * True when {@code text} cannot start a record of this format, so that it may be the rest of a
   * wrapped line (a mail client breaks long lines at a space).
   */
  boolean isContinuation(String text);

  /** End of input: accounts for every deferred line and emits what is still pending. */
  default void finish(ImportOutput out) {}
}
