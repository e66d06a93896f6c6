package io.iommusim.trace.parquet;

import io.iommusim.trace.TraceFormatException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.parquet.column.values.bitpacking.BytePacker;
import org.apache.parquet.column.values.bitpacking.Packer;

/**
 * Streaming bulk decoder of Parquet's RLE / bit-packing hybrid encoding (definition levels, dictionary ids).
 * parquet's own decoder returns one int per virtual call; filling an int[] a batch at a time is several times
 * faster, and this is the inner loop of every optional or dictionary-encoded column.
 */
final class HybridRleDecoder {
  private static final BytePacker[] PACKERS = new BytePacker[33];

  static {
    for (int w = 0; w <= 32; w++) {
      PACKERS[w] = Packer.LITTLE_ENDIAN.newBytePacker(w);
    }
  }

  private final String file;
  private final int[] group = new int[8];
  private ByteBuffer buf;
  /** The buffer's backing array when it has one: bytes and packers are faster on arrays than on buffers. */
  private byte[] array;
  private int arrayOffset;
  private int pos;
  private int limit;
  private int bitWidth;
  private BytePacker packer;
  /** Values left in the current run. */
  private int runLeft;
  private boolean packedRun;
  private int runValue;
  /** Next unread value in {@link #group}; 8 when it is used up. */
  private int groupPos = 8;

  HybridRleDecoder(String file) {
    this.file = file;
  }

  /** Starts decoding {@code buf[from, to)} as values of {@code bitWidth} bits. */
  void init(ByteBuffer buf, int from, int to, int bitWidth) {
    if (bitWidth < 0 || bitWidth > 32) {
      throw corrupt("bit width " + bitWidth);
    }
    this.buf = buf;
    this.array = buf.hasArray() ? buf.array() : null;
    this.arrayOffset = buf.hasArray() ? buf.arrayOffset() : 0;
    this.pos = from;
    this.limit = to;
    this.bitWidth = bitWidth;
    this.packer = PACKERS[bitWidth];
    this.runLeft = 0;
    this.groupPos = 8;
  }

  /** Decodes the next {@code n} values into {@code out[off, off + n)}. */
  void read(int[] out, int off, int n) {
    while (n > 0) {
      if (runLeft == 0) {
        startRun();
        continue;
      }
      if (!packedRun) {
        int k = Math.min(n, runLeft);
        Arrays.fill(out, off, off + k, runValue);
        off += k;
        n -= k;
        runLeft -= k;
        continue;
      }
      if (groupPos == 8) {
        // whole groups straight into the output
        while (n >= 8 && runLeft >= 8 && pos + bitWidth <= limit) {
          if (array != null) {
            packer.unpack8Values(array, arrayOffset + pos, out, off);
          } else {
            packer.unpack8Values(buf, pos, out, off);
          }
          pos += bitWidth;
          off += 8;
          n -= 8;
          runLeft -= 8;
        }
        if (n == 0 || runLeft == 0) {
          continue;
        }
        unpackGroup();
      }
      int k = Math.min(n, Math.min(runLeft, 8 - groupPos));
      System.arraycopy(group, groupPos, out, off, k);
      groupPos += k;
      off += k;
      n -= k;
      runLeft -= k;
    }
  }

  /**
   * Like {@link #read}, and returns how many of the values equal {@code value}; an RLE run is counted
   * whole (definition levels of a column without nulls are one long run, so this costs no pass over them).
   */
  int readCounting(int[] out, int off, int n, int value) {
    int count = 0;
    while (n > 0) {
      if (runLeft == 0) {
        startRun();
        continue;
      }
      int k = Math.min(n, runLeft);
      if (packedRun) {
        read(out, off, k);
        for (int i = off; i < off + k; i++) {
          if (out[i] == value) {
            count++;
          }
        }
      } else {
        Arrays.fill(out, off, off + k, runValue);
        runLeft -= k;
        if (runValue == value) {
          count += k;
        }
      }
      off += k;
      n -= k;
    }
    return count;
  }

  private void startRun() {
    int header = 0;
    int shift = 0;
    int b;
    do {
      if (pos >= limit || shift > 28) {
        throw corrupt("truncated run header");
      }
      b = byteAt(pos++);
      header |= (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    if ((header & 1) == 0) {
      packedRun = false;
      runLeft = header >>> 1;
      int bytes = (bitWidth + 7) >>> 3;
      if (pos + bytes > limit) {
        throw corrupt("truncated run value");
      }
      int value = 0;
      for (int k = 0; k < bytes; k++) {
        value |= byteAt(pos++) << (8 * k);
      }
      runValue = value;
    } else {
      packedRun = true;
      runLeft = (header >>> 1) * 8;
      groupPos = 8;
    }
  }

  private void unpackGroup() {
    if (pos + bitWidth <= limit) {
      packer.unpack8Values(buf, pos, group, 0);
    } else {
      // the last group of a page may be cut short: pad it with zero bytes
      byte[] padded = new byte[bitWidth];
      for (int k = 0; pos + k < limit; k++) {
        padded[k] = buf.get(pos + k);
      }
      packer.unpack8Values(padded, 0, group, 0);
    }
    pos += bitWidth;
    groupPos = 0;
  }

  private int byteAt(int at) {
    return (array != null ? array[arrayOffset + at] : buf.get(at)) & 0xFF;
  }

  private TraceFormatException corrupt(String what) {
    return new TraceFormatException(file, -1, null, null, "corrupt RLE/bit-packed data: " + what);
  }
}
