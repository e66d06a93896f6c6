package io.iommusim.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetRowGroupTest {
  @TempDir Path dir;

  /** Row i: ts 10*i, seq 100+i, addr 0x1000*i, alternating map / dma_read. */
  private Path write(String name, int rows, int rowGroupRows) throws IOException {
    Path file = dir.resolve(name);
    try (ParquetTraceWriter writer =
        new ParquetTraceWriter(file, Map.of(), ParquetTraceWriter.DEFAULT_ROW_GROUP_BYTES, rowGroupRows)) {
      TraceEvent e = new TraceEvent();
      for (int i = 0; i < rows; i++) {
        e.clear();
        e.kind = i % 2 == 0 ? EventKind.MAP : EventKind.DMA_READ;
        e.tsNs = 10L * i;
        e.seq = 100L + i;
        e.addr = 0x1000L * i;
        writer.accept(e);
      }
    }
    return file;
  }

  @Test
  void rowGroupRowLimitSplitsTheFile() throws IOException {
    Path file = write("eight.parquet", 8, 3); // groups of 3, 3, 2 rows
    assertEquals(3, ParquetTraceReader.rowGroupCount(file));
    assertEquals(8, ParquetTraceReader.rowCount(file));
  }

  @Test
  void aRangeOfRowGroupsYieldsTheirRowsWithFileRowPositions() throws IOException {
    Path file = write("eight.parquet", 8, 3);
    List<Long> ts = new ArrayList<>();
    List<String> positions = new ArrayList<>();
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0, 1, 2)) {
      TraceEvent e = new TraceEvent();
      while (reader.next(e)) {
        ts.add(e.tsNs);
        positions.add(reader.position());
      }
    }
    // groups 1 and 2 hold rows 3..5 and 6..7
    assertEquals(List.of(30L, 40L, 50L, 60L, 70L), ts);
    assertEquals(file + " row 3", positions.get(0));
    assertEquals(file + " row 7", positions.get(4));
  }

  @Test
  void aSingleMiddleRowGroup() throws IOException {
    Path file = write("eight.parquet", 8, 3);
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0, 1, 1)) {
      TraceEvent e = new TraceEvent();
      assertTrue(reader.next(e));
      assertEquals(103, e.seq);
      assertEquals(EventKind.DMA_READ, e.kind); // row 3 is odd
      assertTrue(reader.next(e));
      assertTrue(reader.next(e));
      assertEquals(0x5000, e.addr);
      assertFalse(reader.next(e));
      assertEquals(file + " row 5", reader.position());
    }
  }

  @Test
  void zeroRowGroupsYieldNothing() throws IOException {
    Path file = write("eight.parquet", 8, 3);
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0, 3, 0)) {
      assertFalse(reader.next(new TraceEvent()));
    }
  }

  @Test
  void rowGroupRangeOutsideTheFileIsRejected() throws IOException {
    Path file = write("eight.parquet", 8, 3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ParquetTraceReader.open(file, 0, 2, 2));
    assertEquals(file + ": 2 row groups from row group 2 requested, the file has 3", e.getMessage());
  }

  @Test
  void rowGroupsLargerThanOneDecodingBatchReadCompletely() throws IOException {
    // 4500-row groups are read in batches of 4096 + 404; 10000 rows = 4500 + 4500 + 1000
    Path file = write("big.parquet", 10_000, 4500);
    assertEquals(3, ParquetTraceReader.rowGroupCount(file));
    long count = 0;
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      TraceEvent e = new TraceEvent();
      while (reader.next(e)) {
        assertEquals(10L * count, e.tsNs);
        assertEquals(100L + count, e.seq);
        assertEquals(0x1000L * count, e.addr);
        assertEquals(count % 2 == 0 ? EventKind.MAP : EventKind.DMA_READ, e.kind);
        assertEquals(file + " row " + count, reader.position());
        count++;
      }
    }
    assertEquals(10_000, count);
  }

  @Test
  void smallRowGroupByteSizeAlsoSplitsTheFile() throws IOException {
    Path file = dir.resolve("bytes.parquet");
    // parquet checks the buffered size every 100 rows at first, so 1 KiB groups hold about 100 rows each
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of(), 1024)) {
      for (int i = 0; i < 1000; i++) {
        writer.accept(ParquetTraceRoundTripTest.dma(i, i));
      }
    }
    assertTrue(ParquetTraceReader.rowGroupCount(file) > 1);
    assertEquals(1000, ParquetTraceReader.rowCount(file));
  }
}
