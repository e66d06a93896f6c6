package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.simulate;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * partition.by=device vs unit, worked out by hand. Two functions of one card, A = 03:00.0 and
 * B = 03:00.1, both in domain 1, one mapped page:
 *
 * <pre>
 *   t=100 A reads 0x100000   device: ctx miss 2x250 + IOTLB miss, walk 2 + 4x250      = 5+500+1002 = 1507
 *                            unit:   the same                                         = 1507
 *   t=110 B reads 0x100000   device: B's own caches are cold: as A                    = 1507
 *                            unit:   ctx miss (context entries are per requester id),
 *                                    IOTLB hit on A's entry (tagged by domain)       = 5+500 = 505
 *   t=120 B reads 0x100040   both:   ctx hit, IOTLB hit                               = 5
 * </pre>
 *
 * Domain 1, device: 3 translations, 1 hit, 2 misses, 2 walks, 8 walk reads, latency sum 3019;
 * unit: 2 hits, 1 miss, 1 walk, 4 walk reads, latency sum 2017. Context: 2 misses (4 reads), 1 hit in both.
 */
class PartitionByTest {
  @TempDir
  static Path tmp;

  static Path device;
  static Path unit;

  @BeforeAll
  static void run() throws IOException {
    Path trace = tmp.resolve("shared-page.csv");
    Files.writeString(trace, ""
        + "ts_ns,kind,sid,domain,addr,size,phys,perm\n"
        + "0,attach,03:00.0,1,,,,\n"
        + "0,attach,03:00.1,1,,,,\n"
        + "10,map,,1,0x100000,0x1000,0x80000000,rw\n"
        + "100,dma_read,03:00.0,,0x100000,64,,\n"
        + "110,dma_read,03:00.1,,0x100000,64,,\n"
        + "120,dma_read,03:00.1,,0x100040,64,,\n");
    device = tmp.resolve("device");
    simulate(trace, device);
    unit = tmp.resolve("unit");
    simulate(trace, unit, "partition.by=unit");
  }

  private static String values(Row r, String... columns) {
    StringBuilder b = new StringBuilder();
    for (String c : columns) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(c).append('=').append(r.get(r.fieldIndex(c)));
    }
    return b.toString();
  }

  private static final String[] COLUMNS = {"translations", "iotlb_hits", "iotlb_misses", "page_walks",
      "walk_memory_reads", "psc_misses", "context_cache_hits", "context_cache_misses", "context_memory_reads",
      "faults", "latency_sum_ns", "latency_p50_ns", "latency_max_ns", "walk_latency_max_ns"};

  private static String domain1(Path out) {
    List<Row> rows = table(out, "domain_stats");
    assertEquals(1, rows.size(), rows.toString());
    Row r = rows.get(0);
    assertEquals(1, r.getInt(r.fieldIndex("domain")));
    assertEquals(2, r.getInt(r.fieldIndex("devices")));
    return values(r, COLUMNS);
  }

  private static String deviceRow(Path out, int sid) {
    return table(out, "device_stats").stream().filter(r -> r.getInt(r.fieldIndex("sid")) == sid)
        .map(r -> values(r, COLUMNS)).findFirst().orElseThrow();
  }

  @Test
  void domainStatsDiffer() {
    assertEquals("translations=3 iotlb_hits=1 iotlb_misses=2 page_walks=2 walk_memory_reads=8 psc_misses=2 "
        + "context_cache_hits=1 context_cache_misses=2 context_memory_reads=4 faults=0 latency_sum_ns=3019 "
        + "latency_p50_ns=1507 latency_max_ns=1507 walk_latency_max_ns=1002", domain1(device));
    assertEquals("translations=3 iotlb_hits=2 iotlb_misses=1 page_walks=1 walk_memory_reads=4 psc_misses=1 "
        + "context_cache_hits=1 context_cache_misses=2 context_memory_reads=4 faults=0 latency_sum_ns=2017 "
        + "latency_p50_ns=505 latency_max_ns=1507 walk_latency_max_ns=1002", domain1(unit));
  }

  @Test
  void deviceStatsDiffer() {
    String a = "translations=1 iotlb_hits=0 iotlb_misses=1 page_walks=1 walk_memory_reads=4 psc_misses=1 "
        + "context_cache_hits=0 context_cache_misses=1 context_memory_reads=2 faults=0 latency_sum_ns=1507 "
        + "latency_p50_ns=1507 latency_max_ns=1507 walk_latency_max_ns=1002";
    assertEquals(a, deviceRow(device, 0x0300));
    assertEquals(a, deviceRow(unit, 0x0300));
    assertEquals("translations=2 iotlb_hits=1 iotlb_misses=1 page_walks=1 walk_memory_reads=4 psc_misses=1 "
        + "context_cache_hits=1 context_cache_misses=1 context_memory_reads=2 faults=0 latency_sum_ns=1512 "
        + "latency_p50_ns=5 latency_max_ns=1507 walk_latency_max_ns=1002", deviceRow(device, 0x0301));
    assertEquals("translations=2 iotlb_hits=2 iotlb_misses=0 page_walks=0 walk_memory_reads=0 psc_misses=0 "
        + "context_cache_hits=1 context_cache_misses=1 context_memory_reads=2 faults=0 latency_sum_ns=510 "
        + "latency_p50_ns=5 latency_max_ns=505 walk_latency_max_ns=null", deviceRow(unit, 0x0301));
  }

  @Test
  void runInfoRecordsTheSetting() {
    assertEquals("device", runInfo(device).get("setting.partition.by"));
    assertEquals("unit", runInfo(unit).get("setting.partition.by"));
    // both functions share domain 1, so with partition.by=device they still form one replay group
    assertEquals("1", runInfo(device).get("spark.replay_groups"));
    assertEquals("6", runInfo(unit).get("records.replayed"));
    // partition.by=unit: one replay group per IOMMU unit
    assertEquals("1", runInfo(unit).get("spark.replay_groups"));
  }
}
