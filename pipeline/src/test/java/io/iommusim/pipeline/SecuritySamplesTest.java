package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.SAMPLE_TRACES;
import static io.iommusim.pipeline.PipelineTestSupport.assertRow;
import static io.iommusim.pipeline.PipelineTestSupport.only;
import static io.iommusim.pipeline.PipelineTestSupport.row;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.simulate;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.pipeline.job.SimulateJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security samples (sample-traces/msi-spoofing.csv, nic-lazy-vs-strict.csv, ats-device.csv): every
 * value below was worked out by hand from the model (iommusim-defaults.properties, InterruptRemapper,
 * VtdTranslator); sample-traces/README.md shows the derivations. Rows are asserted column by column:
 * a long column not named in an expectation must be 0.
 */
class SecuritySamplesTest {
  private static final int NIC = 0x0300;    // 03:00.0
  private static final int ROGUE = 0x0400;  // 04:00.0
  private static final int ATS = 0x0500;    // 05:00.0
  private static final int PLAIN = 0x0600;  // 06:00.0

  private static final String[] LAZY = {"invalidation.mode=lazy", "invalidation.lazy.queue_size=2",
      "invalidation.lazy.timeout_ns=1000"};

  @TempDir
  static Path tmp;

  static Path msi;
  static Path msiIrOff;
  static Path msiUnit;
  static Path strict;
  static Path lazy;
  static Path ats;
  static SimulateJob.Result msiResult;

  @BeforeAll
  static void simulateSamples() {
    msi = tmp.resolve("msi");
    msiResult = simulate(SAMPLE_TRACES.resolve("msi-spoofing.csv"), msi);
    msiIrOff = tmp.resolve("msi-ir-off");
    simulate(SAMPLE_TRACES.resolve("msi-spoofing.csv"), msiIrOff, "ir.enabled=false");
    msiUnit = tmp.resolve("msi-unit");
    simulate(SAMPLE_TRACES.resolve("msi-spoofing.csv"), msiUnit, "partition.by=unit");
    strict = tmp.resolve("strict");
    simulate(SAMPLE_TRACES.resolve("nic-lazy-vs-strict.csv"), strict, "invalidation.mode=strict");
    lazy = tmp.resolve("lazy");
    simulate(SAMPLE_TRACES.resolve("nic-lazy-vs-strict.csv"), lazy, LAZY);
    ats = tmp.resolve("ats");
    simulate(SAMPLE_TRACES.resolve("ats-device.csv"), ats, "ats.devices=05:00.0", "invalidation.mode=strict");
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static Map<String, Object> with(Map<String, Object> base, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>(base);
    m.putAll(row(kv));
    return m;
  }


  /** Asserts the domain row (domain counters added) and the device row of a one-device domain. */
  private static void assertDomainAndDevice(Path out, int domain, int sid, String bdf, Map<String, Object> counters,
      Map<String, Object> domainCounters) {
    Map<String, Object> d = with(counters, "unit", 0, "domain", domain, "devices", 1);
    d.putAll(domainCounters);
    assertRow(only(table(out, "domain_stats"), "domain", domain), d, out.getFileName() + " domain " + domain);
    assertRow(only(table(out, "device_stats"), "sid", sid),
        with(counters, "unit", 0, "sid", sid, "bdf", bdf, "domains", 1), out.getFileName() + " " + bdf);
  }

  /** faults as "ts|bdf|domain|addr|access|reason_code|irte_index", in table order. */
  private static List<String> faults(Path out) {
    List<String> actual = new ArrayList<>();
    for (Row r : table(out, "faults")) {
      actual.add(r.getLong(r.fieldIndex("ts_ns")) + "|" + r.getString(r.fieldIndex("bdf")) + "|"
          + r.getInt(r.fieldIndex("domain")) + "|0x" + Long.toHexString(r.getLong(r.fieldIndex("addr"))) + "|"
          + r.getString(r.fieldIndex("access")) + "|0x" + Integer.toHexString(r.getInt(r.fieldIndex("reason_code")))
          + "|" + r.getInt(r.fieldIndex("irte_index")));
    }
    return actual;
  }

  private static Map<String, Object> security(int sid, String bdf, int domain, Object... kv) {
    Map<String, Object> m = row("unit", 0, "sid", sid, "bdf", bdf, "domain", domain,
        "exposure_p50_ns", null, "exposure_p99_ns", null, "exposure_max_ns", null);
    m.putAll(row(kv));
    return m;
  }

  private static List<String> exposureHistogram(Path out, int domain) {
    return table(out, "latency_histogram").stream()
        .filter(r -> r.getInt(r.fieldIndex("domain")) == domain
            && "stale_exposure".equals(r.getString(r.fieldIndex("metric"))))
        .sorted(java.util.Comparator.comparingLong(r -> r.getLong(r.fieldIndex("latency_ns"))))
        .map(r -> r.getLong(r.fieldIndex("latency_ns")) + ":" + r.getLong(r.fieldIndex("count")))
        .collect(Collectors.toList());
  }

  // ---- msi-spoofing.csv -----------------------------------------------------------------------

  /** The NIC's one DMA write at 140: cold context and walk, 5 + 2x250 + 2 + 4x250 = 1507 ns. */
  private static final Map<String, Object> NIC_DMA = row(
      "dma_events", 1L, "dma_bytes", 64L, "translations", 1L,
      "iotlb_misses", 1L, "page_walks", 1L, "walk_memory_reads", 4L, "psc_misses", 1L,
      "context_cache_misses", 1L, "context_memory_reads", 2L,
      "latency_sum_ns", 1507L, "iotlb_miss_ratio", 1.0, "latency_mean_ns", 1507.0,
      "latency_p50_ns", 1507L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
      "walk_latency_p50_ns", 1002L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
      "walk_latency_max_ns", 1002L);

  /** 04:00.0's read at 260: empty table, the root entry is not present: 5 + 2x250 + 2 + 250 = 757 ns. */
  private static final Map<String, Object> ROGUE_DMA = row(
      "dma_events", 1L, "dma_bytes", 64L, "translations", 1L,
      "iotlb_misses", 1L, "page_walks", 1L, "walk_memory_reads", 1L, "psc_misses", 1L,
      "context_cache_misses", 1L, "context_memory_reads", 2L, "faults", 1L, "faults_read", 1L,
      "latency_sum_ns", 757L, "iotlb_miss_ratio", 1.0, "latency_mean_ns", 757.0,
      "latency_p50_ns", 757L, "latency_p90_ns", 757L, "latency_p99_ns", 757L, "latency_max_ns", 757L,
      "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 252L, "walk_latency_p99_ns", 252L,
      "walk_latency_max_ns", 252L);

  private static final Map<String, Object> NIC_TABLE = row("maps", 1L, "mapped_pages", 1L, "page_table_pages", 4L);
  private static final Map<String, Object> ROGUE_TABLE = row("page_table_pages", 1L);

  @Test
  void msiSpoofingStats() {
    // the NIC: 4 MSIs delivered; IEC misses at 100 (index 0) and 110 (index 1), hits at 120 and 130
    assertDomainAndDevice(msi, 1, NIC, "03:00.0", with(NIC_DMA,
        "msi_total", 4L, "msi_delivered", 4L, "iec_hits", 2L, "iec_misses", 2L), NIC_TABLE);
    // 04:00.0: 6 interrupt requests, all blocked: 0x26 x3 (200, 210, 220), 0x22 (230), 0x21 (240), 0x25 (250);
    // its own IEC (partition.by=device): misses at 200, 210, 230; a hit at 220 (index 0, cached at 200)
    assertDomainAndDevice(msi, 2, ROGUE, "04:00.0", with(ROGUE_DMA,
        "msi_total", 6L, "msi_blocked", 6L, "msi_blocked_source_id", 3L, "msi_blocked_irte_not_present", 1L,
        "msi_blocked_index_over", 1L, "msi_blocked_compat", 1L, "iec_hits", 1L, "iec_misses", 3L), ROGUE_TABLE);
    assertEquals(2, table(msi, "domain_stats").size());
    assertEquals(2, table(msi, "device_stats").size());
  }

  @Test
  void msiSpoofingFaults() {
    assertEquals(List.of(
        "200|04:00.0|2|0xfee00010|interrupt|0x26|0",
        "210|04:00.0|2|0xfee00030|interrupt|0x26|1",
        "220|04:00.0|2|0xfee00010|interrupt|0x26|0",
        "230|04:00.0|2|0xfee00050|interrupt|0x22|2",
        "240|04:00.0|2|0xfeeffffc|interrupt|0x21|65536",
        "250|04:00.0|2|0xfee01000|interrupt|0x25|-1",
        "260|04:00.0|2|0x100000|read|0x6|-1"), faults(msi));
    Map<Integer, String> text = new HashMap<>();
    for (Row r : table(msi, "faults")) {
      text.put(r.getInt(r.fieldIndex("reason_code")), r.getString(r.fieldIndex("reason")));
    }
    assertEquals("Blocked an interrupt request due to source-id verification failure", text.get(0x26));
    assertEquals("Present field in the IRTE entry is clear", text.get(0x22));
    assertEquals("Interrupt index exceeded the interrupt-remapping table size", text.get(0x21));
    assertEquals("Blocked a compatibility format interrupt request", text.get(0x25));
  }

  @Test
  void msiSpoofingSecurity() {
    List<Row> rows = table(msi, "security");
    assertEquals(2, rows.size());
    assertRow(only(rows, "sid", NIC), security(NIC, "03:00.0", 1, "translations", 1L, "msi_total", 4L), "NIC");
    assertRow(only(rows, "sid", ROGUE), security(ROGUE, "04:00.0", 2, "translations", 1L, "dma_blocked", 1L,
        "msi_total", 6L, "msi_blocked", 6L, "msi_blocked_source_id", 3L, "msi_blocked_irte_not_present", 1L,
        "msi_blocked_index_over", 1L, "msi_blocked_compat", 1L), "04:00.0");
  }

  @Test
  void msiSpoofingRunInfo() {
    Map<String, String> info = runInfo(msi);
    assertEquals("19", info.get("records.read"));
    assertEquals("19", info.get("records.replayed"));
    assertEquals("9", info.get("records.replayed.msi"));
    assertEquals("2", info.get("records.replayed.irte_set"));
    assertEquals("2", info.get("records.replayed.inv_iec"));
    assertEquals("2", info.get("records.replayed.dma_write"));
    // inv_iec alone does not select trace mode: invalidation.mode=auto resolves to strict
    assertEquals("strict", info.get("model.invalidation.mode"));
    assertEquals("0", info.get("records.dma_invalidation_events"));
  }

  @Test
  void msiSpoofingWithoutInterruptRemapping() {
    // ir.enabled=false: every interrupt request is delivered unchecked; no IR faults, no IEC lookups
    assertDomainAndDevice(msiIrOff, 1, NIC, "03:00.0", with(NIC_DMA,
        "msi_total", 4L, "msi_delivered", 4L, "msi_unprotected", 4L), NIC_TABLE);
    assertDomainAndDevice(msiIrOff, 2, ROGUE, "04:00.0", with(ROGUE_DMA,
        "msi_total", 6L, "msi_delivered", 6L, "msi_unprotected", 6L), ROGUE_TABLE);
    assertEquals(List.of("260|04:00.0|2|0x100000|read|0x6|-1"), faults(msiIrOff));
    List<Row> rows = table(msiIrOff, "security");
    assertRow(only(rows, "sid", NIC), security(NIC, "03:00.0", 1, "translations", 1L, "msi_total", 4L,
        "msi_unprotected", 4L), "NIC");
    assertRow(only(rows, "sid", ROGUE), security(ROGUE, "04:00.0", 2, "translations", 1L, "dma_blocked", 1L,
        "msi_total", 6L, "msi_unprotected", 6L), "04:00.0");
  }

  @Test
  void msiSpoofingWithUnitWideCaches() {
    // partition.by=unit: one IEC for the unit. 04:00.0's requests through indices 0 and 1 (200, 210, 220)
    // hit the entries the NIC's interrupts cached; only index 2 (230) misses. The DMA side is unchanged
    // (the IOTLB and paging-structure caches are tagged by domain, the context cache by requester).
    assertDomainAndDevice(msiUnit, 1, NIC, "03:00.0", with(NIC_DMA,
        "msi_total", 4L, "msi_delivered", 4L, "iec_hits", 2L, "iec_misses", 2L), NIC_TABLE);
    assertDomainAndDevice(msiUnit, 2, ROGUE, "04:00.0", with(ROGUE_DMA,
        "msi_total", 6L, "msi_blocked", 6L, "msi_blocked_source_id", 3L, "msi_blocked_irte_not_present", 1L,
        "msi_blocked_index_over", 1L, "msi_blocked_compat", 1L, "iec_hits", 3L, "iec_misses", 1L), ROGUE_TABLE);
    assertEquals(faults(msi), faults(msiUnit));
  }

  @Test
  void msiSpoofingDoesNotDependOnPacking() {
    // one shuffle partition: both replay groups replay in one task; the per-device IEC keeps the result
    Path one = tmp.resolve("msi-one-partition");
    TestSpark.withShufflePartitions(1, () -> simulate(SAMPLE_TRACES.resolve("msi-spoofing.csv"), one));
    PipelineTestSupport.assertSameStats(msi, one, "msi-spoofing, 1 vs 4 shuffle partitions");
  }

  // ---- nic-lazy-vs-strict.csv -----------------------------------------------------------------

  @Test
  void strictInvalidation() {
    // 8 DMAs, each one page; every one misses the IOTLB (the unmaps invalidate at once); 110 walks from
    // the root (1507 ns), the 7 others start below the PDE cached at 110 (257 ns); the 4 late reads fault
    assertDomainAndDevice(strict, 1, NIC, "03:00.0", row(
        "dma_events", 8L, "dma_bytes", 6256L, "translations", 8L,
        "iotlb_misses", 8L, "page_walks", 8L, "walk_memory_reads", 11L, "psc_l2_hits", 7L, "psc_misses", 1L,
        "context_cache_hits", 7L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 4L, "faults_read", 4L,
        "latency_sum_ns", 3306L, "iotlb_miss_ratio", 1.0, "latency_mean_ns", 3306.0 / 8,
        "latency_p50_ns", 257L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        row("maps", 4L, "unmaps", 4L, "mapped_pages", 4L, "unmapped_pages", 4L, "page_table_pages", 4L,
            "strict_unmap_invalidations", 4L));
    assertEquals(List.of(
        "140|03:00.0|1|0xfffff000|read|0x6|-1",
        "330|03:00.0|1|0xffffe000|read|0x6|-1",
        "1300|03:00.0|1|0xffffd000|read|0x6|-1",
        "1400|03:00.0|1|0xffffd000|read|0x6|-1"), faults(strict));
    assertRow(only(table(strict, "security"), "sid", NIC),
        security(NIC, "03:00.0", 1, "translations", 8L, "dma_blocked", 4L), "strict");
    assertEquals(List.of(), exposureHistogram(strict, 1));
    assertEquals("strict", runInfo(strict).get("model.invalidation.mode"));
  }

  @Test
  void lazyInvalidation() {
    // stale hits at 140 (A, 10 ns after its unmap) and 210 (A remapped at 200, but the IOTLB still holds
    // the old translation: 80 ns). The unmap at 320 finds 2 queued: queue-full flush (IOTLB and PSC),
    // then it is queued; the timer armed by the first unmap (130 + 1000 = 1130) keeps running, as
    // Linux's fq_timer does, and fires before the event at 1300: C's entry is gone by then.
    // Misses: 110 (4 reads), 310 (PDE hit, 1), 330 (PSC flushed: 4, 0x06), 410 (1), 1300 (PSC flushed
    // at 1130: 4, 0x06), 1400 (PDE refilled at 1300: 1, 0x06) → 15 reads.
    // Latencies 1507, 5, 5, 257, 1007, 257, 1007, 257 → sum 4302; sorted 5,5,257,257,257,1007,1007,1507:
    // p50 = 4th = 257, p90 = 8th = 1507. Walks 1002,252,1002,252,1002,252 → p50 = 3rd = 252, p90 = 6th = 1002.
    assertDomainAndDevice(lazy, 1, NIC, "03:00.0", row(
        "dma_events", 8L, "dma_bytes", 6256L, "translations", 8L,
        "iotlb_hits", 2L, "iotlb_misses", 6L, "page_walks", 6L, "walk_memory_reads", 15L,
        "psc_l2_hits", 3L, "psc_misses", 3L,
        "context_cache_hits", 7L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 3L, "faults_read", 3L, "stale_hits", 2L, "stale_bytes", 1564L,
        "latency_sum_ns", 4302L, "iotlb_miss_ratio", 6.0 / 8, "latency_mean_ns", 4302.0 / 8,
        "latency_p50_ns", 257L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        row("maps", 4L, "unmaps", 4L, "mapped_pages", 4L, "unmapped_pages", 4L, "page_table_pages", 4L,
            "lazy_queued_unmaps", 4L, "lazy_flushes_queue_full", 1L, "lazy_flushes_timeout", 1L));
    assertEquals(List.of(
        "330|03:00.0|1|0xffffe000|read|0x6|-1",
        "1300|03:00.0|1|0xffffd000|read|0x6|-1",
        "1400|03:00.0|1|0xffffd000|read|0x6|-1"), faults(lazy));
    // exposures 10 and 80: p50 = 1st = 10, p99 = 2nd = 80
    assertRow(only(table(lazy, "security"), "sid", NIC), security(NIC, "03:00.0", 1,
        "translations", 8L, "dma_blocked", 3L, "stale_hits", 2L, "stale_bytes", 1564L,
        "exposure_p50_ns", 10L, "exposure_p99_ns", 80L, "exposure_max_ns", 80L), "lazy");
    assertEquals(List.of("10:1", "80:1"), exposureHistogram(lazy, 1));
    assertEquals("lazy", runInfo(lazy).get("model.invalidation.mode"));
  }

  // ---- ats-device.csv -------------------------------------------------------------------------

  @Test
  void atsDevice() {
    // 05:00.0: device-TLB hits at 110, 120, 140, 190 (2 ns each); misses at 100 (2109), 130 (859),
    // 160 (859, fault), 180 and 210 (607: IOTLB hit)
    assertDomainAndDevice(ats, 3, ATS, "05:00.0", row(
        "dma_events", 9L, "dma_bytes", 576L, "translations", 9L,
        "devtlb_hits", 4L, "devtlb_misses", 5L, "devtlb_invalidations", 3L,
        "iotlb_hits", 2L, "iotlb_misses", 3L, "page_walks", 3L, "walk_memory_reads", 6L,
        "psc_l2_hits", 2L, "psc_misses", 1L,
        "context_cache_hits", 4L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 1L, "faults_read", 1L,
        "latency_sum_ns", 5049L, "iotlb_miss_ratio", 0.6, "latency_mean_ns", 5049.0 / 9,
        "latency_p50_ns", 607L, "latency_p90_ns", 2109L, "latency_p99_ns", 2109L, "latency_max_ns", 2109L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        row("maps", 1L, "unmaps", 1L, "mapped_pages", 2L, "unmapped_pages", 1L, "page_table_pages", 4L,
            "strict_unmap_invalidations", 1L));
    // 06:00.0: IOTLB hits at 310, 320, 340, 380; misses at 300 (1507), 330 (257), 360 (257, fault)
    assertDomainAndDevice(ats, 4, PLAIN, "06:00.0", row(
        "dma_events", 7L, "dma_bytes", 448L, "translations", 7L,
        "iotlb_hits", 4L, "iotlb_misses", 3L, "page_walks", 3L, "walk_memory_reads", 6L,
        "psc_l2_hits", 2L, "psc_misses", 1L,
        "context_cache_hits", 6L, "context_cache_misses", 1L, "context_memory_reads", 2L,
        "faults", 1L, "faults_read", 1L,
        "latency_sum_ns", 2041L, "iotlb_miss_ratio", 3.0 / 7, "latency_mean_ns", 2041.0 / 7,
        "latency_p50_ns", 5L, "latency_p90_ns", 1507L, "latency_p99_ns", 1507L, "latency_max_ns", 1507L,
        "walk_latency_p50_ns", 252L, "walk_latency_p90_ns", 1002L, "walk_latency_p99_ns", 1002L,
        "walk_latency_max_ns", 1002L),
        row("maps", 1L, "unmaps", 1L, "mapped_pages", 2L, "unmapped_pages", 1L, "page_table_pages", 4L,
            "strict_unmap_invalidations", 1L));
    assertEquals(List.of(
        "160|05:00.0|3|0x101000|read|0x6|-1",
        "360|06:00.0|4|0x101000|read|0x6|-1"), faults(ats));
    List<Row> sec = table(ats, "security");
    assertEquals(2, sec.size());
    assertRow(only(sec, "sid", ATS), security(ATS, "05:00.0", 3, "translations", 9L, "dma_blocked", 1L), "ATS");
    assertRow(only(sec, "sid", PLAIN), security(PLAIN, "06:00.0", 4, "translations", 7L, "dma_blocked", 1L), "plain");
    Map<String, String> info = runInfo(ats);
    assertEquals("strict", info.get("model.invalidation.mode"));
    assertEquals("3", info.get("records.replayed.inv_devtlb"));
  }
}
