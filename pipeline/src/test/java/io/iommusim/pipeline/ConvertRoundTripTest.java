package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.convert;
import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static io.iommusim.pipeline.PipelineTestSupport.readParquetDir;
import static io.iommusim.pipeline.PipelineTestSupport.sortedBySeq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * convert: CSV → prepared Parquet → CSV loses nothing. Both CSVs are read with the trace-formats
 * reader; every event (seq included) must be equal and in the same order.
 */
class ConvertRoundTripTest {
  @TempDir
  Path tmp;

  private void assertRoundTrip(Path csv, int expectedEvents) {
    List<TraceEvent> original = readCsv(csv);
    assertEquals(expectedEvents, original.size());

    Path prepared = tmp.resolve("prepared");
    assertEquals(expectedEvents, convert(csv, prepared));
    PreparedTrace layout = PreparedTrace.detect(prepared.toString(), new Configuration());
    assertNotNull(layout, "convert to a directory writes a prepared trace");
    assertEquals(expectedEvents, layout.events);
    // the data files hold every event (broadcast ones included), each exactly once
    assertEquals(original, sortedBySeq(readParquetDir(prepared)));
    assertReplayLayout(layout);

    Path back = tmp.resolve("back.csv");
    assertEquals(expectedEvents, convert(prepared, back));
    List<TraceEvent> roundTripped = readCsv(back);
    assertEquals(original.size(), roundTripped.size());
    for (int i = 0; i < original.size(); i++) {
      assertEquals(original.get(i), roundTripped.get(i), "event " + i);
      assertEquals(original.get(i).vendor, roundTripped.get(i).vendor, "vendor of event " + i);
    }
  }

  /** The writer settings chosen for the replay's reader (README, "Prepared traces"). */
  private static void assertReplayLayout(PreparedTrace layout) {
    for (String file : layout.files) {
      try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(Path.of(file)),
          ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
        for (BlockMetaData group : r.getRowGroups()) {
          for (ColumnChunkMetaData chunk : group.getColumns()) {
            String column = chunk.getPath().toDotString();
            assertEquals(CompressionCodecName.UNCOMPRESSED, chunk.getCodec(), file + " " + column);
            if (column.equals("ts_ns") || column.equals("seq")) {
              assertEquals(Set.of(Encoding.DELTA_BINARY_PACKED), chunk.getEncodings(), file + " " + column);
            }
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Test
  void quickstart() {
    assertRoundTrip(PipelineTestSupport.SAMPLE_TRACES.resolve("quickstart.csv"), 21);
  }

  @Test
  void everyKindAndColumn() throws IOException {
    Path csv = tmp.resolve("every-kind.csv");
    try (InputStream in = getClass().getResourceAsStream("every-kind.csv")) {
      Files.copy(in, csv);
    }
    List<TraceEvent> events = readCsv(csv);
    Set<EventKind> kinds = EnumSet.noneOf(EventKind.class);
    Set<Granularity> granularities = EnumSet.noneOf(Granularity.class);
    for (TraceEvent e : events) {
      kinds.add(e.kind);
      granularities.add(e.granularity);
    }
    assertEquals(EnumSet.allOf(EventKind.class), kinds, "the fixture must hold every kind");
    assertEquals(EnumSet.allOf(Granularity.class), granularities, "and every granularity");
    assertTrue(events.stream().anyMatch(e -> e.irteHi == -1L && e.addr == 0x4000));
    assertRoundTrip(csv, 18);
  }
}
