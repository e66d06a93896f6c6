package io.iommusim.trace;

/**
 * PCI requester ids: {@code segment<<16 | bus<<8 | device<<3 | function}.
 * Text forms: {@code ssss:bb:dd.f}, {@code bb:dd.f} (hex fields, as lspci prints them), {@code 0x…} or decimal.
 * Segments are limited to 0..0x7fff: a requester id is a non-negative int32, and -1 means "none".
 */
public final class Sid {
  private Sid() {}

  public static int of(int segment, int bus, int device, int function) {
    return (segment & 0xFFFF) << 16 | (bus & 0xFF) << 8 | (device & 0x1F) << 3 | (function & 7);
  }

  public static int segment(int sid) {
    return sid >>> 16;
  }

  public static int bus(int sid) {
    return (sid >>> 8) & 0xFF;
  }

  public static int devfn(int sid) {
    return sid & 0xFF;
  }

  /** Formats as {@code bb:dd.f}, or {@code ssss:bb:dd.f} when the segment is not 0. */
  public static String format(int sid) {
    if (sid < 0) {
      return "";
    }
    String bdf = hex2(bus(sid)) + ":" + hex2((sid >>> 3) & 0x1F) + "." + (sid & 7);
    int seg = segment(sid);
    return seg == 0 ? bdf : String.format("%04x:%s", seg, bdf);
  }

  private static String hex2(int v) {
    return v < 16 ? "0" + Integer.toHexString(v) : Integer.toHexString(v);
  }

  /**
   * Parses any text form; returns -1 on a syntax error or an out-of-range field
   * (bus 0..ff, device 0..1f, function 0..7, segment 0..7fff).
   */
  public static int parse(String s) {
    int colon = s.indexOf(':');
    if (colon < 0) {
      long v = Numbers.parseLongOrMin(s);
      return v >= 0 && v <= 0xFFFF_FFFFL && v <= Integer.MAX_VALUE ? (int) v : -1;
    }
    int colon2 = s.indexOf(':', colon + 1);
    int segment = 0;
    String rest = s;
    if (colon2 >= 0) {
      segment = hexField(s, 0, colon, 0x7FFF); // 0x8000 and up would make the id negative
      rest = s.substring(colon + 1);
      colon = rest.indexOf(':');
      if (rest.indexOf(':', colon + 1) >= 0) {
        return -1;
      }
    }
    int dot = rest.indexOf('.', colon + 1);
    if (dot < 0) {
      return -1;
    }
    int bus = hexField(rest, 0, colon, 0xFF);
    int dev = hexField(rest, colon + 1, dot, 0x1F);
    int fn = hexField(rest, dot + 1, rest.length(), 7);
    if (segment < 0 || bus < 0 || dev < 0 || fn < 0) {
      return -1;
    }
    return of(segment, bus, dev, fn);
  }

  private static int hexField(String s, int from, int to, int max) {
    if (from >= to || to - from > 4) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < to; i++) {
      int d = Numbers.hexDigit(s.charAt(i));
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v <= max ? v : -1;
  }
}
