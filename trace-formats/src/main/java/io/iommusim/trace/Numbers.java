package io.iommusim.trace;

/** Number parsing for trace text: decimal, or hex with a {@code 0x} prefix; optional leading minus. */
public final class Numbers {
  private Numbers() {}

  /**
   * Parses decimal or {@code 0x} hex (up to 64 bits, hex may use the full unsigned range);
   * returns {@link Long#MIN_VALUE} when the text is not a number.
   */
  public static long parseLongOrMin(String s) {
    int n = s.length();
    if (n == 0) {
      return Long.MIN_VALUE;
    }
    boolean neg = false;
    int i = 0;
    if (s.charAt(0) == '-') {
      neg = true;
      i = 1;
    }
    if (n - i > 2 && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')) {
      i += 2;
      if (n - i > 16) {
        return Long.MIN_VALUE;
      }
      long v = 0;
      for (; i < n; i++) {
        int d = Character.digit(s.charAt(i), 16);
        if (d < 0) {
          return Long.MIN_VALUE;
        }
        v = (v << 4) | d;
      }
      return neg ? -v : v;
    }
    if (i == n) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return Long.MIN_VALUE;
      }
      long next = v * 10 + (c - '0');
      if (next < v) {
        return Long.MIN_VALUE; // overflow
      }
      v = next;
    }
    return neg ? -v : v;
  }
}
