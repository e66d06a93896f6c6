package io.iommusim.trace.csv;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Numbers;
import io.iommusim.trace.Perm;

/**
 * Parsers for one CSV field, given as a non-empty, trimmed range of a char buffer. They work on the
 * buffer directly because creating a String per field would dominate the cost of reading a trace.
 * Each throws {@link BadFieldException} naming the problem.
 */
final class Fields {
  static final String NOT_A_NUMBER = "not a number";

  /** The contract spellings of the {@code vendor} column; parsing returns these very instances. */
  static final String[] VENDORS = {"vtd", "amdvi", "smmuv3", "smmuv2"};

  private static final EventKind[] KINDS = EventKind.values();
  private static final Granularity[] GRANULARITIES = Granularity.values();

  private Fields() {}

  /**
   * Decimal (optional leading minus, the whole int64 range) or {@code 0x} hex. Hex may use the full
   * unsigned 64-bit range, because addresses and IRTE words are naturally written that way.
   */
  static long parseLong(char[] b, int from, int to) {
    boolean negative = b[from] == '-';
    int i = negative ? from + 1 : from;
    if (to - i > 2 && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X')) {
      long v = parseHex(b, i + 2, to);
      if (!negative) {
        return v;
      }
      if (v < 0 && v != Long.MIN_VALUE) {
        throw new BadFieldException(NOT_A_NUMBER); // -0x8000000000000001 and beyond do not fit
      }
      return -v;
    }
    if (i == to) {
      throw new BadFieldException(NOT_A_NUMBER);
    }
    // accumulate negatively, like Long.parseLong, so that Long.MIN_VALUE itself parses
    long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
    long limitBeforeMultiply = limit / 10;
    long v = 0;
    for (; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new BadFieldException(NOT_A_NUMBER);
      }
      if (v < limitBeforeMultiply) {
        throw new BadFieldException(NOT_A_NUMBER);
      }
      v *= 10;
      if (v < limit + d) {
        throw new BadFieldException(NOT_A_NUMBER);
      }
      v -= d;
    }
    return negative ? v : -v;
  }

  private static long parseHex(char[] b, int from, int to) {
    while (from < to - 1 && b[from] == '0') {
      from++; // leading zeros do not count against the 16 digits
    }
    if (to - from > 16) {
      throw new BadFieldException(NOT_A_NUMBER);
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = Numbers.hexDigit(b[i]);
      if (d < 0) {
        throw new BadFieldException(NOT_A_NUMBER);
      }
      v = v << 4 | d;
    }
    return v;
  }

  /** An int32 column: the value must fit an int and lie in {@code min..max}. */
  static int parseInt(char[] b, int from, int to, int min, int max, String rangeProblem) {
    long v = parseLong(b, from, to);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new BadFieldException("out of range for int32");
    }
    if (v < min || v > max) {
      throw new BadFieldException(rangeProblem);
    }
    return (int) v;
  }

  /**
   * A requester id in any {@link io.iommusim.trace.Sid} text form: {@code ssss:bb:dd.f} or
   * {@code bb:dd.f} (hex fields of at most 4 digits), or a number; {@code -1} means none.
   */
  static int parseSid(char[] b, int from, int to) {
    int firstColon = indexOf(b, from, to, ':');
    if (firstColon < 0) {
      long v;
      try {
        v = parseLong(b, from, to);
      } catch (BadFieldException e) {
        throw notASid();
      }
      if (v < -1 || v > Integer.MAX_VALUE) {
        throw notASid();
      }
      return (int) v;
    }
    int segment = 0;
    int busFrom = from;
    int busColon = firstColon;
    int secondColon = indexOf(b, firstColon + 1, to, ':');
    if (secondColon >= 0) {
      segment = hexField(b, from, firstColon, 0x7FFF);
      busFrom = firstColon + 1;
      busColon = secondColon;
      if (indexOf(b, secondColon + 1, to, ':') >= 0) {
        throw notASid();
      }
    }
    int dot = indexOf(b, busColon + 1, to, '.');
    if (dot < 0) {
      throw notASid();
    }
    int bus = hexField(b, busFrom, busColon, 0xFF);
    int device = hexField(b, busColon + 1, dot, 0x1F);
    int function = hexField(b, dot + 1, to, 7);
    return segment << 16 | bus << 8 | device << 3 | function;
  }

  private static int hexField(char[] b, int from, int to, int max) {
    if (from >= to || to - from > 4) {
      throw notASid();
    }
    int v = 0;
    for (int i = from; i < to; i++) {
      int d = Numbers.hexDigit(b[i]);
      if (d < 0) {
        throw notASid();
      }
      v = v * 16 + d;
    }
    if (v > max) {
      throw notASid();
    }
    return v;
  }

  private static BadFieldException notASid() {
    return new BadFieldException("not a requester id");
  }

  static EventKind parseKind(char[] b, int from, int to) {
    for (EventKind k : KINDS) {
      if (equals(b, from, to, k.text())) {
        return k;
      }
    }
    throw new BadFieldException("unknown kind");
  }

  static Granularity parseGranularity(char[] b, int from, int to) {
    for (Granularity g : GRANULARITIES) {
      if (g != Granularity.NONE && equals(b, from, to, g.text())) {
        return g;
      }
    }
    throw new BadFieldException("unknown granularity");
  }

  static String parseVendor(char[] b, int from, int to) {
    for (String v : VENDORS) {
      if (equals(b, from, to, v)) {
        return v;
      }
    }
    throw new BadFieldException("unknown vendor");
  }

  /** {@code r}, {@code w}, {@code rw}, {@code -} or a number 0..3 (decimal or hex). */
  static byte parsePerm(char[] b, int from, int to) {
    int p;
    char c = b[from];
    if (c == 'r' || c == 'w' || c == '-' || c == 'n') {
      p = Perm.parse(new String(b, from, to - from)); // rare: maps only, and short
    } else {
      try {
        long v = parseLong(b, from, to);
        p = v >= 0 && v <= 3 ? (int) v : -1;
      } catch (BadFieldException e) {
        p = -1;
      }
    }
    if (p < 0) {
      throw new BadFieldException("not a permission (r, w, rw, -, 0..3)");
    }
    return (byte) p;
  }

  static boolean equals(char[] b, int from, int to, String s) {
    int n = s.length();
    if (to - from != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (b[from + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static int indexOf(char[] b, int from, int to, char c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
