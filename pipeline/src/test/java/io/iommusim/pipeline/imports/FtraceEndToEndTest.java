package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport;
import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ftrace capture of a NIC's streaming mappings (map/unmap only, as Linux records them) through
 * {@code simulate --format ftrace --synthesize-access}, with every figure worked out by hand:
 *
 * <pre>
 * import: attach 03:00.0 -> inferred domain 1 at 1 s
 *   A: FROM_DEVICE 8 KiB at ffff0000, mapped at 2.000000 (the iommu:map's time), unmapped at 2.000100
 *   B: TO_DEVICE 256 B at fffe0100 (page fffe0000), mapped at 2.000010, unmapped at 2.000200
 * synthesis (chunk 4096, 1 pass): A is written in 2 chunks at t0 + k*100000/3 ns, k = 1, 2:
 *   2.000033333 ffff0000+4096, 2.000066666 ffff1000+4096; B is read once at 2.000010 + 190000/2 = 2.000105
 * replay (defaults: strict, since the trace has no invalidations; 4-level tables, PDE cache):
 *   3 translations, 3 IOTLB misses (3 pages), 3 walks: the first reads 4 entries, the next two hit the PDE
 *   cache (all three pages lie in the 2 MiB region ffe00000-ffffffff) and read 1 each = 6 reads; no faults.
 * </pre>
 */
class FtraceEndToEndTest {
  @TempDir
  Path tmp;

  private Path fixture() throws IOException {
    Path p = tmp.resolve("nic-ftrace.txt");
    try (InputStream in = getClass().getResourceAsStream("nic-ftrace.txt")) {
      Files.copy(in, p);
    }
    return p;
  }

  @Test
  void simulateWithSynthesizedAccesses() throws IOException {
    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = List.of(fixture().toString());
    r.format = "ftrace";
    r.synthesizeAccess = true;
    r.out = tmp.resolve("out").toString();
    SimulateJob.Result result = new SimulateJob(TestSpark.get()).run(r);
    assertEquals(8, result.recordsRead); // attach, 2 maps, 2 unmaps, 3 synthesized accesses
    assertEquals(0, result.faults);
    StructType s = StatsTables.domainStatsSchema();
    assertEquals(1, result.domainStats.size());
    Row d = result.domainStats.get(0);
    assertEquals(1, d.getInt(s.fieldIndex("domain")));
    assertEquals(1, d.getInt(s.fieldIndex("devices")));
    assertEquals(3L, d.getLong(s.fieldIndex("dma_events")));
    assertEquals(8192L + 256, d.getLong(s.fieldIndex("dma_bytes")));
    assertEquals(3L, d.getLong(s.fieldIndex("translations")));
    assertEquals(3L, d.getLong(s.fieldIndex("iotlb_misses")));
    assertEquals(0L, d.getLong(s.fieldIndex("iotlb_hits")));
    assertEquals(6L, d.getLong(s.fieldIndex("walk_memory_reads")));
    assertEquals(2L, d.getLong(s.fieldIndex("psc_l2_hits")));
    assertEquals(1L, d.getLong(s.fieldIndex("psc_misses")));
    assertEquals(2L, d.getLong(s.fieldIndex("maps")));
    assertEquals(2L, d.getLong(s.fieldIndex("unmaps")));
    assertEquals(3L, d.getLong(s.fieldIndex("mapped_pages")));
    Map<String, String> info = PipelineTestSupport.runInfo(tmp.resolve("out"));
    assertEquals("ftrace", info.get("input.file.0.format"));
    assertEquals("strict", info.get("model.invalidation.mode"));
    assertEquals("11", info.get("import.file.0.lines"));
    assertEquals("9", info.get("import.file.0.event_lines"));
    assertEquals("2", info.get("import.file.0.ignored_lines"));
    assertEquals("0", info.get("import.file.0.unparsed_lines"));
    assertEquals("", Files.readString(tmp.resolve("out.import-rejects.txt")));
  }

  @Test
  void convertByContentDetectionGivesTheCanonicalEvents() throws IOException {
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(fixture().toString());
    r.synthesizeAccess = true; // format auto: detected as ftrace by its "# tracer:" header
    r.out = tmp.resolve("nic.csv").toString();
    ConvertJob.Result result = new ConvertJob(TestSpark.get()).convert(r);
    assertEquals(8, result.events);
    List<TraceEvent> events = readCsv(tmp.resolve("nic.csv"));
    assertEquals(List.of("attach 1000000000", "map 2000000000", "map 2000010000", "dma_write 2000033333",
        "dma_write 2000066666", "unmap 2000100000", "dma_read 2000105000", "unmap 2000200000"),
        events.stream().map(e -> e.kind.text() + " " + e.tsNs).toList());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), events.stream().map(e -> e.seq).toList());
    TraceEvent read = events.get(6);
    assertEquals(0xfffe0100L, read.addr);
    assertEquals(256, read.size);
    assertEquals(0x0300, read.sid);
    String report = Files.readString(tmp.resolve("nic.csv.import-report.txt"));
    assertTrue(report.contains("(format ftrace)"), report);
    assertTrue(report.contains("events 8: attach 1, map 2, unmap 2, dma_read 1, dma_write 2"), report);
  }
}
