package io.iommusim.trace;

/** Number parsing for trace text: decimal, or hex with a {@code 0x} prefix; optional leading minus. */
public final class Numbers {
  private Numbers() {}

  /**
   * Parses decimal or {@code 0x} hex (up to 64 bits, hex may use the full unsigned range; a negative
   * hex number must fit a signed long); returns {@link Long#MIN_VALUE} when the text is not a number.
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
      while (i < n - 1 && s.charAt(i) == '0') {
        i++; // leading zeros do not count against the 16 digits
      }
      if (n - i > 16) {
        return Long.MIN_VALUE;
      }
      long v = 0;
      for (; i < n; i++) {
        int d = hexDigit(s.charAt(i));
        if (d < 0) {
          return Long.MIN_VALUE;
        }
        v = (v << 4) | d;
      }
      if (neg && v < 0) {
        return Long.MIN_VALUE; // -0xFFFF_FFFF_FFFF_FFFF would otherwise come out as 1
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
      int d = c - '0';
      // checked before multiplying: a wrapped product can still look larger than v
      if (v > (Long.MAX_VALUE - d) / 10) {
        return Long.MIN_VALUE;
      }
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }

  /** ASCII hex digit value, or -1; Character.digit would also accept e.g. full-width digits. */
  public static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
