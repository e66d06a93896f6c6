package io.iommusim.trace.generate;

import io.iommusim.trace.Numbers;

/**
 * Parses byte sizes: {@code 4096}, {@code 0x1000}, or a number with a binary suffix
 * ({@code K}/{@code KiB}, {@code M}/{@code MiB}, {@code G}/{@code GiB}, {@code T}/{@code TiB}; all powers of 1024,
 * because page and window sizes are always binary and "KB" would be ambiguous).
 */
public final class Sizes {
  private Sizes() {}

  /** @throws IllegalArgumentException with the offending text when it is not a non-negative size */
  public static long parse(String text) {
    String s = text.trim();
    int end = s.length();
    while (end > 0 && Character.isLetter(s.charAt(end - 1))) {
      end--;
    }
    // "0x1000" ends in a hex digit, never a letter suffix we accept, but "0xfK" would be read as 0xf K: refuse hex with suffix
    String digits = s.substring(0, end);
    String suffix = s.substring(end);
    if (digits.startsWith("0x") || digits.startsWith("0X")) {
      digits = s;
      suffix = "";
    }
    int shift = shiftOf(suffix);
    long value = Numbers.parseLongOrMin(digits);
    if (shift < 0 || value == Long.MIN_VALUE || value < 0) {
      throw new IllegalArgumentException("not a size (examples: 4096, 0x1000, 4KiB, 2MiB, 1GiB): '" + text + "'");
    }
    if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size too large: '" + text + "'");
    }
    return value << shift;
  }

  private static int shiftOf(String suffix) {
    switch (suffix) {
      case "": case "B": return 0;
      case "K": case "k": case "KiB": return 10;
      case "M": case "MiB": return 20;
      case "G": case "GiB": return 30;
      case "T": case "TiB": return 40;
      default: return -1;
    }
  }

  /** Formats with the largest binary unit that divides the value exactly, e.g. {@code 64MiB}, {@code 4096}. */
  public static String format(long bytes) {
    String[] units = {"TiB", "GiB", "MiB", "KiB"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes >= unit && bytes % unit == 0) {
        return (bytes >> shifts[i]) + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
