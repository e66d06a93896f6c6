package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.SAMPLE_TRACES;
import static io.iommusim.pipeline.PipelineTestSupport.assertRow;
import static io.iommusim.pipeline.PipelineTestSupport.only;
import static io.iommusim.pipeline.PipelineTestSupport.row;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.simulate;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.trace.EventKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sample-traces/quickstart.csv with the default settings: every value below was worked out by hand
 * from the VT-d rules and the latency model (iommusim-defaults.properties); sample-traces/README.md
 * shows the derivation. Every column of every row is asserted: a column not named in an expectation
 * must be 0.
 */
class SampleTracesTest {
  private static final int NIC = 0x0300;   // 03:00.0, domain 1
  private static final int NVME = 0x0400;  // 04:00.0, domain 2
  private static final int UNATTACHED = 0x0408; // 04:01.0 (dev 1 << 3)
  private static final int EMPTY_BUS = 0x0500;  // 05:00.0

  @TempDir
  static Path tmp;

  static Path out;
  static SimulateJob.Result result;

  @BeforeAll
  static void simulateQuickstart() {
    out = tmp.resolve("results");
    result = simulate(SAMPLE_TRACES.resolve("quickstart.csv"), out);
  }


  // ---- domain_stats ---------------------------------------------------------------------------

  @Test
  void domainStats() {
    List<Row> rows = table(out, "domain_stats");
    assertEquals(3, rows.size(), rows.toString());
    for (Row r : rows) {
      assertEquals(result.configId, r.getString(r.fieldIndex("config_id")));
    }
    // NIC: 9 DMAs (8608 B), 10 translations; IOTLB 4 hits / 5 misses; walks 4+1+1+1+1 reads;
    // PSC: l2 hits at 120 (0x101000) and 230 (a strict unmap keeps non-leaf entries: IH=1), l3 hits
    // at 130 and 160, no PSC entry at 100.
    // latencies: 5 x5, 257 x4, 1507 → sum 25 + 1028 + 1507 = 2560; p50 = 5th = 5, p90 = 9th = 257,
    // p99 = 10th = 1507; walks 252 x4, 1002 → p50 = 3rd = 252, p90 = 5th = 1002
    assertRow(only(rows, "domain", 1), row(
        "unit", 0, "domain", 1, "devices", 1,
        "dma_events", 9L, "dma_bytes", 8608L, "translations", 10L,
        "iotlb_hits", 4L, "iotlb_misses", 5L, "page_walks", 5L, "walk_memory_reads", 8L,
        "psc_l2_hits", 2L, "psc_l3_hits", 2L, "psc_misses", 1L,
        "context_cache_hits", 9L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 4L, "faults_beyond_width", 1L, "faults_write", 1L, "faults_read", 2L,
        "latency_sum_ns", 2560L, "iotlb_miss_ratio", 5.0 / 9, "latency_mean_ns", 256.0,
        "latency_p50_ns", 5L, "latency_p90_ns", 257L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L,
        // page table: 4 KiB x 4 + one 2 MiB leaf (512 pages); root + L3 + L2 + one L1 table
        "maps", 2L, "unmaps", 1L, "mapped_pages", 516L, "unmapped_pages", 1L, "page_table_pages", 4L,
        // no inv_* events in the trace: invalidation.mode=auto is strict, and the unmap at 220 invalidated at once
        "strict_unmap_invalidations", 1L),
        "domain 1");
    assertRow(only(rows, "domain", 2), row(
        "unit", 0, "domain", 2, "devices", 1,
        "dma_events", 2L, "dma_bytes", 1024L, "translations", 2L,
        "iotlb_hits", 1L, "iotlb_misses", 1L, "page_walks", 1L, "walk_memory_reads", 4L, "psc_misses", 1L,
        "context_cache_hits", 1L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 1L, "faults_read", 1L,
        "latency_sum_ns", 1512L, "iotlb_miss_ratio", 0.5, "latency_mean_ns", 756.0,
        "latency_p50_ns", 5L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 1002L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L,
        "maps", 1L, "mapped_pages", 1L, "page_table_pages", 4L),
        "domain 2");
    // no context: 04:01.0 (root present, context not: 2 reads), 05:00.0 and the detached NIC (1 read each)
    assertRow(only(rows, "domain", -1), row(
        "unit", 0, "domain", -1, "devices", 3,
        "dma_events", 3L, "dma_bytes", 192L, "translations", 3L,
        "context_cache_misses", 3L, "context_memory_reads", 4L,
        "faults", 3L, "faults_root_not_present", 2L, "faults_context_not_present", 1L,
        "latency_sum_ns", 1015L, "iotlb_miss_ratio", null, "latency_mean_ns", 1015.0 / 3,
        "latency_p50_ns", 255L, "latency_p90_ns", 505L, "latency_p99_ns", 505L, "latency_max_ns", 505L,
        "walk_latency_p50_ns", null, "walk_latency_p90_ns", null, "walk_latency_p99_ns", null,
        "walk_latency_max_ns", null),
        "domain -1");
  }

  // ---- device_stats ---------------------------------------------------------------------------

  @Test
  void deviceStats() {
    List<Row> rows = table(out, "device_stats");
    assertEquals(4, rows.size(), rows.toString());
    // the NIC: domain 1 plus its DMA after the detach (domain -1); 11 latencies:
    // 5 x5, 255, 257 x4, 1507 → sum 2560 + 255 = 2815; p50 = 6th = 255, p90 = 10th = 257, p99 = 11th = 1507
    assertRow(only(rows, "sid", NIC), row(
        "unit", 0, "sid", NIC, "bdf", "03:00.0", "domains", 2,
        "dma_events", 10L, "dma_bytes", 8672L, "translations", 11L,
        "iotlb_hits", 4L, "iotlb_misses", 5L, "page_walks", 5L, "walk_memory_reads", 8L,
        "psc_l2_hits", 2L, "psc_l3_hits", 2L, "psc_misses", 1L,
        "context_cache_hits", 9L, "context_cache_misses", 2L, "context_memory_reads", 3L,
        "faults", 5L, "faults_root_not_present", 1L, "faults_beyond_width", 1L, "faults_write", 1L,
        "faults_read", 2L, "latency_sum_ns", 2815L, "iotlb_miss_ratio", 5.0 / 9, "latency_mean_ns", 2815.0 / 11,
        "latency_p50_ns", 255L, "latency_p90_ns", 257L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        "03:00.0");
    assertRow(only(rows, "sid", NVME), row(
        "unit", 0, "sid", NVME, "bdf", "04:00.0", "domains", 1,
        "dma_events", 2L, "dma_bytes", 1024L, "translations", 2L,
        "iotlb_hits", 1L, "iotlb_misses", 1L, "page_walks", 1L, "walk_memory_reads", 4L, "psc_misses", 1L,
        "context_cache_hits", 1L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 1L, "faults_read", 1L,
        "latency_sum_ns", 1512L, "iotlb_miss_ratio", 0.5, "latency_mean_ns", 756.0,
        "latency_p50_ns", 5L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 1002L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        "04:00.0");
    assertRow(only(rows, "sid", UNATTACHED), row(
        "unit", 0, "sid", UNATTACHED, "bdf", "04:01.0", "domains", 1,
        "dma_events", 1L, "dma_bytes", 64L, "translations", 1L,
        "context_cache_misses", 1L, "context_memory_reads", 2L, "faults", 1L, "faults_context_not_present", 1L,
        "latency_sum_ns", 505L, "iotlb_miss_ratio", null, "latency_mean_ns", 505.0,
        "latency_p50_ns", 505L, "latency_p90_ns", 505L, "latency_p99_ns", 505L, "latency_max_ns", 505L,
        "walk_latency_p50_ns", null, "walk_latency_p90_ns", null, "walk_latency_p99_ns", null,
        "walk_latency_max_ns", null),
        "04:01.0");
    assertRow(only(rows, "sid", EMPTY_BUS), row(
        "unit", 0, "sid", EMPTY_BUS, "bdf", "05:00.0", "domains", 1,
        "dma_events", 1L, "dma_bytes", 64L, "translations", 1L,
        "context_cache_misses", 1L, "context_memory_reads", 1L, "faults", 1L, "faults_root_not_present", 1L,
        "latency_sum_ns", 255L, "iotlb_miss_ratio", null, "latency_mean_ns", 255.0,
        "latency_p50_ns", 255L, "latency_p90_ns", 255L, "latency_p99_ns", 255L, "latency_max_ns", 255L,
        "walk_latency_p50_ns", null, "walk_latency_p90_ns", null, "walk_latency_p99_ns", null,
        "walk_latency_max_ns", null),
        "05:00.0");
  }

  // ---- faults ---------------------------------------------------------------------------------

  @Test
  void faults() {
    List<Row> rows = table(out, "faults");
    String[] expected = {
        // ts, bdf, domain, addr, access, reason code, reason text
        "150|03:00.0|1|0x200000|write|5|PTE Write access is not set",
        "160|03:00.0|1|0x500000|read|6|PTE Read access is not set",
        "180|04:00.0|2|0x100000|read|6|PTE Read access is not set",
        "190|04:01.0|-1|0x0|read|2|Present bit in context entry is clear",
        "200|05:00.0|-1|0x0|read|1|Present bit in root entry is clear",
        "210|03:00.0|1|0x1000000000000|read|4|Access beyond MGAW",
        "230|03:00.0|1|0x100000|read|6|PTE Read access is not set",
        "250|03:00.0|-1|0x101000|read|1|Present bit in root entry is clear",
    };
    List<String> actual = new ArrayList<>();
    for (Row r : rows) {
      actual.add(r.getLong(r.fieldIndex("ts_ns")) + "|" + r.getString(r.fieldIndex("bdf")) + "|"
          + r.getInt(r.fieldIndex("domain")) + "|0x" + Long.toHexString(r.getLong(r.fieldIndex("addr"))) + "|"
          + r.getString(r.fieldIndex("access")) + "|" + r.getInt(r.fieldIndex("reason_code")) + "|"
          + r.getString(r.fieldIndex("reason")));
    }
    // the table is written ordered by (ts_ns, seq, addr)
    assertEquals(List.of(expected), actual);
    for (Row r : rows) {
      assertEquals(result.configId, r.getString(r.fieldIndex("config_id")));
      assertEquals(0, r.getInt(r.fieldIndex("unit")));
      assertEquals(-1, r.getInt(r.fieldIndex("pasid")));
      // no seq column in the CSV: seq is the 1-based line number (the header is line 3)
      long ts = r.getLong(r.fieldIndex("ts_ns"));
      assertEquals(quickstartLineOf(ts), r.getLong(r.fieldIndex("seq")), "seq of the fault at " + ts);
    }
    int[] sids = {NIC, NIC, NVME, UNATTACHED, EMPTY_BUS, NIC, NIC, NIC};
    for (int i = 0; i < sids.length; i++) {
      assertEquals(sids[i], rows.get(i).getInt(rows.get(i).fieldIndex("sid")));
    }
    assertEquals(8, result.faults);
  }

  private static long quickstartLineOf(long ts) {
    try {
      List<String> lines = java.nio.file.Files.readAllLines(SAMPLE_TRACES.resolve("quickstart.csv"));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith(ts + ",")) {
          return i + 1;
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("no line for ts " + ts);
  }

  // ---- latency_histogram ----------------------------------------------------------------------

  private static List<String> histogram(int domain, String metric) {
    return table(out, "latency_histogram").stream()
        .filter(r -> r.getInt(r.fieldIndex("domain")) == domain && metric.equals(r.getString(r.fieldIndex("metric"))))
        .sorted(java.util.Comparator.comparingLong(r -> r.getLong(r.fieldIndex("latency_ns"))))
        .map(r -> r.getLong(r.fieldIndex("latency_ns")) + ":" + r.getLong(r.fieldIndex("count")) + ":"
            + r.getLong(r.fieldIndex("cumulative_count")) + ":" + r.getDouble(r.fieldIndex("cumulative_fraction")))
        .collect(Collectors.toList());
  }

  @Test
  void latencyHistogram() {
    // latency:count:cumulative_count:cumulative_fraction
    assertEquals(List.of("5:5:5:0.5", "257:4:9:0.9", "1507:1:10:1.0"), histogram(1, "translation"));
    assertEquals(List.of("252:4:4:0.8", "1002:1:5:1.0"), histogram(1, "walk"));
    assertEquals(List.of("5:1:1:0.5", "1507:1:2:1.0"), histogram(2, "translation"));
    assertEquals(List.of("1002:1:1:1.0"), histogram(2, "walk"));
    assertEquals(List.of("255:2:2:" + (2.0 / 3), "505:1:3:1.0"), histogram(-1, "translation"));
    assertEquals(List.of(), histogram(-1, "walk"));
    assertEquals(3 + 2 + 2 + 1 + 2, table(out, "latency_histogram").size());
  }

  // ---- run_info -------------------------------------------------------------------------------

  @Test
  void runInfoAccounting() {
    Map<String, String> info = runInfo(out);
    assertEquals("21", info.get("records.read"));
    assertEquals("21", info.get("records.replayed"));
    assertEquals("0", info.get("records.rejected"));
    assertEquals("8", info.get("records.faults"));
    Map<String, String> byKind = new HashMap<>();
    for (EventKind k : EventKind.values()) {
      byKind.put(k.text(), "0");
    }
    byKind.put("attach", "2");
    byKind.put("map", "3");
    byKind.put("unmap", "1");
    byKind.put("detach", "1");
    byKind.put("dma_read", "11");
    byKind.put("dma_write", "3");
    for (EventKind k : EventKind.values()) {
      assertEquals(byKind.get(k.text()), info.get("records.replayed." + k.text()), k.text());
    }
    assertEquals("shuffle", info.get("spark.replay_path"));
    assertEquals("21", info.get("input.file.0.records"));
    assertEquals("csv", info.get("input.file.0.format"));
    assertEquals("device", info.get("setting.partition.by"));
    assertNotNull(info.get("timing.total_ms"));
    assertEquals(21, result.recordsRead);
    assertEquals(21, result.recordsReplayed);
    for (Row r : table(out, "run_info")) {
      assertEquals(result.configId, r.getString(0));
    }
    assertNull(info.get("records.nonexistent"));
  }
}
