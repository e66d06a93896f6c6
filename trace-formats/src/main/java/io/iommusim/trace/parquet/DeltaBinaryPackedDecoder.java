package io.iommusim.trace.parquet;

import io.iommusim.trace.TraceFormatException;
import java.nio.ByteBuffer;
import org.apache.parquet.column.values.bitpacking.BytePackerForLong;
import org.apache.parquet.column.values.bitpacking.Packer;

/**
 * Streaming bulk decoder of Parquet's DELTA_BINARY_PACKED encoding, what writers use for integer columns
 * of v2 pages (a prepared trace's ts_ns and seq, which grow by small steps, take one or two bytes a value
 * instead of eight). parquet's own reader decodes a whole page into a fresh array and returns one value
 * per virtual call; this one unpacks a miniblock at a time, eight values per call, into a reused buffer.
 *
 * <p>Layout (parquet-format Encodings.md): a header {@code <block size> <miniblocks per block> <value
 * count> <first value>} (ULEB128, the first value zigzag), then blocks of {@code <min delta> <one bit
 * width byte per miniblock> <miniblocks>}; each miniblock holds {@code block size / miniblocks} deltas
 * minus the min delta, bit-packed little-endian. Arithmetic wraps in two's complement: int32 columns
 * are decoded in 64 bits and narrowed by the caller, which gives the same low 32 bits as 32-bit
 * arithmetic.
 */
final class DeltaBinaryPackedDecoder {
  private static final BytePackerForLong[] PACKERS = new BytePackerForLong[65];

  static {
    for (int w = 0; w <= 64; w++) {
      PACKERS[w] = Packer.LITTLE_ENDIAN.newBytePackerForLong(w);
    }
  }

  private final String file;
  private byte[] bytes;
  private int pos;
  private int limit;

  private int valuesPerMiniblock;
  private int miniblocksPerBlock;
  private byte[] bitWidths = new byte[0];
  /** Values of the page not yet returned. */
  private int left;
  private boolean firstPending;
  private long last;
  private long minDelta;
  /** Next miniblock of the current block; {@link #miniblocksPerBlock} when a new block starts. */
  private int miniblock;

  /** Decoded values of the current miniblock: [bufferPos, bufferEnd) not yet returned. */
  private long[] buffer = new long[0];
  private int bufferPos;
  private int bufferEnd;
  /** Padding for a last miniblock cut short by the end of the page. */
  private byte[] tail = new byte[0];

  DeltaBinaryPackedDecoder(String file) {
    this.file = file;
  }

  /** Starts on the encoded values in {@code buf[from, buf.limit())}. */
  void init(ByteBuffer buf, int from) {
    if (buf.hasArray()) {
      bytes = buf.array();
      pos = buf.arrayOffset() + from;
      limit = buf.arrayOffset() + buf.limit();
    } else {
      bytes = new byte[buf.limit() - from];
      buf.duplicate().position(from).get(bytes);
      pos = 0;
      limit = bytes.length;
    }
    long blockSize = readUnsignedVarLong();
    long miniblocks = readUnsignedVarLong();
    long count = readUnsignedVarLong();
    if (miniblocks <= 0 || blockSize <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0
        || blockSize > 1 << 20 || count > Integer.MAX_VALUE) {
      throw corrupt("header: block size " + blockSize + ", " + miniblocks + " miniblocks, " + count + " values");
    }
    last = readZigZagVarLong();
    valuesPerMiniblock = (int) (blockSize / miniblocks);
    miniblocksPerBlock = (int) miniblocks;
    if (bitWidths.length < miniblocksPerBlock) {
      bitWidths = new byte[miniblocksPerBlock];
    }
    if (buffer.length < valuesPerMiniblock) {
      buffer = new long[valuesPerMiniblock];
    }
    left = (int) count;
    firstPending = count > 0;
    miniblock = miniblocksPerBlock;
    bufferPos = 0;
    bufferEnd = 0;
  }

  /** Decodes the next {@code n} values into {@code out[off, off + n)}. */
  void read(long[] out, int off, int n) {
    if (n > left) {
      throw corrupt("page holds " + left + " more values, " + n + " wanted");
    }
    left -= n;
    if (n > 0 && firstPending) {
      firstPending = false;
      out[off++] = last;
      n--;
    }
    while (n > 0) {
      if (bufferPos == bufferEnd) {
        nextMiniblock(n + left);
      }
      int k = Math.min(n, bufferEnd - bufferPos);
      System.arraycopy(buffer, bufferPos, out, off, k);
      bufferPos += k;
      off += k;
      n -= k;
    }
  }

  /** Unpacks the next miniblock, of which {@code remaining} values (or fewer) are still wanted from the page. */
  private void nextMiniblock(int remaining) {
    if (miniblock == miniblocksPerBlock) {
      minDelta = readZigZagVarLong();
      if (pos + miniblocksPerBlock > limit) {
        throw corrupt("truncated block header");
      }
      System.arraycopy(bytes, pos, bitWidths, 0, miniblocksPerBlock);
      pos += miniblocksPerBlock;
      miniblock = 0;
    }
    int width = bitWidths[miniblock++];
    if (width < 0 || width > 64) {
      throw corrupt("bit width " + width);
    }
    int values = Math.min(valuesPerMiniblock, remaining);
    int groups = (values + 7) >>> 3;
    int packedBytes = valuesPerMiniblock / 8 * width;
    BytePackerForLong packer = PACKERS[width];
    long[] b = buffer;
    if (width == 0) {
      java.util.Arrays.fill(b, 0, values, 0L); // every delta is the min delta
    } else if (pos + groups * width <= limit) {
      for (int g = 0, at = pos; g < groups; g++, at += width) {
        packer.unpack8Values(bytes, at, b, g * 8);
      }
    } else {
      // the page ends inside this (last) miniblock: unpack from a zero-padded copy
      int have = Math.max(0, limit - pos);
      if (tail.length < groups * width) {
        tail = new byte[groups * width];
      }
      System.arraycopy(bytes, pos, tail, 0, have);
      java.util.Arrays.fill(tail, have, groups * width, (byte) 0);
      for (int g = 0; g < groups; g++) {
        packer.unpack8Values(tail, g * width, b, g * 8);
      }
    }
    pos += packedBytes;
    long v = last;
    long d = minDelta;
    for (int i = 0; i < values; i++) {
      v += d + b[i];
      b[i] = v;
    }
    last = v;
    bufferPos = 0;
    bufferEnd = values;
  }

  private long readUnsignedVarLong() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw corrupt("truncated varint");
      }
      int b = bytes[pos++];
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw corrupt("varint longer than 64 bits");
  }

  private long readZigZagVarLong() {
    long raw = readUnsignedVarLong();
    return (raw >>> 1) ^ -(raw & 1);
  }

  private TraceFormatException corrupt(String what) {
    return new TraceFormatException(file, -1, null, null, "corrupt DELTA_BINARY_PACKED data: " + what);
  }
}
