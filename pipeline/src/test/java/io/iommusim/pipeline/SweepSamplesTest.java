package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.SAMPLE_TRACES;
import static io.iommusim.pipeline.PipelineTestSupport.assertRow;
import static io.iommusim.pipeline.PipelineTestSupport.row;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.job.BestConfigs;
import io.iommusim.pipeline.job.SweepJob;
import io.iommusim.pipeline.job.SweepSpec;
import io.iommusim.translator.settings.Settings;
import java.nio.file.Files;
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
 * sweep on the bundled samples, every expected value worked out by hand (sample-traces/README.md,
 * "iotlb-sizing.csv" and "quickstart.csv under a sweep").
 */
class SweepSamplesTest {
  @TempDir
  static Path tmp;

  static Path sizingOut;
  static SweepJob.Result sizing;

  static SweepJob.Result sweep(Path input, Path out, SweepSpec spec) {
    SweepJob.Request r = new SweepJob.Request();
    r.inputs = List.of(input.toString());
    r.out = out.toString();
    r.spec = spec;
    return new SweepJob(TestSpark.get()).run(r);
  }

  @BeforeAll
  static void sweepSizing() {
    sizingOut = tmp.resolve("sizing");
    sizing = sweep(SAMPLE_TRACES.resolve("iotlb-sizing.csv"), sizingOut,
        SweepSpec.fromGrids(Settings.defaults(), List.of("iotlb.entries=1,2,4", "iotlb.policy=fifo,lru")));
  }

  /** The row of a configuration (iotlb_entries, iotlb_policy) and domain. */
  private static Row sizingRow(List<Row> rows, long entries, String policy, int domain) {
    List<Row> match = rows.stream()
        .filter(r -> r.getLong(r.fieldIndex("iotlb_entries")) == entries
            && r.getString(r.fieldIndex("iotlb_policy")).equals(policy)
            && r.getInt(r.fieldIndex("domain")) == domain)
        .collect(Collectors.toList());
    assertEquals(1, match.size(), entries + "/" + policy + "/" + domain);
    return match.get(0);
  }

  /**
   * Every column of one sizing row. Common to all: one device, 64-byte reads inside one page each,
   * a cold context (2 reads) on the first translation only, the first walk from the root (4 reads, no
   * PSC hit), every later walk starting below the PDE cache hit (1 read). Latency: 1507 for the first
   * translation, 257 per later miss, 5 per hit; walks 1002 then 252.
   */
  private static Map<String, Object> sizingExpected(long entries, String policy, int domain, long hits, long misses,
      long evictions, long latencySum, long p50, long walkP50) {
    long translations = hits + misses;
    return row("iotlb_entries", entries, "iotlb_policy", policy, "unit", 0, "domain", domain, "devices", 1,
        "dma_events", translations, "dma_bytes", 64 * translations, "translations", translations,
        "iotlb_hits", hits, "iotlb_misses", misses, "iotlb_evictions", evictions, "page_walks", misses,
        "walk_memory_reads", 4 + (misses - 1), "psc_l2_hits", misses - 1, "psc_misses", 1L,
        "context_cache_hits", translations - 1, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "latency_sum_ns", latencySum, "iotlb_miss_ratio", (double) misses / translations,
        "latency_mean_ns", (double) latencySum / translations,
        "latency_p50_ns", p50, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", walkP50, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L,
        "maps", 1L, "mapped_pages", domain == 1 ? 4L : 3L, "page_table_pages", 4L);
  }

  @Test
  void sizingSweepStats() {
    List<Row> rows = table(sizingOut, "sweep_stats");
    assertEquals(12, rows.size());
    // NIC, domain 1: A B A C A D A B. 1 entry: every read misses, 7 evictions.
    // 2 entries LRU: misses A B C D B, hits at 120 140 160; C evicts B, D evicts C, B evicts D.
    // 2 entries FIFO: misses A B C A D B (C evicts A, the oldest fill, though A was just used), hits 120 160.
    // 4 entries: the 4 cold misses, 4 hits. Latency sums: 1507 + 257 (misses - 1) + 5 hits.
    //   sorted latencies, nearest rank 4 of 8 is the p50: 1 entry 257; 2 entries 257; 4 entries 5 (5 5 5 5 | 257 ...)
    //   walks: p50 rank ceil(misses/2) is always a 252 walk
    for (String policy : List.of("fifo", "lru")) {
      assertRow(sizingRow(rows, 1, policy, 1), sizingExpected(1, policy, 1, 0, 8, 7, 1507 + 7 * 257, 257, 252), "1/" + policy);
      assertRow(sizingRow(rows, 4, policy, 1), sizingExpected(4, policy, 1, 4, 4, 0, 1507 + 3 * 257 + 20, 5, 252), "4/" + policy);
    }
    assertRow(sizingRow(rows, 2, "lru", 1), sizingExpected(2, "lru", 1, 3, 5, 3, 1507 + 4 * 257 + 15, 257, 252), "2/lru");
    assertRow(sizingRow(rows, 2, "fifo", 1), sizingExpected(2, "fifo", 1, 2, 6, 4, 1507 + 5 * 257 + 10, 257, 252), "2/fifo");

    // NVMe, domain 2: E F E G F. 1 entry: 5 misses, 4 evictions.
    // 2 entries LRU: misses E F G F (G evicts F, F evicts E), hit at 220.
    // 2 entries FIFO: misses E F G (G evicts E), hits 220 and 240. 4 entries: 3 cold misses, 2 hits.
    //   p50 is rank 3 of 5: 257 in every case (at most 2 hits); walk p50 rank ceil(misses/2): 252
    for (String policy : List.of("fifo", "lru")) {
      assertRow(sizingRow(rows, 1, policy, 2), sizingExpected(1, policy, 2, 0, 5, 4, 1507 + 4 * 257, 257, 252), "d2 1/" + policy);
      assertRow(sizingRow(rows, 4, policy, 2), sizingExpected(4, policy, 2, 2, 3, 0, 1507 + 2 * 257 + 10, 257, 252), "d2 4/" + policy);
    }
    assertRow(sizingRow(rows, 2, "lru", 2), sizingExpected(2, "lru", 2, 1, 4, 2, 1507 + 3 * 257 + 5, 257, 252), "d2 2/lru");
    assertRow(sizingRow(rows, 2, "fifo", 2), sizingExpected(2, "fifo", 2, 2, 3, 1, 1507 + 2 * 257 + 10, 257, 252), "d2 2/fifo");

    // config ids are those of the configurations' effective settings
    Map<String, String> idOf = new HashMap<>();
    for (SweepSpec.Config c : sizing.spec.configs) {
      idOf.put(c.settings.get("iotlb.entries") + "/" + c.settings.get("iotlb.policy"), c.configId);
    }
    for (Row r : rows) {
      assertEquals(idOf.get(r.getLong(r.fieldIndex("iotlb_entries")) + "/" + r.getString(r.fieldIndex("iotlb_policy"))),
          r.getString(r.fieldIndex("config_id")));
    }
  }

  @Test
  void sizingSweepConfigsRunInfoAndOtherTables() {
    List<Row> configs = table(sizingOut, "sweep_configs");
    assertEquals(6, configs.size());
    for (int i = 0; i < 6; i++) {
      SweepSpec.Config c = sizing.spec.configs.get(i);
      Row r = configs.get(i);
      assertEquals(i, r.getInt(r.fieldIndex("config_index")));
      assertEquals(c.configId, r.getString(r.fieldIndex("config_id")));
      assertEquals(c.origin, r.getString(r.fieldIndex("origin")));
      assertEquals(Long.parseLong(c.settings.get("iotlb.entries")), r.getLong(r.fieldIndex("iotlb_entries")));
      assertEquals(c.settings.get("iotlb.policy"), r.getString(r.fieldIndex("iotlb_policy")));
      // no inv_* events: auto means strict
      assertEquals("strict", r.getString(r.fieldIndex("invalidation_in_force")));
      assertEquals(17L, r.getLong(r.fieldIndex("records_replayed")));
      assertEquals(0L, r.getLong(r.fieldIndex("faults")));
    }
    assertEquals("--grid iotlb.entries=2 iotlb.policy=lru", configs.get(3).getString(configs.get(3).fieldIndex("origin")));

    // run_info: one slice per configuration, each with its own settings and a full record accounting
    Map<String, Map<String, String>> info = new HashMap<>();
    for (Row r : table(sizingOut, "run_info")) {
      info.computeIfAbsent(r.getString(0), k -> new HashMap<>()).put(r.getString(1) + "." + r.getString(2), r.getString(3));
    }
    assertEquals(6, info.size());
    for (SweepSpec.Config c : sizing.spec.configs) {
      Map<String, String> slice = info.get(c.configId);
      assertEquals(c.settings.asMap().size(), slice.keySet().stream().filter(k -> k.startsWith("setting.")).count());
      assertEquals(c.settings.get("iotlb.entries"), slice.get("setting.iotlb.entries"));
      assertEquals("17", slice.get("records.read"));
      assertEquals("17", slice.get("records.replayed"));
      assertEquals("13", slice.get("records.replayed.dma_read"));
      assertEquals("2", slice.get("records.replayed.map"));
      assertEquals("2", slice.get("records.replayed.attach"));
      assertEquals(String.valueOf(c.index), slice.get("sweep.config_index"));
      assertEquals("6", slice.get("sweep.configs"));
      assertEquals("iotlb.entries,iotlb.policy", slice.get("sweep.swept_keys"));
      assertEquals("shuffle", slice.get("spark.replay_path"));
      assertEquals("device", slice.get("sweep.clustering"));
      // two devices in two domains: two replay groups, each its own task per configuration
      assertEquals("2", slice.get("spark.replay_groups"));
      assertEquals("12", slice.get("sweep.replay_tasks"));
      // the 17 events (none is a broadcast event) stored once for all six: at least 4 bytes per event
      assertTrue(Long.parseLong(slice.get("sweep.stored_bytes")) > 17 * 4, slice.get("sweep.stored_bytes"));
    }

    assertTrue(table(sizingOut, "faults").isEmpty());
    assertEquals(12, table(sizingOut, "device_stats").size());
    assertEquals(12, table(sizingOut, "security").size());
    // latency_histogram for (4 entries, lru), domain 1: translation 5 x4, 257 x3, 1507; walk 252 x3, 1002
    String id = sizing.spec.configs.get(5).configId;
    List<String> histogram = table(sizingOut, "latency_histogram").stream()
        .filter(r -> r.getString(0).equals(id) && r.getInt(2) == 1)
        .map(r -> r.getString(3) + " " + r.getLong(4) + " " + r.getLong(5) + " " + r.getLong(6))
        .sorted().collect(Collectors.toList());
    assertEquals(List.of("translation 1507 1 8", "translation 257 3 7", "translation 5 4 4",
        "walk 1002 1 4", "walk 252 3 3"), histogram);
  }

  @Test
  void bestConfigurationPerDomainAndSize() {
    // domain 1: 1 entry fifo/lru tie (8/8, equal latency) -> config 0; 2 entries: lru 5/8 beats fifo 6/8 -> 3;
    //           4 entries tie -> 4. domain 2: 1 entry tie -> 0; 2 entries: fifo 3/5 beats lru 4/5 -> 2; 4 tie -> 4
    List<String> best = new ArrayList<>();
    for (BestConfigs.Best b : sizing.best) {
      best.add(b.unit + "/" + b.domain + "/" + b.entries + " -> " + b.configIndex + " " + b.misses + "/"
          + (b.hits + b.misses) + " tied " + b.tied + "/" + b.ranked);
    }
    assertEquals(List.of(
        "0/1/1 -> 0 8/8 tied 2/2", "0/1/2 -> 3 5/8 tied 1/2", "0/1/4 -> 4 4/8 tied 2/2",
        "0/2/1 -> 0 5/5 tied 2/2", "0/2/2 -> 2 3/5 tied 1/2", "0/2/4 -> 4 3/5 tied 2/2"), best);
  }

  @Test
  void quickstartUnderAnEntriesSweep() {
    // sample-traces/README.md: with 1 IOTLB entry the NIC's hits and misses are those of 64 entries
    // (4 / 5): the 0x101000 fill evicts 0x100000 (1), the 2 MiB fill evicts 0x101000 (2); faulting walks
    // fill nothing. Everything else in every table is unchanged.
    Path out = tmp.resolve("quickstart-entries");
    SweepJob.Result r = sweep(SAMPLE_TRACES.resolve("quickstart.csv"), out,
        SweepSpec.fromGrids(Settings.defaults(), List.of("iotlb.entries=1,64")));
    assertEquals(2, r.configs);
    List<Row> rows = table(out, "sweep_stats");
    assertEquals(6, rows.size());
    for (Row row : rows) {
      long entries = row.getLong(row.fieldIndex("iotlb_entries"));
      int domain = row.getInt(row.fieldIndex("domain"));
      String values = row.getLong(row.fieldIndex("iotlb_hits")) + "/" + row.getLong(row.fieldIndex("iotlb_misses"))
          + "/" + row.getLong(row.fieldIndex("iotlb_evictions")) + "/" + row.getLong(row.fieldIndex("faults"))
          + "/" + row.getLong(row.fieldIndex("latency_sum_ns"));
      String expected = domain == 1 ? "4/5/" + (entries == 1 ? 2 : 0) + "/4/2560" : domain == 2 ? "1/1/0/1/1512" : "0/0/0/3/1015";
      assertEquals(expected, values, "entries " + entries + " domain " + domain);
    }
    // 8 fault rows per configuration, tagged with its config id
    Map<String, Long> faultsPerConfig = table(out, "faults").stream()
        .collect(Collectors.groupingBy(f -> f.getString(0), Collectors.counting()));
    assertEquals(Map.of(r.spec.configs.get(0).configId, 8L, r.spec.configs.get(1).configId, 8L), faultsPerConfig);
  }

  @Test
  void oneConfigurationSweepReplaysWithoutCachingAndEqualsSimulate() {
    Path out = tmp.resolve("quickstart-one");
    SweepJob.Result r = sweep(SAMPLE_TRACES.resolve("quickstart.csv"), out,
        SweepSpec.fromGrids(Settings.defaults(), List.of("iotlb.policy=lru")));
    Path sim = tmp.resolve("quickstart-simulate");
    PipelineTestSupport.simulate(SAMPLE_TRACES.resolve("quickstart.csv"), sim);
    // iotlb.policy=lru is the default: the one configuration is the defaults, config id included
    assertEquals(Settings.defaults().configId(), r.spec.configs.get(0).configId);
    SweepEqualsSimulateTest.assertSameAsSimulate(out, sim, r.spec.configs.get(0).configId, List.of("iotlb.policy"));
  }

  /**
   * A prepared trace's events reach the sweep's replay as stored blocks without their file: the error
   * still names the prepared file and row, as simulate's replay of the same file does. The device's
   * file holds its attach, map and DMA in (ts, seq) order, so the map on line 3 is row 1 (rows count
   * from 0, as in every Parquet position).
   */
  @Test
  void failedSweepOnAPreparedTraceNamesTheFileAndRow() throws Exception {
    Path trace = misalignedMap(tmp.resolve("misaligned-prepared.csv"));
    Path prepared = tmp.resolve("misaligned.prepared");
    PipelineTestSupport.convert(trace, prepared);
    String file;
    try (var files = Files.list(prepared)) {
      List<String> parts = files.map(Path::toString).filter(n -> n.endsWith(".parquet")).sorted()
          .collect(Collectors.toList());
      assertEquals(1, parts.size(), parts.toString());
      file = parts.get(0);
    }
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> sweep(prepared,
        tmp.resolve("failed-prepared"), SweepSpec.fromGrids(Settings.defaults(), List.of("iotlb.entries=8,16"))));
    String message = io.iommusim.pipeline.job.Failures.userMessage(e);
    assertTrue(message != null && message.contains(file + " row 1 (seq 3)") && message.contains("iova=0x100800"),
        String.valueOf(message));
    Exception s = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> PipelineTestSupport.simulate(prepared, tmp.resolve("failed-prepared-simulate")));
    String simulateMessage = io.iommusim.pipeline.job.Failures.userMessage(s);
    assertTrue(simulateMessage != null && simulateMessage.contains(file + " row 1"), String.valueOf(simulateMessage));
  }

  @Test
  void failedSweepLeavesNoOutputAndNamesTheLine() throws Exception {
    Path trace = misalignedMap(tmp.resolve("misaligned.csv"));
    Path out = tmp.resolve("failed");
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> sweep(trace, out,
        SweepSpec.fromGrids(Settings.defaults(), List.of("iotlb.entries=8,16"))));
    String message = io.iommusim.pipeline.job.Failures.userMessage(e);
    assertTrue(message != null && message.contains(trace + ":3 (seq 3)") && message.contains("iova=0x100800"),
        String.valueOf(message));
    assertFalse(Files.exists(out));
    try (var s = Files.list(tmp)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("failed."))
          .collect(Collectors.toList()));
    }
  }

  /** A trace whose map on line 3 (seq 3) is not page aligned: the replay fails there. */
  private static Path misalignedMap(Path trace) throws Exception {
    Files.writeString(trace, "ts_ns,kind,sid,domain,addr,size,phys,perm,page_size\n"
        + "0,attach,03:00.0,1,,,,,\n"
        + "10,map,,1,0x100800,0x1000,0x80000000,rw,4096\n"
        + "100,dma_read,03:00.0,,0x100000,64,,,\n");
    return trace;
  }
}
