package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.IOTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.LATENCY_SUM_NS;
import static io.iommusim.translator.stats.DeviceCounter.PAGE_WALKS;
import static io.iommusim.translator.stats.DeviceCounter.PSC_L2_HITS;
import static io.iommusim.translator.stats.DeviceCounter.PSC_L3_HITS;
import static io.iommusim.translator.stats.DeviceCounter.PSC_L4_HITS;
import static io.iommusim.translator.stats.DeviceCounter.PSC_L5_HITS;
import static io.iommusim.translator.stats.DeviceCounter.PSC_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static io.iommusim.translator.stats.DeviceCounter.WALK_MEMORY_READS;
import static io.iommusim.translator.vtd.Sim.G1;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.R;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.translator.pagetable.IoPageTable;
import io.iommusim.translator.pagetable.WalkResult;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.util.LongObjectMap;
import java.lang.reflect.Field;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Page walks, paging-structure caches, DMA splitting and the latency model of
 * iommusim-defaults.properties:
 * translation = iotlb_lookup + context_cache_lookup + (ctx miss: 2 × memory_read)
 *             + (IOTLB miss: psc_lookup + entries read × memory_read).
 * Defaults: iotlb 3, context cache 2, psc 2, memory read 250 (ns).
 */
class WalkAndLatencyTest {
  private static final int DEV = 0x0400;
  private static final int DOM = 7;

  /** Reads one page and returns the walk-memory reads it caused. */
  private static long readsOf(Sim s, long addr) {
    long before = s.dev(DEV, WALK_MEMORY_READS);
    s.read(DEV, addr);
    return s.dev(DEV, WALK_MEMORY_READS) - before;
  }

  private static long latencyOf(Sim s, long addr) {
    long before = s.dev(DEV, LATENCY_SUM_NS);
    s.read(DEV, addr);
    return s.dev(DEV, LATENCY_SUM_NS) - before;
  }

  // ---- walks -------------------------------------------------------------------------------

  @Test
  void fourLevelWalkWithoutPagingStructureCaches() {
    Sim s = new Sim("psc.l2.entries=0", "psc.l3.entries=0", "psc.l4.entries=0");
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW);
    assertEquals(4, readsOf(s, 0x1000)); // PML4E, PDPTE, PDE, PTE
    assertEquals(4, readsOf(s, 0x2000)); // nothing cached above the leaf: again 4
    assertEquals(2, s.dev(DEV, PAGE_WALKS));
    assertEquals(0, s.dev(DEV, PSC_MISSES)); // no cache was consulted
    assertEquals(0, s.dev(DEV, PSC_L2_HITS) + s.dev(DEV, PSC_L3_HITS) + s.dev(DEV, PSC_L4_HITS));
    // latency without paging-structure caches: no psc lookup.
    // first: 3 + 2 + 2×250 (context) + 4×250 = 1505; second: 3 + 2 + 4×250 = 1005
    assertEquals(1505 + 1005, s.dev(DEV, LATENCY_SUM_NS));
  }

  @Test
  void defaultsAfterWarmUpUseEachPagingStructureLevel() {
    Sim s = new Sim();
    s.attach(DEV, DOM);
    s.map(DOM, 0x1000, 2 * K4, RW); // pages in the first 2 MiB
    s.map(DOM, 0x20_0000, K4, RW); // second 2 MiB region, same 1 GiB
    s.map(DOM, 0x4000_0000, K4, RW); // second 1 GiB region, same 512 GiB
    s.map(DOM, 0x80_0000_0000L, K4, RW); // second 512 GiB region (PML4 index 1)

    // cold: all PSC levels miss → 4 reads; walk = psc 2 + 4×250 = 1002; + 5 + context 500 = 1507
    assertEquals(1507, latencyOf(s, 0x1000));
    assertEquals(1, s.dev(DEV, PSC_MISSES));
    assertEquals(4, s.dev(DEV, WALK_MEMORY_READS));
    // same 2 MiB: PDE cache hit → only the PTE: 1 read; 5 + 2 + 250 = 257
    assertEquals(257, latencyOf(s, 0x2000));
    assertEquals(1, s.dev(DEV, PSC_L2_HITS));
    assertEquals(5, s.dev(DEV, WALK_MEMORY_READS));
    // IOTLB hit: 3 + 2 = 5
    assertEquals(5, latencyOf(s, 0x1000));
    // other 2 MiB in the same 1 GiB: PDPTE hit → PDE + PTE = 2 reads; 5 + 2 + 500 = 507
    assertEquals(507, latencyOf(s, 0x20_0000));
    assertEquals(1, s.dev(DEV, PSC_L3_HITS));
    // other 1 GiB in the same 512 GiB: PML4E hit → 3 reads; 5 + 2 + 750 = 757
    assertEquals(757, latencyOf(s, 0x4000_0000));
    assertEquals(1, s.dev(DEV, PSC_L4_HITS));
    // other 512 GiB: nothing cached → 4 reads; 5 + 2 + 1000 = 1007
    assertEquals(1007, latencyOf(s, 0x80_0000_0000L));
    assertEquals(2, s.dev(DEV, PSC_MISSES));

    assertEquals(4 + 1 + 2 + 3 + 4, s.dev(DEV, WALK_MEMORY_READS));
    assertEquals(5, s.dev(DEV, PAGE_WALKS));
    StatsCell cell = s.cell(DEV, DOM);
    // latency_sum = 1507 + 257 + 5 + 507 + 757 + 1007 = 4040
    assertEquals(4040, cell.get(LATENCY_SUM_NS));
    Histogram h = cell.translationLatency;
    assertEquals(6, h.getTotalCount());
    // sorted: 5, 257, 507, 757, 1007, 1507. p50 → the 3rd value (0.5 × 6 = 3) = 507.
    assertEquals(507, h.getValueAtPercentile(50));
    assertEquals(1507, h.getValueAtPercentile(100));
    assertEquals(5, h.getValueAtPercentile(10)); // 0.1 × 6 = 0.6 → rounds to the 1st value
    assertEquals(5, h.getMinValue());
    // walk latency: 1002, 252, 502, 752, 1002 (no walk for the hit)
    assertEquals(5, cell.walkLatency.getTotalCount());
    assertEquals(2, cell.walkLatency.getCountAtValue(1002));
    assertEquals(252, cell.walkLatency.getMinValue());
  }

  @Test
  void overriddenLatencies() {
    Sim s = new Sim("latency.iotlb_lookup_ns=10", "latency.context_cache_lookup_ns=20",
        "latency.psc_lookup_ns=30", "latency.memory_read_ns=100");
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW);
    // cold: 10 + 20 + 2×100 + 30 + 4×100 = 660
    assertEquals(660, latencyOf(s, 0x1000));
    // PDE hit: 10 + 20 + 30 + 100 = 160
    assertEquals(160, latencyOf(s, 0x2000));
    // IOTLB hit: 10 + 20 = 30
    assertEquals(30, latencyOf(s, 0x2000));
    Histogram h = s.cell(DEV, DOM).translationLatency;
    assertEquals(160, h.getValueAtPercentile(50)); // 30, 160, 660: 0.5 × 3 = 1.5 → 2nd
    assertEquals(660, h.getMaxValue());
    assertEquals(850, s.dev(DEV, LATENCY_SUM_NS));
  }

  @Test
  void twoMegabyteLeafColdWalk() {
    Sim s = new Sim();
    s.attach(DEV, DOM).map(DOM, 4 * M2, M2, RW, M2);
    // PML4E, PDPTE, PDE(PS=1) = 3 reads; 5 + 500 + 2 + 750 = 1257
    assertEquals(1257, latencyOf(s, 4 * M2 + 0x1234));
    assertEquals(3, s.dev(DEV, WALK_MEMORY_READS));
  }

  @Test
  void threeLevelTable() {
    Sim s = new Sim("iommu.address_width=39");
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW).map(DOM, M2, K4, RW).map(DOM, G1, K4, RW);
    assertEquals(3, readsOf(s, 0x1000)); // PDPTE (top), PDE, PTE
    assertEquals(1, readsOf(s, 0x2000)); // PDE cache hit
    assertEquals(2, readsOf(s, M2)); // other 2 MiB, same top entry: PDPTE-cache hit → PDE + PTE
    assertEquals(1, s.dev(DEV, PSC_L3_HITS));
    // other 1 GiB = another entry of the top (level-3) table: nothing cached → 3 reads
    assertEquals(3, readsOf(s, G1));
    assertEquals(2, s.dev(DEV, PSC_MISSES));
    assertEquals(0, s.dev(DEV, PSC_L4_HITS)); // no level 4 in a 3-level table
  }

  @Test
  void fiveLevelTable() {
    Sim s = new Sim("iommu.address_width=57");
    s.attach(DEV, DOM);
    s.map(DOM, 0x1000, K4, RW);
    s.map(DOM, 1L << 40, K4, RW); // PML4 index 2, PML5 index 0
    s.map(DOM, 1L << 48, K4, RW); // PML5 index 1
    assertEquals(5, readsOf(s, 0x1000));
    assertEquals(4, readsOf(s, 1L << 40)); // PML5E cached → starts at level 4
    assertEquals(1, s.dev(DEV, PSC_L5_HITS));
    assertEquals(5, readsOf(s, 1L << 48)); // nothing cached for PML5 index 1
    assertEquals(2, s.dev(DEV, PSC_MISSES));
  }

  // ---- DMA splitting -------------------------------------------------------------------------

  @Test
  void pageSplitting() {
    Sim s = new Sim();
    s.attach(DEV, DOM);
    s.map(DOM, 0x1000, 2 * K4, RW);
    s.map(DOM, M2, M2, RW, M2);
    s.map(DOM, 2 * M2, K4, RW);
    s.read(DEV, 0x1F00, 0x200); // crosses 0x2000: pages 0x1000 and 0x2000 → 2 translations
    assertEquals(2, s.dev(DEV, TRANSLATIONS));
    assertEquals(2, s.dev(DEV, IOTLB_MISSES));
    s.read(DEV, M2 + 0xF00, 0x2000); // crosses two 4K boundaries, inside one 2 MiB page → 1
    assertEquals(3, s.dev(DEV, TRANSLATIONS));
    s.read(DEV, M2, M2); // exactly the 2 MiB page → 1 (hit)
    assertEquals(4, s.dev(DEV, TRANSLATIONS));
    assertEquals(1, s.dev(DEV, IOTLB_HITS));
    s.read(DEV, 2 * M2 - 0x100, 0x200); // last bytes of the 2 MiB page + first of the 4K page → 2
    assertEquals(6, s.dev(DEV, TRANSLATIONS));
    assertEquals(0, s.faults.size());
  }

  @Test
  void tlpSplitting() {
    Sim s = new Sim("dma.split=tlp", "dma.max_payload=256");
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW).map(DOM, M2, M2, RW, M2);
    s.read(DEV, 0x1000, 1024); // aligned: 1024 / 256 = 4 TLPs → 4 translations (1 miss, 3 hits)
    assertEquals(4, s.dev(DEV, TRANSLATIONS));
    assertEquals(1, s.dev(DEV, IOTLB_MISSES));
    assertEquals(3, s.dev(DEV, IOTLB_HITS));
    s.read(DEV, 0x1080, 1024); // 0x1080-0x10FF, 0x1100, 0x1200, 0x1300, 0x1400-0x147F → 5
    assertEquals(9, s.dev(DEV, TRANSLATIONS));
    s.read(DEV, M2, 1024); // TLP mode ignores the 2 MiB page size: 4 translations
    assertEquals(13, s.dev(DEV, TRANSLATIONS));
    s.write(DEV, 0x1F80, 0x100); // 0x1F80-0x1FFF and 0x2000-0x207F: 2 TLPs on 2 pages
    assertEquals(15, s.dev(DEV, TRANSLATIONS));
  }

  @Test
  void tlpOfFourKilobytes() {
    Sim s = new Sim("dma.split=tlp", "dma.max_payload=4096");
    s.attach(DEV, DOM).map(DOM, 0x1000, 3 * K4, RW);
    s.read(DEV, 0x1800, 2 * K4); // 0x1800-0x1FFF, 0x2000-0x2FFF, 0x3000-0x37FF → 3
    assertEquals(3, s.dev(DEV, TRANSLATIONS));
  }

  // ---- permission AND-ing ----------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static IoPageTable pageTableOf(Sim s, int domain) throws Exception {
    // The model has no event that narrows a table entry, so reach the domain's table directly.
    Field f = VtdTranslator.class.getDeclaredField("domains");
    f.setAccessible(true);
    LongObjectMap<DomainState> domains = (LongObjectMap<DomainState>) f.get(s.tr);
    return domains.get(((long) s.unit << 32) | domain).pageTable;
  }

  @Test
  void permissionsAreAndedAlongTheWalk() throws Exception {
    Sim s = new Sim();
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW);
    IoPageTable pt = pageTableOf(s, DOM);
    pt.setTablePermission(0x1000, 2, R); // the PDE over the rw leaves allows read only
    WalkResult w = new WalkResult();
    pt.walk(0x1000, w);
    assertEquals(R, w.perm()); // RW(PML4E) & RW(PDPTE) & R(PDE) & RW(PTE) = R

    s.write(DEV, 0x1000, 4); // cold walk: effective R → write faults 0x05
    assertEquals(1, s.faults.size());
    assertEquals(0x05, s.faults.get(0).reason());
    s.read(DEV, 0x1000); // read allowed (miss, fills IOTLB with R)
    s.write(DEV, 0x1000, 4); // IOTLB hit carries the AND-ed R → 0x05
    assertEquals(2, s.faults.size());
    assertEquals(1, s.dev(DEV, IOTLB_HITS));
  }

  @Test
  void pagingStructureCacheKeepsTheAndedPermission() throws Exception {
    Sim s = new Sim();
    s.attach(DEV, DOM).map(DOM, 0x1000, 2 * K4, RW);
    pageTableOf(s, DOM).setTablePermission(0x1000, 4, R); // the PML4E: read only
    s.read(DEV, 0x1000); // cold: fills PML4E/PDPTE/PDE caches with perm R AND-ed down
    assertEquals(0, s.faults.size());
    s.write(DEV, 0x2000, 4); // PDE-cache hit: walk reads only the PTE (RW), but R from the cache → 0x05
    assertEquals(1, s.dev(DEV, PSC_L2_HITS));
    assertEquals(1, s.faults.size());
    assertEquals(0x05, s.faults.get(0).reason());
    assertEquals(0x2000, s.faults.get(0).addr());
  }
}
