package io.iommusim.translator.cache;

import java.util.Locale;

/** How a {@link TagCache} maps the caller's index bits to a set. See {@link TagCache#setOf(long)}. */
public enum SetIndexing {
  /** {@code indexBits & (sets - 1)}; needs a power-of-two number of sets. */
  LOW_BITS("low-bits"),
  /**
   * {@code Long.remainderUnsigned(TagCache.mix64(indexBits), sets)} (murmur3 fmix64); any number of
   * sets. Spreads strided index streams (e.g. one page per 2 MiB) that would pile into one set.
   */
  HASH("hash");

  private final String text;

  SetIndexing(String text) {
    this.text = text;
  }

  /** The configuration spelling, e.g. {@code "low-bits"}. */
  public String text() {
    return text;
  }

  /** Parses {@link #text()} (case-insensitive, surrounding blanks ignored); {@code null} if unknown. */
  public static SetIndexing fromText(String text) {
    if (text == null) {
      return null;
    }
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (SetIndexing indexing : values()) {
      if (indexing.text.equals(wanted)) {
        return indexing;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return text;
  }
}
