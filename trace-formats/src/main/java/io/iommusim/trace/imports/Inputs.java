package io.iommusim.trace.imports;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** Stream helpers shared by detection and parsing. */
public final class Inputs {
  private Inputs() {}

  /**
   * The stream, gunzipped when it starts with the gzip magic (1f 8b): captures are often compressed,
   * whatever their name says.
   */
  public static InputStream decompressed(InputStream in) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
    b.mark(2);
    int first = b.read();
    int second = b.read();
    b.reset();
    if (first == 0x1f && second == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
    }
    return b;
  }

  static byte[] readUpTo(InputStream in, int max) throws IOException {
    byte[] buf = new byte[max];
    int n = 0;
    while (n < max) {
      int r = in.read(buf, n, max - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return Arrays.copyOf(buf, n);
  }
}
