package io.iommusim.trace.imports.text;

import io.iommusim.trace.Numbers;
import io.iommusim.trace.Sid;

/**
 * Number and device fields as trace text prints them: hex with or without {@code 0x} (captures drop it,
 * some formats never print it), decimal, and PCI {@code bb:dd.f}. Checks are separate from parsing so
 * that a line that does not fit costs no exception.
 */
public final class Hex {
  private Hex() {}

  /** Hex digits, with an optional {@code 0x}, of which there are between minDigits and maxDigits. */
  public static boolean is(String s, int minDigits, int maxDigits) {
    int from = prefixLength(s);
    int n = s.length() - from;
    if (n < minDigits || n > maxDigits) {
      return false;
    }
    for (int i = from; i < s.length(); i++) {
      if (Numbers.hexDigit(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Any 64-bit hex number, with or without {@code 0x}. */
  public static boolean is(String s) {
    return is(s, 1, 16) || (s.length() > 18 && is(stripLeadingZeros(s), 1, 16));
  }

  /** The value of a hex field accepted by {@link #is}; the full unsigned 64-bit range. */
  public static long value(String s) {
    long v = 0;
    for (int i = prefixLength(s); i < s.length(); i++) {
      v = (v << 4) | Numbers.hexDigit(s.charAt(i));
    }
    return v;
  }

  /** True when the text starts with {@code 0x} or {@code 0X}. */
  public static boolean hasPrefix(String s) {
    return prefixLength(s) == 2;
  }

  /** A non-negative decimal integer of at most 18 digits. */
  public static boolean isDecimal(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** A decimal integer with an optional minus sign. */
  public static boolean isSignedDecimal(String s) {
    return s.startsWith("-") ? isDecimal(s.substring(1)) : isDecimal(s);
  }

  public static long decimal(String s) {
    return Long.parseLong(s);
  }

  /** Only the digits 0-9 after an optional 0x: a field that reads differently as hex and as decimal. */
  public static boolean decimalDigitsOnly(String s) {
    return isDecimal(s.substring(prefixLength(s)));
  }

  /** The digits after an optional 0x read as decimal (the historical "0x%d" format bug). */
  public static long decimalAfterPrefix(String s) {
    return Long.parseLong(s.substring(prefixLength(s)));
  }

  /**
   * A PCI device {@code bb:dd.f} or {@code ssss:bb:dd.f} (hex fields; QEMU prints the function with
   * two digits), as a requester id; -1 when the text is not one.
   */
  public static int bdf(String s) {
    int dot = s.lastIndexOf('.');
    int colon = s.indexOf(':');
    if (dot < 0 || colon < 0 || dot < colon) {
      return -1;
    }
    return Sid.parse(s);
  }

  private static int prefixLength(String s) {
    return s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X') ? 2 : 0;
  }

  private static String stripLeadingZeros(String s) {
    int from = prefixLength(s);
    int i = from;
    while (i < s.length() - 1 && s.charAt(i) == '0') {
      i++;
    }
    return s.substring(i);
  }
}
