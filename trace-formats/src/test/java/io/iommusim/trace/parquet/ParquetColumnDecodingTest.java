package io.iommusim.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reader's column decoding: DELTA_BINARY_PACKED pages with nulls across pages and batches, chunks
 * that statistics prove uniform (with and without statistics, nulls, several row groups, bad uniform
 * values), and batches of columns against the row-by-row path.
 */
class ParquetColumnDecodingTest {
  @TempDir Path dir;

  /** Columns as Spark writes them (all optional), plus one int32 stored for an int64 column. */
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message m {\n"
          + "  optional int64 ts_ns;\n"
          + "  optional int64 seq;\n"
          + "  optional binary kind (STRING);\n"
          + "  optional int32 unit;\n"
          + "  optional int32 sid;\n"
          + "  optional int32 pasid;\n"
          + "  optional int32 domain;\n"
          + "  optional int32 addr;\n"
          + "  optional int64 phys;\n"
          + "  optional int32 perm (INTEGER(8,true));\n"
          + "  optional int64 page_size;\n"
          + "  optional binary granularity (STRING);\n"
          + "  optional binary vendor (STRING);\n"
          + "}\n");

  /** How a test file is written. */
  private record Writing(WriterVersion version, boolean dictionary, boolean statistics, int pageRows, int groupRows) {}

  private Path write(String name, Writing how, int rows, BiConsumer<Integer, Group> row) throws IOException {
    Path file = dir.resolve(name);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withWriterVersion(how.version)
        .withDictionaryEncoding(how.dictionary)
        .withStatisticsEnabled(how.statistics)
        .withPageRowCountLimit(how.pageRows)
        .withRowGroupRowCountLimit(how.groupRows)
        .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        row.accept(i, g);
        writer.write(g);
      }
    }
    return file;
  }

  private static List<TraceEvent> readAll(Path file) throws IOException {
    List<TraceEvent> events = new ArrayList<>();
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      TraceEvent e = new TraceEvent();
      while (reader.next(e)) {
        events.add(e.copy());
      }
    }
    return events;
  }

  private static List<TraceEvent> readAllInBatches(Path file) throws IOException {
    List<TraceEvent> events = new ArrayList<>();
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      EventColumns batch;
      while ((batch = reader.nextBatch()) != null) {
        for (int i = 0; i < batch.rows; i++) {
          events.add(batch.copyRow(i, new TraceEvent()));
        }
      }
    }
    return events;
  }

  private static List<ColumnChunkMetaData> chunks(Path file, String column) throws IOException {
    List<ColumnChunkMetaData> result = new ArrayList<>();
    try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      for (BlockMetaData b : r.getRowGroups()) {
        for (ColumnChunkMetaData c : b.getColumns()) {
          if (c.getPath().toDotString().equals(column)) {
            result.add(c);
          }
        }
      }
    }
    return result;
  }

  // ---- DELTA_BINARY_PACKED through the reader -------------------------------------------------------

  @Test
  void deltaEncodedColumnsWithNullsAcrossPagesAndBatches() throws IOException {
    int n = 10_000; // three batches of at most 4096 rows, pages of 700 rows
    Path file = write("delta.parquet", new Writing(WriterVersion.PARQUET_2_0, false, true, 700, n), n, (i, g) -> {
      g.add("ts_ns", 1_000_000L + 100L * i + (i % 7));
      if (i % 11 != 3) {
        g.add("seq", 2L * i);
      }
      g.add("kind", i % 5 == 0 ? "map" : "dma_read");
      g.add("unit", i % 3);
      if (i % 13 != 0) {
        g.add("sid", 0x300 + i % 8);
      }
      g.add("addr", -4096 * (i % 100)); // int32 for an int64 column: sign-extended
      g.add("phys", i % 5 == 0 ? (1L << 34) + 4096L * i : 0);
    });
    assertTrue(chunks(file, "ts_ns").get(0).getEncodings().contains(Encoding.DELTA_BINARY_PACKED),
        "the test must exercise DELTA_BINARY_PACKED: " + chunks(file, "ts_ns").get(0).getEncodings());
    List<TraceEvent> events = readAll(file);
    assertEquals(n, events.size());
    for (int i = 0; i < n; i++) {
      TraceEvent e = events.get(i);
      String row = "row " + i;
      assertEquals(1_000_000L + 100L * i + (i % 7), e.tsNs, row);
      assertEquals(i % 11 != 3 ? 2L * i : i, e.seq, row); // a null seq is the row's position
      assertEquals(i % 5 == 0 ? EventKind.MAP : EventKind.DMA_READ, e.kind, row);
      assertEquals(i % 3, e.unit, row);
      assertEquals(i % 13 != 0 ? 0x300 + i % 8 : TraceEvent.NONE, e.sid, row);
      assertEquals(-4096L * (i % 100), e.addr, row);
      assertEquals(i % 5 == 0 ? (1L << 34) + 4096L * i : 0, e.phys, row);
    }
    assertEquals(events, readAllInBatches(file));
  }

  // ---- uniform chunks -------------------------------------------------------------------------------

  /** Rows in which unit, pasid, page_size, granularity, vendor and kind never change; the rest varies. */
  private static void uniformRow(int i, Group g) {
    g.add("ts_ns", 10L * i);
    g.add("kind", "inv_iotlb");
    g.add("unit", 7);
    // pasid: always null
    g.add("sid", 0x100 + i % 4);
    g.add("domain", 3);
    g.add("page_size", 2L << 20);
    g.add("granularity", "page");
    g.add("vendor", "vtd");
  }

  @ParameterizedTest(name = "{0} dictionary={1} statistics={2}")
  @CsvSource({
      "PARQUET_1_0, true, true", "PARQUET_1_0, false, true", "PARQUET_2_0, true, true", "PARQUET_2_0, false, true",
      "PARQUET_1_0, true, false", "PARQUET_2_0, false, false"})
  void uniformColumnsReadTheSameWithAndWithoutStatistics(WriterVersion version, boolean dictionary,
      boolean statistics) throws IOException {
    int n = 9_000;
    Path file = write("uniform.parquet", new Writing(version, dictionary, statistics, 1_000, n), n,
        ParquetColumnDecodingTest::uniformRow);
    Statistics<?> unitStats = chunks(file, "unit").get(0).getStatistics();
    assertEquals(statistics, !unitStats.isEmpty(), "statistics written as asked");
    List<TraceEvent> events = readAll(file);
    assertEquals(n, events.size());
    for (int i = 0; i < n; i++) {
      TraceEvent e = events.get(i);
      TraceEvent expected = new TraceEvent();
      expected.tsNs = 10L * i;
      expected.seq = i;
      expected.kind = EventKind.INV_IOTLB;
      expected.unit = 7;
      expected.sid = 0x100 + i % 4;
      expected.domain = 3;
      expected.pageSize = 2L << 20;
      expected.granularity = Granularity.PAGE;
      expected.vendor = "vtd";
      assertEquals(expected, e, "row " + i);
    }
    assertEquals(events, readAllInBatches(file));
  }

  @Test
  void aColumnUniformInOneRowGroupAndVaryingInAnother() throws IOException {
    int perGroup = 5_000; // groups span batches: 4096 + 904, then a new group
    Path file = write("groups.parquet", new Writing(WriterVersion.PARQUET_1_0, true, true, 1_000, perGroup),
        4 * perGroup, (i, g) -> {
          int group = i / perGroup;
          g.add("ts_ns", (long) i);
          g.add("kind", group == 1 ? (i % 2 == 0 ? "attach" : "detach") : "attach");
          if (group == 0) {
            g.add("unit", 1);
            g.add("vendor", "amdvi");
          } else if (group == 1) {
            g.add("unit", i % 5);
            g.add("vendor", i % 2 == 0 ? "vtd" : "smmuv3");
          } else if (group == 2) {
            g.add("unit", 2);
          } // group 3: unit and vendor null
          if (group != 3) {
            g.add("sid", 5); // uniform in groups 0..2, all null in group 3
          }
        });
    assertEquals(4, chunks(file, "unit").size(), "four row groups");
    List<TraceEvent> events = readAll(file);
    for (int i = 0; i < 4 * perGroup; i++) {
      TraceEvent e = events.get(i);
      int group = i / perGroup;
      String row = "row " + i;
      assertEquals(group == 1 ? (i % 2 == 0 ? EventKind.ATTACH : EventKind.DETACH) : EventKind.ATTACH, e.kind, row);
      assertEquals(group == 0 ? 1 : group == 1 ? i % 5 : group == 2 ? 2 : 0, e.unit, row);
      assertEquals(group == 0 ? "amdvi" : group == 1 ? (i % 2 == 0 ? "vtd" : "smmuv3") : null, e.vendor, row);
      assertEquals(group == 3 ? TraceEvent.NONE : 5, e.sid, row);
    }
    assertEquals(events, readAllInBatches(file));
  }

  @Test
  void oneValueWithSomeNullsIsNotUniform() throws IOException {
    // statistics say min = max = 9 for sid, but nulls read as the default -1
    Path file = write("somenulls.parquet", new Writing(WriterVersion.PARQUET_1_0, true, true, 1_000, 100_000),
        5_000, (i, g) -> {
          g.add("ts_ns", (long) i);
          g.add("kind", "msi");
          if (i % 3 != 0) {
            g.add("sid", 9);
          }
        });
    Statistics<?> sid = chunks(file, "sid").get(0).getStatistics();
    assertEquals(9, sid.genericGetMin());
    assertEquals(9, sid.genericGetMax());
    List<TraceEvent> events = readAll(file);
    for (int i = 0; i < 5_000; i++) {
      assertEquals(i % 3 != 0 ? 9 : TraceEvent.NONE, events.get(i).sid, "row " + i);
    }
  }

  /** Writes 3000 good rows in row group 0, then row group 1 with {@code bad} in every row; the error must name row 3000. */
  private TraceFormatException uniformBadValueInSecondGroup(String name, BiConsumer<Integer, Group> bad)
      throws IOException {
    Path file = write(name, new Writing(WriterVersion.PARQUET_1_0, true, true, 1_000, 3_000), 6_000, (i, g) -> {
      if (i < 3_000) {
        g.add("ts_ns", (long) i);
        g.add("kind", "dma_read");
      } else {
        bad.accept(i, g);
      }
    });
    assertEquals(2, chunks(file, "ts_ns").size());
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      TraceEvent e = new TraceEvent();
      for (int i = 0; i < 3_000; i++) {
        assertTrue(reader.next(e), "good row " + i);
      }
      TraceFormatException error = assertThrows(TraceFormatException.class, () -> reader.next(e));
      assertEquals(3_000, error.line());
      assertEquals(file + " row 3000", reader.position());
      // the batch path stops at the same row with the same error
      try (ParquetTraceReader batches = ParquetTraceReader.open(file, 0)) {
        int delivered = 0;
        TraceFormatException batchError = null;
        try {
          EventColumns b;
          while ((b = batches.nextBatch()) != null) {
            delivered += b.rows;
          }
        } catch (TraceFormatException ex) {
          batchError = ex;
        }
        assertEquals(3_000, delivered);
        assertNotNull(batchError);
        assertEquals(error.getMessage(), batchError.getMessage());
        assertEquals(file + " row 3000", batches.position());
      }
      return error;
    }
  }

  @Test
  void uniformOutOfRangeValueIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("perm.parquet", (i, g) -> {
      g.add("ts_ns", (long) i);
      g.add("kind", "map");
      g.add("perm", 9);
    });
    assertEquals("perm", e.column());
    assertEquals("9", e.text());
    assertTrue(e.getMessage().endsWith("out of range 0..3: '9'"), e.getMessage());
  }

  @Test
  void uniformUnknownKindIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("kind.parquet", (i, g) -> {
      g.add("ts_ns", (long) i);
      g.add("kind", "dma_sideways");
    });
    assertEquals("kind", e.column());
    assertEquals("dma_sideways", e.text());
  }

  @Test
  void allNullKindIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("nullkind.parquet", (i, g) -> g.add("ts_ns", (long) i));
    assertEquals("kind", e.column());
    assertTrue(e.getMessage().endsWith("null in a required column"), e.getMessage());
  }

  @Test
  void allNullTimestampIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("nullts.parquet", (i, g) -> g.add("kind", "msi"));
    assertEquals("ts_ns", e.column());
  }

  @Test
  void uniformUnknownGranularityIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("gran.parquet", (i, g) -> {
      g.add("ts_ns", (long) i);
      g.add("kind", "inv_iotlb");
      g.add("granularity", "galaxy");
    });
    assertEquals("granularity", e.column());
    assertEquals("galaxy", e.text());
  }

  @Test
  void uniformPageSizeThatIsNoPageSizeIsReportedAtTheGroupsFirstRow() throws IOException {
    TraceFormatException e = uniformBadValueInSecondGroup("pagesize.parquet", (i, g) -> {
      g.add("ts_ns", (long) i);
      g.add("kind", "map");
      g.add("page_size", 8192L);
    });
    assertEquals("page_size", e.column());
    assertEquals("8192", e.text());
  }

  // ---- what the statistics prove ------------------------------------------------------------------

  private static final PrimitiveType INT32 = Types.optional(PrimitiveTypeName.INT32).named("unit");
  private static final PrimitiveType INT64 = Types.optional(PrimitiveTypeName.INT64).named("addr");
  private static final PrimitiveType STRING = Types.optional(PrimitiveTypeName.BINARY).named("kind");

  private static ColumnChunkReader.Uniform uniformOf(PrimitiveType type, Statistics<?> statistics, long rows)
      throws IOException {
    ColumnChunkReader reader = new ColumnChunkReader("f", new ColumnDescriptor(new String[] {type.getName()}, type, 0, 1));
    reader.startChunk(NO_PAGES, statistics, rows);
    return reader.uniform();
  }

  private static Statistics<?> stats(PrimitiveType type, Object min, Object max, long nulls) {
    Statistics<?> s = Statistics.createStats(type);
    if (min != null) {
      if (type == INT32) {
        s.updateStats((Integer) min);
        s.updateStats((Integer) max);
      } else if (type == INT64) {
        s.updateStats((Long) min);
        s.updateStats((Long) max);
      } else {
        s.updateStats(Binary.fromString((String) min));
        s.updateStats(Binary.fromString((String) max));
      }
    }
    s.setNumNulls(nulls);
    return s;
  }

  @Test
  void statisticsProveUniformityOnlyWhenTheyCan() throws IOException {
    ColumnChunkReader.Uniform no = ColumnChunkReader.Uniform.NO;
    ColumnChunkReader.Uniform one = ColumnChunkReader.Uniform.ONE_VALUE;
    ColumnChunkReader.Uniform nulls = ColumnChunkReader.Uniform.ALL_NULL;
    assertEquals(one, uniformOf(INT32, stats(INT32, 4, 4, 0), 100));
    assertEquals(no, uniformOf(INT32, stats(INT32, 4, 5, 0), 100));
    assertEquals(no, uniformOf(INT32, stats(INT32, 4, 4, 1), 100), "a null reads as the default");
    assertEquals(nulls, uniformOf(INT32, stats(INT32, null, null, 100), 100));
    assertEquals(one, uniformOf(INT64, stats(INT64, -1L << 40, -1L << 40, 0), 100));
    assertEquals(no, uniformOf(INT64, stats(INT64, 0L, 1L, 0), 100));
    assertEquals(one, uniformOf(STRING, stats(STRING, "map", "map", 0), 100));
    assertEquals(no, uniformOf(STRING, stats(STRING, "map", "unmap", 0), 100));
    assertEquals(no, uniformOf(INT32, null, 100), "no statistics");
    assertEquals(no, uniformOf(INT32, Statistics.createStats(INT32), 100), "empty statistics");
    Statistics<?> nullCountUnknown = Statistics.getBuilderForReading(INT32)
        .withMin(new byte[] {4, 0, 0, 0}).withMax(new byte[] {4, 0, 0, 0}).build();
    assertFalse(nullCountUnknown.isNumNullsSet());
    assertEquals(no, uniformOf(INT32, nullCountUnknown, 100), "without a null count nothing is proven");
  }

  private static final PageReader NO_PAGES = new PageReader() {
    @Override
    public DictionaryPage readDictionaryPage() {
      return null;
    }

    @Override
    public long getTotalValueCount() {
      return 0;
    }

    @Override
    public DataPage readPage() {
      return null;
    }
  };

  // ---- batches against rows -------------------------------------------------------------------------

  @Test
  void batchesEndBeforeABadRowAndTheNextCallThrowsItsError() throws IOException {
    Path file = write("badmid.parquet", new Writing(WriterVersion.PARQUET_1_0, true, true, 1_000, 100_000), 6_000,
        (i, g) -> {
          g.add("ts_ns", (long) i);
          g.add("kind", i == 5_000 ? "dma_sideways" : "dma_write");
        });
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      EventColumns first = reader.nextBatch();
      assertEquals(EventBatch.CAPACITY, first.rows);
      assertEquals(file + " row 4095", reader.position());
      assertEquals(file + " row 17", reader.position(17));
      EventColumns second = reader.nextBatch();
      assertEquals(5_000 - EventBatch.CAPACITY, second.rows, "the rows before the bad one");
      assertEquals(EventKind.DMA_WRITE, second.kind(second.rows - 1));
      TraceFormatException e = assertThrows(TraceFormatException.class, reader::nextBatch);
      assertEquals(file + ":5000: column 'kind': unknown kind: 'dma_sideways'", e.getMessage());
      assertEquals(file + " row 5000", reader.position());
      assertThrows(TraceFormatException.class, reader::nextBatch, "the stream does not go past a bad row");
    }
  }

  @Test
  void batchOfAFileWithoutRowsIsNull() throws IOException {
    Path file = write("empty.parquet", new Writing(WriterVersion.PARQUET_1_0, true, true, 1_000, 1_000), 0,
        (i, g) -> {});
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      assertNull(reader.nextBatch());
    }
  }
}
