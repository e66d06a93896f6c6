package io.iommusim.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForInteger;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForLong;
import org.junit.jupiter.api.Test;

/** DELTA_BINARY_PACKED decoding: a hand-encoded page, then parquet's own writer on many value shapes. */
class DeltaBinaryPackedDecoderTest {
  private final DeltaBinaryPackedDecoder decoder = new DeltaBinaryPackedDecoder("t.parquet");

  @Test
  void handEncodedPageOfTheFormatSpecification() {
    // 7 5 3 1 2 3 4 5: first value 7, deltas -2 -2 -2 1 1 1 1, min delta -2, so the miniblock holds
    // 0 0 0 3 3 3 3 at 2 bits each, least significant bits first
    byte[] page = {
        (byte) 0x80, 0x01, // block size 128 (ULEB128)
        0x04, // 4 miniblocks
        0x08, // 8 values
        0x0E, // first value 7 (zigzag 14)
        0x03, // min delta -2 (zigzag 3)
        0x02, 0x00, 0x00, 0x00, // bit widths
        (byte) 0xC0, 0x3F, 0, 0, 0, 0, 0, 0, // miniblock 0: 32 values x 2 bits; only 7 are used
    };
    decoder.init(ByteBuffer.wrap(page), 0);
    long[] out = new long[8];
    decoder.read(out, 0, 8);
    assertArrayEquals(new long[] {7, 5, 3, 1, 2, 3, 4, 5}, out);
  }

  @Test
  void pageStartingAfterAnOffsetInItsBuffer() {
    // the same page behind 3 bytes of definition levels, in a buffer that is itself a slice
    byte[] bytes = {9, 9, 9, 9, (byte) 0x80, 0x01, 0x04, 0x02, 0x02, 0x02, 0, 0, 0, 0};
    ByteBuffer slice = ByteBuffer.wrap(bytes).position(1).slice();
    decoder.init(slice, 3);
    long[] out = new long[2];
    decoder.read(out, 0, 2);
    // first value 1 (zigzag 2), min delta 1 (zigzag 2), widths 0: 1, 2
    assertArrayEquals(new long[] {1, 2}, out);
  }

  @Test
  void longValuesOfManyShapesRoundTrip() throws IOException {
    SplittableRandom random = new SplittableRandom(42);
    assertLongsRoundTrip(0, i -> i);
    assertLongsRoundTrip(1, i -> -5);
    assertLongsRoundTrip(7, i -> 1000 + 3 * i); // one partial miniblock
    assertLongsRoundTrip(128, i -> 1000 + 3 * i); // exactly one block, constant deltas: bit width 0
    assertLongsRoundTrip(129, i -> i * i); // a second block with one value
    assertLongsRoundTrip(10_000, i -> 1_505_769_657L + i * 100 + random.nextInt(64)); // timestamps
    assertLongsRoundTrip(5_000, i -> i % 5 == 0 ? random.nextLong(1L << 35) : 0); // phys: mostly 0
    assertLongsRoundTrip(3_000, i -> random.nextLong()); // full 64-bit deltas
    assertLongsRoundTrip(1_000, i -> (i & 1) == 0 ? Long.MIN_VALUE : Long.MAX_VALUE); // deltas wrap around
    assertLongsRoundTrip(1_000, i -> -i * 4096);
  }

  @Test
  void intValuesDecodeToTheirLow32Bits() throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    int[][] shapes = new int[3][];
    shapes[0] = new int[2_000];
    shapes[1] = new int[2_000];
    shapes[2] = new int[300];
    for (int i = 0; i < 2_000; i++) {
      shapes[0][i] = random.nextInt();
      shapes[1][i] = (i & 1) == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE; // 32-bit deltas wrap around
    }
    for (int i = 0; i < 300; i++) {
      shapes[2][i] = 0x300 + i % 8;
    }
    for (int[] values : shapes) {
      DeltaBinaryPackingValuesWriterForInteger w =
          new DeltaBinaryPackingValuesWriterForInteger(64, 1 << 20, new HeapByteBufferAllocator());
      for (int v : values) {
        w.writeInteger(v);
      }
      decoder.init(ByteBuffer.wrap(w.getBytes().toByteArray()), 0);
      long[] out = new long[values.length];
      readInOddChunks(out);
      for (int i = 0; i < values.length; i++) {
        assertEquals(values[i], (int) out[i], "value " + i);
      }
    }
  }

  @Test
  void otherBlockGeometriesRoundTrip() throws IOException {
    // 256 values per block in 8 miniblocks of 32, as other writers may choose
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(256, 8, 64, 1 << 20, new HeapByteBufferAllocator());
    long[] values = new long[1_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) i * i * i - 77;
      w.writeLong(values[i]);
    }
    decoder.init(ByteBuffer.wrap(w.getBytes().toByteArray()), 0);
    long[] out = new long[values.length];
    readInOddChunks(out);
    assertArrayEquals(values, out);
  }

  @Test
  void askingForMoreValuesThanThePageHoldsIsCorruptData() throws IOException {
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(64, 1 << 20, new HeapByteBufferAllocator());
    w.writeLong(1);
    w.writeLong(2);
    decoder.init(ByteBuffer.wrap(w.getBytes().toByteArray()), 0);
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> decoder.read(new long[3], 0, 3));
    assertTrue(e.getMessage().contains("corrupt DELTA_BINARY_PACKED data: page holds 2 more values, 3 wanted"),
        e.getMessage());
  }

  @Test
  void impossibleHeaderIsCorruptData() {
    // block size 100 is not a multiple of 8 values per miniblock
    byte[] page = {100, 0x04, 0x01, 0x00};
    TraceFormatException e = assertThrows(TraceFormatException.class,
        () -> decoder.init(ByteBuffer.wrap(page), 0));
    assertTrue(e.getMessage().startsWith("t.parquet: corrupt DELTA_BINARY_PACKED data: header"), e.getMessage());
  }

  @Test
  void truncatedPageIsCorruptData() {
    byte[] page = {(byte) 0x80, 0x01, 0x04, 0x08, 0x0E}; // 8 values announced, no block follows
    decoder.init(ByteBuffer.wrap(page), 0);
    long[] out = new long[8];
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> decoder.read(out, 0, 8));
    assertTrue(e.getMessage().contains("truncated varint"), e.getMessage());
  }

  private void assertLongsRoundTrip(int n, LongUnaryOperator value) throws IOException {
    DeltaBinaryPackingValuesWriterForLong w =
        new DeltaBinaryPackingValuesWriterForLong(64, 1 << 20, new HeapByteBufferAllocator());
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = value.applyAsLong(i);
      w.writeLong(values[i]);
    }
    decoder.init(ByteBuffer.wrap(w.getBytes().toByteArray()), 0);
    long[] out = new long[n];
    readInOddChunks(out);
    assertArrayEquals(values, out, n + " values");
  }

  /** Reads the whole page in chunks of 1, 2, 3, ... values, so chunks start and end mid-miniblock. */
  private void readInOddChunks(long[] out) {
    int done = 0;
    for (int chunk = 1; done < out.length; chunk++) {
      int k = Math.min(chunk, out.length - done);
      decoder.read(out, done, k);
      done += k;
    }
  }
}
