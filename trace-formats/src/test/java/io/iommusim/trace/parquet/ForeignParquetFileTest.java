package io.iommusim.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by other writers, the way Spark writes them: optional columns, subsets, extra columns. */
class ForeignParquetFileTest {
  @TempDir Path dir;

  /** What Spark writes for a DataFrame with a few of our columns plus one of its own. */
  private static final MessageType SPARK_LIKE = MessageTypeParser.parseMessageType(
      "message spark_schema {\n"
          + "  optional int64 ts_ns;\n"
          + "  optional binary kind (STRING);\n"
          + "  optional binary comment (STRING);\n"
          + "  optional int32 sid;\n"
          + "  optional int32 addr;\n"            // int32 where int64 is expected
          + "  optional int32 perm (INTEGER(8,true));\n"
          + "  optional int64 page_size;\n"
          + "  optional binary granularity (STRING);\n"
          + "  optional int32 am (INTEGER(8,true));\n"
          + "  optional binary vendor (STRING);\n"
          + "}\n");

  private Path write(String name, MessageType schema, boolean dictionary, WriterVersion version,
      Consumer<RowWriter> rows) throws IOException {
    Path file = dir.resolve(name);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withDictionaryEncoding(dictionary)
        .withWriterVersion(version)
        .build()) {
      rows.accept(new RowWriter(writer, new SimpleGroupFactory(schema)));
    }
    return file;
  }

  private Path writeSparkLike(String name, Consumer<RowWriter> rows) throws IOException {
    return write(name, SPARK_LIKE, true, WriterVersion.PARQUET_1_0, rows);
  }

  /** Test helper: one call per row; a field not set is null. */
  static final class RowWriter {
    private final ParquetWriter<Group> writer;
    private final SimpleGroupFactory groups;

    RowWriter(ParquetWriter<Group> writer, SimpleGroupFactory groups) {
      this.writer = writer;
      this.groups = groups;
    }

    Group row() {
      return groups.newGroup();
    }

    void write(Group g) {
      try {
        writer.write(g);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    }
  }

  private static TraceEvent readOnly(Path file, long seqBase) throws IOException {
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, seqBase)) {
      TraceEvent e = new TraceEvent();
      assertTrue(reader.next(e));
      TraceEvent result = e.copy();
      assertFalse(reader.next(e));
      return result;
    }
  }

  @Test
  void absentAndNullColumnsTakeTheirDefaults() throws IOException {
    Path file = writeSparkLike("subset.parquet", w -> {
      Group g = w.row();
      g.add("ts_ns", 123L);
      g.add("kind", "inv_iotlb");
      g.add("comment", "ignored");
      // sid, addr, perm, page_size, granularity, am, vendor: null
      w.write(g);
    });
    TraceEvent e = readOnly(file, 40);
    TraceEvent expected = new TraceEvent();
    expected.tsNs = 123;
    expected.kind = EventKind.INV_IOTLB;
    expected.seq = 40; // seqBase + row 0
    // everything else as TraceEvent.clear() leaves it: unit 0, sid/pasid/domain/index/reason -1, perm rw,
    // page_size 4096, granularity NONE, vendor null, numbers 0
    assertEquals(expected, e);
  }

  @Test
  void presentValuesInSparkTypesAreRead() throws IOException {
    Path file = writeSparkLike("values.parquet", w -> {
      for (int i = 0; i < 3; i++) {
        Group g = w.row();
        g.add("ts_ns", 1000L + i);
        g.add("kind", i == 2 ? "fault_observed" : "inv_devtlb");
        g.add("sid", 0x0300 + i);
        g.add("addr", -4096); // int32, sign-extended to int64
        g.add("perm", 1);
        g.add("page_size", 2L << 20);
        if (i == 0) {
          g.add("granularity", "page");
        }
        g.add("am", 9);
        if (i == 2) {
          g.add("vendor", "amdvi");
        }
        w.write(g);
      }
    });
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 10)) {
      TraceEvent e = new TraceEvent();
      assertTrue(reader.next(e));
      assertEquals(1000, e.tsNs);
      assertEquals(10, e.seq);
      assertEquals(EventKind.INV_DEVTLB, e.kind);
      assertEquals(0x0300, e.sid);
      assertEquals(-4096L, e.addr);
      assertEquals(1, e.perm);
      assertEquals(2097152, e.pageSize);
      assertEquals(Granularity.PAGE, e.granularity);
      assertEquals(9, e.am);
      assertEquals(null, e.vendor);
      assertTrue(reader.next(e));
      assertEquals(11, e.seq);
      assertEquals(Granularity.NONE, e.granularity);
      assertTrue(reader.next(e));
      assertEquals(12, e.seq);
      assertEquals(EventKind.FAULT_OBSERVED, e.kind);
      assertEquals("amdvi", e.vendor);
      assertEquals(0x0302, e.sid);
      assertFalse(reader.next(e));
    }
  }

  @Test
  void plainEncodingAndV2PagesAreReadToo() throws IOException {
    // no dictionary, v2 pages: exercises PLAIN strings and the delta encodings parquet uses for v2 integers
    MessageType schema = MessageTypeParser.parseMessageType(
        "message m { required int64 ts_ns; required binary kind (STRING); optional int64 seq; required int32 unit;"
            + " optional binary vendor (STRING); }");
    Path file = write("v2.parquet", schema, false, WriterVersion.PARQUET_2_0, w -> {
      for (int i = 0; i < 5000; i++) {
        Group g = w.row();
        g.add("ts_ns", 3L * i);
        g.add("kind", i % 3 == 0 ? "unmap" : "attach");
        if (i != 7) {
          g.add("seq", 2L * i);
        }
        g.add("unit", i % 4);
        if (i % 1000 == 0) {
          g.add("vendor", "smmuv2");
        }
        w.write(g);
      }
    });
    long n = 0;
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 1_000_000)) {
      TraceEvent e = new TraceEvent();
      while (reader.next(e)) {
        assertEquals(3L * n, e.tsNs);
        assertEquals(n % 3 == 0 ? EventKind.UNMAP : EventKind.ATTACH, e.kind);
        assertEquals(n == 7 ? 1_000_007L : 2L * n, e.seq, "row " + n); // a null seq: seqBase + row
        assertEquals(n % 4, e.unit);
        assertEquals(n % 1000 == 0 ? "smmuv2" : null, e.vendor);
        n++;
      }
    }
    assertEquals(5000, n);
  }

  @Test
  void missingKindColumnIsRejectedWhenOpening() throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message m { required int64 ts_ns; }");
    Path file = write("nokind.parquet", schema, true, WriterVersion.PARQUET_1_0, w -> {});
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ParquetTraceReader.open(file, 0));
    assertEquals(file + ": column 'kind': required column is missing", e.getMessage());
  }

  @Test
  void missingTimestampColumnIsRejectedWhenOpening() throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message m { required binary kind (STRING); }");
    Path file = write("nots.parquet", schema, true, WriterVersion.PARQUET_1_0, w -> {});
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ParquetTraceReader.open(file, 0));
    assertEquals(file + ": column 'ts_ns': required column is missing", e.getMessage());
  }

  @Test
  void wrongTypeIsRejectedWhenOpening() throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message m { required int64 ts_ns; required binary kind (STRING); optional int64 unit; }");
    Path file = write("badtype.parquet", schema, true, WriterVersion.PARQUET_1_0, w -> {});
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ParquetTraceReader.open(file, 0));
    assertEquals(file + ": column 'unit': unsupported Parquet type, expected int32: 'optional int64 unit'",
        e.getMessage());
  }

  /** Writes rows 0 and 1 good, row 2 with {@code bad} applied; returns the reader's error at row 2. */
  private TraceFormatException errorInRow2(String name, Consumer<Group> bad) throws IOException {
    Path file = writeSparkLike(name, w -> {
      for (int i = 0; i < 4; i++) {
        Group g = w.row();
        if (i == 2) {
          bad.accept(g);
        } else {
          g.add("ts_ns", (long) i);
          g.add("kind", "msi");
        }
        w.write(g);
      }
    });
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      TraceEvent e = new TraceEvent();
      assertTrue(reader.next(e));
      assertTrue(reader.next(e));
      assertEquals(EventKind.MSI, e.kind, "the good rows before the bad one are delivered");
      TraceFormatException error = assertThrows(TraceFormatException.class, () -> reader.next(e));
      assertEquals(file + " row 2", reader.position());
      assertEquals(2, error.line());
      assertThrows(TraceFormatException.class, () -> reader.next(e), "the stream does not go past a bad row");
      return error;
    }
  }

  @Test
  void unknownKindIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("kind.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "dma_sideways");
    });
    assertEquals(dir.resolve("kind.parquet") + ":2: column 'kind': unknown kind: 'dma_sideways'", e.getMessage());
    assertEquals("kind", e.column());
    assertEquals("dma_sideways", e.text());
  }

  @Test
  void nullKindIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("nullkind.parquet", g -> g.add("ts_ns", 2L));
    assertEquals(dir.resolve("nullkind.parquet") + ":2: column 'kind': null in a required column", e.getMessage());
  }

  @Test
  void nullTimestampIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("nullts.parquet", g -> g.add("kind", "msi"));
    assertEquals(dir.resolve("nullts.parquet") + ":2: column 'ts_ns': null in a required column", e.getMessage());
  }

  @Test
  void permOutOfRangeIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("perm.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "map");
      g.add("perm", 4);
    });
    assertEquals(dir.resolve("perm.parquet") + ":2: column 'perm': out of range 0..3: '4'", e.getMessage());
  }

  @Test
  void amOutOfRangeIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("am.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "inv_iotlb");
      g.add("am", 64);
    });
    assertEquals(dir.resolve("am.parquet") + ":2: column 'am': out of range 0..63: '64'", e.getMessage());
  }

  @Test
  void negativeAmIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("negam.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "inv_iotlb");
      g.add("am", -1);
    });
    assertEquals(dir.resolve("negam.parquet") + ":2: column 'am': out of range 0..63: '-1'", e.getMessage());
  }

  @Test
  void pageSizeNotOfTheThreeIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("pagesize.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "map");
      g.add("page_size", 8192L);
    });
    assertEquals(dir.resolve("pagesize.parquet")
        + ":2: column 'page_size': not a page size (4096, 2097152 or 1073741824): '8192'", e.getMessage());
  }

  @Test
  void unknownGranularityIsAnError() throws IOException {
    TraceFormatException e = errorInRow2("gran.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "inv_iotlb");
      g.add("granularity", "galaxy");
    });
    assertEquals(dir.resolve("gran.parquet") + ":2: column 'granularity': unknown granularity: 'galaxy'",
        e.getMessage());
  }

  @Test
  void ofTwoBadValuesInOneRowTheEarlierColumnIsReported() throws IOException {
    TraceFormatException e = errorInRow2("two.parquet", g -> {
      g.add("ts_ns", 2L);
      g.add("kind", "map");
      g.add("perm", 9);
      g.add("am", 99);
    });
    assertEquals("perm", e.column());
  }
}
