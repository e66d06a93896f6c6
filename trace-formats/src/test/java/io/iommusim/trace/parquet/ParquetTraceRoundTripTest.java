package io.iommusim.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetTraceRoundTripTest {
  @TempDir Path dir;

  /** One event per kind, each with different values in every column, including both ends of every range. */
  private static List<TraceEvent> everyKindAndColumn() {
    List<TraceEvent> events = new ArrayList<>();
    EventKind[] kinds = EventKind.values();
    for (int k = 0; k < kinds.length; k++) {
      TraceEvent e = new TraceEvent();
      e.kind = kinds[k];
      e.tsNs = 1000L * k;
      e.seq = 7L * k;
      e.unit = k;
      e.sid = k == 0 ? -1 : 0x0001_0000 + k; // -1: none
      e.pasid = k == 1 ? Integer.MAX_VALUE : -1;
      e.domain = k == 2 ? Integer.MIN_VALUE : k;
      e.addr = k == 3 ? Long.MIN_VALUE : 0x7fff_ffff_f000L + k;
      e.size = k == 4 ? Long.MAX_VALUE : 4096L * k;
      e.phys = k == 5 ? -1L : 0x1_0000_0000L * k;
      e.perm = (byte) (k % 4);
      e.pageSize = k % 3 == 0 ? 4096 : k % 3 == 1 ? 2L << 20 : 1L << 30;
      e.data = k == 6 ? 0xffff_ffff_ffff_ffffL : k;
      e.index = k == 8 ? 65535 : -1;
      e.irteLo = k == 8 ? 0x8000_0000_0000_0001L : 0;
      e.irteHi = k == 8 ? 0x0000_0000_ffff_0000L : 0;
      e.granularity = Granularity.ofCode(k % Granularity.values().length);
      e.am = (byte) (k == 10 ? 63 : k % 2);
      e.reason = k == 14 ? 0x26 : -1;
      e.vendor = k == 14 ? "vtd" : k == 13 ? "smmuv3" : null;
      events.add(e);
    }
    return events;
  }

  private static List<TraceEvent> readAll(ParquetTraceReader reader) throws IOException {
    List<TraceEvent> events = new ArrayList<>();
    TraceEvent e = new TraceEvent();
    while (reader.next(e)) {
      events.add(e.copy());
    }
    return events;
  }

  @Test
  void everyKindAndColumnSurvivesARoundTrip() throws IOException {
    Path file = dir.resolve("all.parquet");
    List<TraceEvent> written = everyKindAndColumn();
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of())) {
      for (TraceEvent e : written) {
        writer.accept(e);
      }
    }
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 1_000_000)) {
      assertEquals(written, readAll(reader)); // seq comes from the file, so seqBase plays no part
    }
    assertEquals(15, ParquetTraceReader.rowCount(file));
    assertEquals(1, ParquetTraceReader.rowGroupCount(file));
  }

  @Test
  void spotCheckOfExtremeValuesAfterReading() throws IOException {
    Path file = dir.resolve("x.parquet");
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of())) {
      for (TraceEvent e : everyKindAndColumn()) {
        writer.accept(e);
      }
    }
    List<TraceEvent> read;
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      read = readAll(reader);
    }
    assertEquals(EventKind.UNMAP, read.get(4).kind);
    assertEquals(Long.MIN_VALUE, read.get(3).addr);
    assertEquals(Long.MAX_VALUE, read.get(4).size);
    assertEquals(-1L, read.get(6).data);
    assertEquals(Integer.MIN_VALUE, read.get(2).domain);
    assertEquals(0x8000_0000_0000_0001L, read.get(8).irteLo);
    assertEquals(1L << 30, read.get(2).pageSize);
    assertEquals(63, read.get(10).am);
    assertEquals(Granularity.NONE, read.get(0).granularity);
    assertEquals(Granularity.INDEX, read.get(5).granularity);
    assertEquals(null, read.get(0).vendor);
    assertEquals("vtd", read.get(14).vendor);
  }

  @Test
  void eventsWithoutSeqAreNumberedByRowInTheFile() throws IOException {
    Path file = dir.resolve("noseq.parquet");
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of())) {
      TraceEvent e = new TraceEvent();
      for (int i = 0; i < 3; i++) {
        e.clear();
        e.kind = EventKind.DMA_READ;
        e.tsNs = 50 - i;
        writer.accept(e);
      }
    }
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 100)) {
      List<TraceEvent> read = readAll(reader);
      // written as 0, 1, 2; the file has a seq column, so seqBase 100 is not applied
      assertEquals(List.of(0L, 1L, 2L), read.stream().map(e -> e.seq).collect(Collectors.toList()));
      assertEquals(List.of(50L, 49L, 48L), read.stream().map(e -> e.tsNs).collect(Collectors.toList()));
    }
  }

  @Test
  void keyValueMetadataRoundTrips() throws IOException {
    Path file = dir.resolve("meta.parquet");
    Map<String, String> metadata = Map.of("iommusim.source", "trace.csv", "iommusim.generator.seed", "42", "empty", "");
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, metadata)) {
      writer.accept(dma(1, 0));
    }
    assertEquals(metadata, ParquetTraceReader.keyValueMetadata(file));
  }

  @Test
  void emptyFileHasNoEvents() throws IOException {
    Path file = dir.resolve("empty.parquet");
    new ParquetTraceWriter(file, Map.of()).close();
    assertEquals(0, ParquetTraceReader.rowCount(file));
    try (ParquetTraceReader reader = ParquetTraceReader.open(file, 0)) {
      assertFalse(reader.next(new TraceEvent()));
    }
  }

  @Test
  void onlyTheFinishedFileIsLeftInTheDirectory() throws IOException {
    Path file = dir.resolve("clean.parquet");
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of())) {
      writer.accept(dma(1, 0));
      assertEquals(List.of(), listNonHidden(), "nothing visible before close");
    }
    assertEquals(List.of("clean.parquet"), listAll(), "no temp file, no .crc");
  }

  @Test
  void abortLeavesNoFile() throws IOException {
    Path file = dir.resolve("aborted.parquet");
    ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of());
    writer.accept(dma(1, 0));
    writer.abort();
    writer.close(); // no effect after abort
    assertEquals(List.of(), listAll());
    assertThrows(IllegalStateException.class, () -> writer.accept(dma(2, 1)));
  }

  @Test
  void aFailedWriteAbortsAndLeavesNoFile() throws IOException {
    Path file = dir.resolve("failed.parquet");
    ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of());
    writer.accept(dma(1, 0));
    TraceEvent noKind = new TraceEvent();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.accept(noKind));
    assertTrue(e.getMessage().startsWith("event has no kind: "), e.getMessage());
    writer.close();
    assertEquals(List.of(), listAll());
  }

  @Test
  void closeReplacesAnExistingFile() throws IOException {
    Path file = dir.resolve("again.parquet");
    Files.writeString(file, "not parquet");
    try (ParquetTraceWriter writer = new ParquetTraceWriter(file, Map.of())) {
      writer.accept(dma(5, 0));
      writer.accept(dma(6, 1));
    }
    assertEquals(2, ParquetTraceReader.rowCount(file));
    assertEquals(List.of("again.parquet"), listAll());
  }

  static TraceEvent dma(long ts, long seq) {
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.DMA_WRITE;
    e.tsNs = ts;
    e.seq = seq;
    e.sid = 0x0100;
    e.addr = 0x1000;
    e.size = 64;
    return e;
  }

  private List<String> listAll() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private List<String> listNonHidden() throws IOException {
    return listAll().stream().filter(n -> !n.startsWith(".")).collect(Collectors.toList());
  }
}
