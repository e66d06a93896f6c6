package io.iommusim.trace.imports;

import java.util.Arrays;

/**
 * The physical lines of one logical record: one line, a wrapped line re-joined, or a multi-line record
 * a parser collected. The importer accounts for them through {@link ImportOutput} exactly once, now or
 * (after {@link ImportOutput#defer}) later.
 */
public final class SourceLines {
  private final long first;
  private final String[] texts;
  boolean deferred;
  boolean settled;

  private SourceLines(long first, String[] texts) {
    this.first = first;
    this.texts = texts;
  }

  public static SourceLines of(long line, String text) {
    return new SourceLines(line, new String[] {text});
  }

  /** These lines followed by the next one. */
  public SourceLines plus(String text) {
    String[] t = Arrays.copyOf(texts, texts.length + 1);
    t[texts.length] = text;
    return new SourceLines(first, t);
  }

  /** These lines followed by the others (which must come right after them). */
  public SourceLines plus(SourceLines next) {
    if (next.first != first + texts.length) {
      throw new IllegalArgumentException("lines " + next.first + ".. do not follow " + first + ".." + last());
    }
    String[] t = Arrays.copyOf(texts, texts.length + next.texts.length);
    System.arraycopy(next.texts, 0, t, texts.length, next.texts.length);
    return new SourceLines(first, t);
  }

  /** 1-based number of the first line. */
  public long first() {
    return first;
  }

  public long last() {
    return first + texts.length - 1;
  }

  public int count() {
    return texts.length;
  }

  public String text(int i) {
    return texts[i];
  }

  /** The lines joined by newlines. */
  public String text() {
    return String.join("\n", texts);
  }

  @Override
  public String toString() {
    return texts.length == 1 ? "line " + first : "lines " + first + "-" + last();
  }
}
