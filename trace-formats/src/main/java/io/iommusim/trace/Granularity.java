package io.iommusim.trace;

/** Scope of an invalidation event ({@code granularity} column). NONE = column empty / not an invalidation. */
public enum Granularity {
  NONE(""),
  GLOBAL("global"),
  DOMAIN("domain"),
  PAGE("page"),
  DEVICE("device"),
  INDEX("index");

  private static final Granularity[] VALUES = values();

  private final String text;

  Granularity(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public static Granularity ofCode(int code) {
    return VALUES[code];
  }

  /** Parses the contract spelling; empty or null gives NONE; unknown gives null. */
  public static Granularity fromText(String s) {
    if (s == null || s.isEmpty()) {
      return NONE;
    }
    for (Granularity g : VALUES) {
      if (g.text.equals(s)) {
        return g;
      }
    }
    return null;
  }
}
