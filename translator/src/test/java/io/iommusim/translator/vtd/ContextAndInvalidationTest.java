package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_MEMORY_READS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_READ;
import static io.iommusim.translator.stats.DeviceCounter.PSC_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.WALK_MEMORY_READS;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Context cache, strict and trace-driven invalidation, replay partitioning. */
class ContextAndInvalidationTest {
  private static final int A = 0x0500;
  private static final int B = 0x0508;

  // ---- context cache ----------------------------------------------------------------------------

  @Test
  void firstTranslationMissesTheContextCacheLaterOnesHit() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, 2 * K4, RW);
    s.read(A, 0x1000, 2 * K4); // 2 translations: miss (root + context read), hit
    s.read(A, 0x1000);
    assertEquals(1, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(2, s.dev(A, CONTEXT_CACHE_HITS));
    assertEquals(2, s.dev(A, CONTEXT_MEMORY_READS));
  }

  @Test
  void oneEntryContextCacheSharedByTwoAlternatingDevicesAlwaysMisses() {
    // the context cache is shared only with partition.by=unit (device partitions are private)
    Sim s = new Sim("partition.by=unit", "context_cache.entries=1");
    s.attach(A, 1).attach(B, 1).map(1, 0x1000, K4, RW);
    for (int i = 0; i < 3; i++) {
      s.read(A, 0x1000);
      s.read(B, 0x1000);
    }
    // each device's entry evicts the other's: 3 + 3 misses, 2 reads each
    assertEquals(3, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(3, s.dev(B, CONTEXT_CACHE_MISSES));
    assertEquals(0, s.dev(A, CONTEXT_CACHE_HITS) + s.dev(B, CONTEXT_CACHE_HITS));
    assertEquals(12, s.total(CONTEXT_MEMORY_READS));
    // whereas the IOTLB (tagged by domain) is shared: only A's first access misses
    assertEquals(1, s.total(io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES));
  }

  @Test
  void disabledContextCacheMissesEveryTime() {
    Sim s = new Sim("context_cache.entries=0");
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    s.read(A, 0x1000).read(A, 0x1000).read(A, 0x1000);
    assertEquals(3, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(6, s.dev(A, CONTEXT_MEMORY_READS));
  }

  @Test
  void detachAndReattachInvalidatesTheContextEntry() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    s.read(A, 0x1000).read(A, 0x1000); // miss, hit
    s.detach(A).attach(A, 1);
    s.read(A, 0x1000); // context entry was invalidated at detach → miss
    assertEquals(2, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(1, s.dev(A, CONTEXT_CACHE_HITS));
    // Linux also flushes the old domain's IOTLB entries at detach: the page misses again
    assertEquals(2, s.misses(A));
    assertEquals(1, s.hits(A));
  }

  @Test
  void attachToAnotherDomainInvalidatesTheContextEntry() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW);
    s.read(A, 0x1000); // miss
    s.attach(A, 2); // moves to domain 2 without a detach
    s.read(A, 0x1000); // context miss again; IOTLB: domain 2 has no entry → miss
    assertEquals(2, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(2, s.misses(A));
    // statistics follow the domain: one cell per (device, domain)
    assertEquals(1, s.cell(A, 1).get(CONTEXT_CACHE_MISSES));
    assertEquals(1, s.cell(A, 2).get(CONTEXT_CACHE_MISSES));
  }

  @Test
  void deviceSelectiveContextInvalidation() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    s.read(A, 0x1000);
    s.invContextDevice(A);
    s.read(A, 0x1000);
    assertEquals(2, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(1, s.hits(A)); // the IOTLB entry survives a context invalidation
  }

  // ---- strict invalidation -------------------------------------------------------------------

  @Test
  void unmapInvalidatesAtOnce() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("hit", s.probe(A, 0x1000));
    s.unmap(1, 0x1000, K4);
    assertEquals("miss", s.probe(A, 0x1000)); // not a stale hit
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason());
    assertEquals(1, s.dev(A, FAULTS_READ));
  }

  @Test
  void unmapOfPartOfASuperpageInvalidatesOnlyThatSuperpage() {
    // Linux removes the whole 2 MiB leaf and flushes it (PSI over [0, 2 MiB), am = 9); an IOTLB
    // entry for a 4 KiB page elsewhere (at 4 MiB, same 1 GiB) is not in that range and stays.
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0, M2, RW, M2).map(1, 2 * M2, K4, RW);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("miss", s.probe(A, 2 * M2));
    s.unmap(1, 0x1000, K4);
    assertEquals(1, s.domain(1, io.iommusim.translator.stats.DomainCounter.SUPERPAGE_UNMAPS_BEYOND_RANGE));
    assertEquals("hit", s.probe(A, 2 * M2));
    // every page of the removed superpage is gone, also those outside the unmap range
    assertEquals("miss", s.probe(A, 0x10_0000));
    assertEquals("miss", s.probe(A, 0x0));
    assertEquals(2, s.faults.size());
  }

  @Test
  void unmapOfPartOfAGigabytePageLeavesNoStaleEntry() {
    // the 1 GiB leaf is removed whole; its IOTLB entry intersects the unmap range and must go, so
    // an access far from the unmapped 4 KiB (512 MiB further) misses and faults instead of hitting
    Sim s = new Sim();
    s.attach(A, 1).map(1, Sim.G1, Sim.G1, RW, Sim.G1);
    assertEquals("miss", s.probe(A, Sim.G1 + 0x1000));
    assertEquals("hit", s.probe(A, Sim.G1 + (Sim.G1 / 2)));
    s.unmap(1, Sim.G1 + M2, K4);
    assertEquals("miss", s.probe(A, Sim.G1 + (Sim.G1 / 2)));
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason());
  }

  @Test
  void pageSelectiveInvalidationWithAddressMask() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x10000, 8 * K4, RW); // pages 16..23
    for (long p = 16; p < 24; p++) {
      s.read(A, p * K4); // 8 misses
    }
    // am = 2 → 4 pages, naturally aligned: 0x12000 & ~0x3FFF = 0x10000 → pages 16..19
    s.invPage(1, 0x12000, 2);
    List<String> got = new ArrayList<>();
    for (long p = 16; p < 24; p++) {
      got.add(s.probe(A, p * K4));
    }
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "hit", "hit", "hit"), got);
    // the PSI also dropped the paging-structure entries over the range (PDE/PDPTE/PML4E of region
    // 0): the first re-walk reads all 4 levels, the next three hit the refilled PDE cache
    // before: page 16 cold (4) + pages 17..23 PDE hits (7); after: page 16 cold (4) + 17..19 (3)
    assertEquals((4 + 7) + (4 + 3), s.dev(A, WALK_MEMORY_READS));
    assertEquals(2, s.dev(A, PSC_MISSES));
  }

  @Test
  void pageSelectiveInvalidationAmZeroIsOnePage() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x10000, 2 * K4, RW);
    s.read(A, 0x10000).read(A, 0x11000);
    s.invPage(1, 0x11000, 0);
    assertEquals("hit", s.probe(A, 0x10000));
    assertEquals("miss", s.probe(A, 0x11000));
  }

  @Test
  void pageSelectiveInvalidationDropsACoveringSuperpage() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, M2, M2, RW, M2);
    s.read(A, M2);
    s.invPage(1, M2 + 0x5000, 0); // one 4 KiB page inside the 2 MiB entry
    assertEquals("miss", s.probe(A, M2));
  }

  @Test
  void domainSelectiveDropsOnlyThatDomain() {
    Sim s = new Sim("partition.by=unit");
    s.attach(A, 1).attach(B, 2).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW);
    s.read(A, 0x1000).read(B, 0x1000); // 2 misses, same IOTLB, different domains
    s.invDomain(1);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("hit", s.probe(B, 0x1000));
  }

  @Test
  void domainSelectiveWithPrivateCaches() {
    Sim s = new Sim("partition.by=device");
    s.attach(A, 1).attach(B, 2).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW);
    s.read(A, 0x1000).read(B, 0x1000);
    s.invDomain(2);
    assertEquals("hit", s.probe(A, 0x1000));
    assertEquals("miss", s.probe(B, 0x1000));
  }

  @Test
  void globalDropsAll() {
    Sim s = new Sim();
    s.attach(A, 1).attach(B, 2).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW);
    s.read(A, 0x1000).read(B, 0x1000);
    s.invGlobal();
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("miss", s.probe(B, 0x1000));
  }

  @Test
  void overlappingMapInvalidatesTheOldTranslation() {
    Sim s = new Sim();
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    s.read(A, 0x1000);
    s.map(1, 0x1000, K4, 1); // remapped read-only
    s.write(A, 0x1000, 4); // must see the new leaf: miss + 0x05, not a stale rw hit
    assertEquals(2, s.misses(A));
    assertEquals(0x05, s.faults.get(0).reason());
  }

  // ---- partitioning ------------------------------------------------------------------------------

  @Test
  void partitionByDeviceGivesPrivateIotlbs() {
    Sim s = new Sim("partition.by=device");
    s.attach(A, 1).attach(B, 1).map(1, 0x1000, K4, RW);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("miss", s.probe(B, 0x1000));
    assertEquals("hit", s.probe(A, 0x1000));
    assertEquals("hit", s.probe(B, 0x1000));
    // the unmap reaches both private IOTLBs
    s.unmap(1, 0x1000, K4);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("miss", s.probe(B, 0x1000));
  }

  @Test
  void partitionByUnitSharesTheIotlb() {
    Sim s = new Sim("partition.by=unit");
    s.attach(A, 1).attach(B, 1).map(1, 0x1000, K4, RW);
    assertEquals("miss", s.probe(A, 0x1000));
    assertEquals("hit", s.probe(B, 0x1000));
  }
}
