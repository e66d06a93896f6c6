package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.imports.text.Hex;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one trace event, matched against its format string written with placeholders:
 * {@code {x}} hex (0x optional), {@code {d}} signed decimal, {@code {n}} 0x-hex or else decimal (fields
 * that changed from %d to 0x%x), {@code {b}} a PCI device {@code bb:dd.f}, {@code {q}} 0x followed by
 * digits whose base is decided later (the historical "0x%d" bug), {@code {s}} any word, {@code {*}} the
 * rest. Both sides are tokenised alike ({@link #tokens}), so spacing, commas and parentheses do not matter.
 */
final class Template {
  /** What a match captured, in placeholder order: numbers (x, d, n, b) and words (s, q, and n's text). */
  record Match(long[] v, String[] s) {}

  private final String[] tokens;
  private final int numbers;
  private final int words;

  private Template(String[] tokens) {
    this.tokens = tokens;
    int n = 0;
    int w = 0;
    for (String t : tokens) {
      switch (t) {
        case "{x}", "{d}", "{b}" -> n++;
        case "{n}" -> {
          n++;
          w++;
        }
        case "{s}", "{q}" -> w++;
        default -> { }
      }
    }
    this.numbers = n;
    this.words = w;
  }

  static Template of(String format) {
    return new Template(tokens(format));
  }

  /** The captures, or null when the arguments do not fit. */
  Match match(String[] in) {
    long[] v = new long[numbers];
    String[] s = new String[words];
    int nv = 0;
    int ns = 0;
    int i = 0;
    for (String t : tokens) {
      if (t.equals("{*}")) {
        return new Match(v, s);
      }
      if (i >= in.length) {
        return null;
      }
      String a = in[i++];
      switch (t) {
        case "{x}" -> {
          if (!Hex.is(a)) {
            return null;
          }
          v[nv++] = Hex.value(a);
        }
        case "{d}" -> {
          if (!Hex.isSignedDecimal(a)) {
            return null;
          }
          v[nv++] = Long.parseLong(a);
        }
        case "{n}" -> {
          if (Hex.hasPrefix(a) ? !Hex.is(a) : !Hex.isDecimal(a)) {
            return null;
          }
          v[nv++] = Hex.hasPrefix(a) ? Hex.value(a) : Long.parseLong(a);
          s[ns++] = a;
        }
        case "{b}" -> {
          int sid = Hex.bdf(a);
          if (sid < 0) {
            return null;
          }
          v[nv++] = sid;
        }
        case "{q}" -> {
          if (!Hex.hasPrefix(a) || !Hex.is(a)) {
            return null;
          }
          s[ns++] = a;
        }
        case "{s}" -> s[ns++] = a;
        default -> {
          if (!t.equals(a)) {
            return null;
          }
        }
      }
    }
    return i == in.length ? new Match(v, s) : null;
  }

  /**
   * Words of an argument text: commas and parentheses are spaces; {@code key = value} becomes
   * {@code key=} and {@code value}; {@code name:0x12} becomes {@code name:} and {@code 0x12} (a PCI
   * {@code bb:dd.f} stays whole: what follows its last colon is not a number).
   */
  static String[] tokens(String text) {
    String t = text.replace(',', ' ').replace('(', ' ').replace(')', ' ').replaceAll("\\s*=\\s*", "= ");
    List<String> out = new ArrayList<>();
    for (String w : t.trim().split("\\s+")) {
      if (w.isEmpty()) {
        continue;
      }
      int colon = w.lastIndexOf(':');
      if (colon > 0 && colon < w.length() - 1 && numberLike(w.substring(colon + 1))) {
        out.add(w.substring(0, colon + 1));
        out.add(w.substring(colon + 1));
      } else {
        out.add(w);
      }
    }
    return out.toArray(new String[0]);
  }

  private static boolean numberLike(String s) {
    return s.startsWith("{") || Hex.isSignedDecimal(s) || (Hex.hasPrefix(s) && Hex.is(s));
  }
}
