package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_MEMORY_READS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_CONTEXT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_ROOT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_CONTEXT_HITS;
import static io.iommusim.translator.stats.DeviceCounter.STALE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static io.iommusim.translator.vtd.Sim.G1;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.DomainCounter;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * invalidation.mode=trace (only the trace's inv_* events invalidate; a hit on an entry whose mapping
 * was removed or changed is a stale hit) against strict on the same sequences, and trace-mode context
 * caching. Every expected value is worked out by hand in the comment next to it.
 */
class TraceModeStaleHitTest {
  private static final InvalidationMode TRACE = InvalidationMode.TRACE;
  private static final InvalidationMode STRICT = InvalidationMode.STRICT;
  /** 05:00.0 and 05:01.0: same bus. */
  private static final int A = 0x0500;
  private static final int B = 0x0508;

  private static Histogram exposure(Sim s, int sid, int domain) {
    return s.cell(sid, domain).staleExposure;
  }

  // ---- a single unmapped page ------------------------------------------------------------------

  /** attach, map page 1, read it (fill), unmap it at 100, read 0x100 bytes of it at 250. */
  private static Sim unmapThenRead(InvalidationMode mode) {
    Sim s = new Sim(mode);
    s.attach(A, 1).map(1, 0x1000, K4, RW); // ts 1, 2
    s.read(A, 0x1000); // ts 3: IOTLB miss, walk, fill
    s.at(100).unmap(1, 0x1000, K4);
    s.at(250).read(A, 0x1800, 0x100);
    return s;
  }

  @Test
  void traceUnmapLeavesTheEntryAndTheNextAccessIsAStaleHit() {
    Sim s = unmapThenRead(TRACE);
    assertEquals(1, s.hits(A)); // the read at 250 hits the entry filled at ts 3
    assertEquals(1, s.misses(A)); // only the fill at ts 3
    assertEquals(1, s.dev(A, STALE_HITS)); // its mapping was removed at 100
    assertEquals(0x100, s.dev(A, STALE_BYTES)); // the whole 0x100-byte read lies in that one page
    assertEquals(0, s.faults.size()); // the stale entry translates: no fault
    Histogram h = exposure(s, A, 1);
    assertEquals(1, h.getTotalCount()); // one stale hit
    assertEquals(1, h.getCountAtValue(150)); // exposure = 250 (hit) - 100 (unmap)
    assertEquals(1, s.domain(1, DomainCounter.UNMAPS));
    assertEquals(0, s.domain(1, DomainCounter.STRICT_UNMAP_INVALIDATIONS)); // trace: the model adds none
  }

  @Test
  void tracePageSelectiveInvalidationRemovesTheStaleEntry() {
    Sim s = unmapThenRead(TRACE);
    s.at(300).invPage(1, 0x1000, 0); // am 0: the one page 0x1000
    s.at(310).read(A, 0x1000);
    assertEquals(2, s.misses(A)); // fill at 3 + this one
    assertEquals(1, s.hits(A)); // still only the stale hit at 250
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(1, s.faults.size()); // the walk finds no leaf
    Sim.Fault f = s.faults.get(0);
    assertEquals(0x06, f.reason()); // read of a not-present leaf: PTE read access not set
    assertEquals(0x1000, f.addr());
    assertEquals(310, f.ts());
    assertEquals(1, f.domain());
    assertEquals(1, s.domain(1, DomainCounter.INV_IOTLB_PAGE));
  }

  @Test
  void staleBytesCountOnlyThePartOfTheDmaServedByTheStaleEntry() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000); // fill page 1 at ts 3
    s.at(100).unmap(1, 0x1000, K4);
    // 0x1800..0x27FF: page 1 part 0x1800..0x1FFF (0x800 bytes, stale hit), page 2 (never mapped:
    // IOTLB miss, walk, fault 0x06 at 0x2000)
    s.at(200).read(A, 0x1800, K4);
    assertEquals(3, s.dev(A, TRANSLATIONS)); // ts 3 + two pages at 200
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(0x800, s.dev(A, STALE_BYTES));
    assertEquals(1, s.faults.size());
    assertEquals(0x2000, s.faults.get(0).addr());
  }

  // ---- address mask and superpages ----------------------------------------------------------

  @Test
  void traceAddressMaskInvalidatesTwoToTheAmAlignedPages() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, 0x10000, 8 * K4, RW); // pages 16..23
    for (long p = 16; p < 24; p++) {
      s.read(A, p * K4); // 8 fills
    }
    s.at(100).unmap(1, 0x10000, 8 * K4); // all 8 entries stale since 100
    // am 2: 4 pages aligned on 16 KiB: 0x12000 & ~0x3FFF = 0x10000 -> pages 16..19
    s.at(150).invPage(1, 0x12000, 2);
    s.at(200);
    List<String> got = new ArrayList<>();
    for (long p = 16; p < 24; p++) {
      got.add(s.probe(A, p * K4)); // ts 200..207
    }
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "hit", "hit", "hit"), got);
    assertEquals(4, s.dev(A, STALE_HITS)); // pages 20..23
    assertEquals(16, s.dev(A, STALE_BYTES)); // 4 reads of 4 bytes
    Histogram h = exposure(s, A, 1);
    assertEquals(4, h.getTotalCount());
    assertEquals(104, h.getMinValue()); // page 20 read at 204, unmapped at 100
    assertEquals(107, h.getMaxValue()); // page 23 read at 207
    assertEquals(4, s.faults.size()); // pages 16..19 walk to nothing
    for (int i = 0; i < 4; i++) {
      assertEquals(0x06, s.faults.get(i).reason());
      assertEquals((16 + i) * K4, s.faults.get(i).addr());
    }
  }

  @Test
  void anAddressMaskCoveringTheWholeSpaceDropsEveryEntryOfTheDomain() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, 0x10000, 2 * K4, RW).map(1, 0x7000_0000L, K4, RW);
    s.read(A, 0x10000).read(A, 0x11000).read(A, 0x7000_0000L); // 3 fills
    // am 63: 2^63 pages of 4 KiB reach far beyond 2^64 bytes (4096 << 63 would overflow to 0):
    // every entry of domain 1 goes, wherever it is
    s.invPage(1, 0, 63);
    assertEquals(List.of("miss", "miss", "miss"),
        List.of(s.probe(A, 0x10000), s.probe(A, 0x11000), s.probe(A, 0x7000_0000L)));
  }

  @Test
  void traceSuperpageEntryIsStaleAfterAPartialUnmapAndDroppedByAPageInvalidationInside() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, M2, M2, RW, M2); // one 2 MiB leaf at 2 MiB
    s.read(A, M2 + 0x3000); // ts 3: one 2 MiB IOTLB entry
    // Linux removes the whole 2 MiB leaf even for a 4 KiB unmap inside it
    s.at(100).unmap(1, M2 + 0x1000, K4);
    assertEquals(1, s.domain(1, DomainCounter.SUPERPAGE_UNMAPS_BEYOND_RANGE));
    // an address of the superpage outside the unmapped 4 KiB still hits the (stale) 2 MiB entry
    s.at(200).read(A, M2 + 0x10_0000, 16);
    assertEquals(1, s.hits(A));
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(16, s.dev(A, STALE_BYTES));
    assertEquals(1, exposure(s, A, 1).getCountAtValue(100)); // 200 - 100
    // PSI of one 4 KiB page inside the superpage drops the covering 2 MiB entry
    s.at(300).invPage(1, M2 + 0x5000, 0);
    s.at(310).read(A, M2 + 0x10_0000);
    assertEquals(2, s.misses(A));
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason()); // the leaf is gone from the table
    assertEquals(M2 + 0x10_0000, s.faults.get(0).addr());
  }

  @Test
  void traceGigabyteEntryIsDroppedByAPageInvalidationOfAnAlignedBlockInsideIt() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, G1, G1, RW, G1);
    s.read(A, G1); // one 1 GiB entry
    s.at(100).unmap(1, G1, G1);
    s.at(200).read(A, G1 + 0x2000_0000); // stale hit 512 MiB into the page
    assertEquals(1, s.dev(A, STALE_HITS));
    // am 9: 512 pages = 2 MiB aligned: [G1 + 2 MiB, G1 + 4 MiB) intersects the 1 GiB entry
    s.at(300).invPage(1, G1 + M2 + 0x1000, 9);
    assertEquals("miss", s.probe(A, G1 + 0x2000_0000));
    assertEquals(1, s.faults.size());
  }

  // ---- domain-selective and global ----------------------------------------------------------

  @Test
  void traceDomainSelectiveThenGlobalInvalidation() {
    Sim s = new Sim(TRACE, "partition.by=unit"); // one shared IOTLB for both domains
    s.attach(A, 1).attach(B, 2).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW); // ts 1..4
    s.read(A, 0x1000).read(B, 0x1000); // ts 5, 6: two fills, tags (1, p1) and (2, p1)
    s.at(100).unmap(1, 0x1000, K4); // ts 100
    s.unmap(2, 0x1000, K4); // ts 101
    s.at(200).invDomain(1); // drops only domain 1's entry
    s.at(300);
    assertEquals("miss", s.probe(A, 0x1000)); // ts 300: domain 1 entry gone -> walk -> fault
    assertEquals("hit", s.probe(B, 0x1000)); // ts 301: domain 2 entry still cached (stale)
    assertEquals(0, s.dev(A, STALE_HITS));
    assertEquals(1, s.dev(B, STALE_HITS));
    assertEquals(1, exposure(s, B, 2).getCountAtValue(200)); // 301 - 101
    assertEquals(1, s.domain(1, DomainCounter.INV_IOTLB_DOMAIN));
    assertEquals(0, s.domain(2, DomainCounter.INV_IOTLB_DOMAIN));
    s.at(400).invGlobal();
    assertEquals("miss", s.probe(B, 0x1000)); // ts 401
    assertEquals(1, s.dev(B, STALE_HITS));
    assertEquals(2, s.faults.size()); // A at 300, B at 401
    assertEquals(A, s.faults.get(0).sid());
    assertEquals(B, s.faults.get(1).sid());
    assertEquals(401, s.faults.get(1).ts());
  }

  // ---- remap ---------------------------------------------------------------------------------

  /** map page 1 -> 0x7000_0000, fill, unmap at 100, map it again -> 0x8000_0000 at 150, read 64 B at 400. */
  private static Sim unmapRemapRead(InvalidationMode mode) {
    Sim s = new Sim(mode);
    s.attach(A, 1).mapTo(1, 0x1000, K4, 0x7000_0000L, RW);
    s.read(A, 0x1000); // ts 3: fill with the old phys
    s.at(100).unmap(1, 0x1000, K4);
    s.at(150).mapTo(1, 0x1000, K4, 0x8000_0000L, RW);
    s.at(400).read(A, 0x1000, 64);
    return s;
  }

  @Test
  void traceRemapToANewPhysLeavesTheOldEntryStaleSinceTheUnmap() {
    Sim s = unmapRemapRead(TRACE);
    assertEquals(1, s.hits(A)); // the old entry answers
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(64, s.dev(A, STALE_BYTES));
    // exposure counts from the unmap (100), not the new map (150): 400 - 100
    assertEquals(1, exposure(s, A, 1).getCountAtValue(300));
    assertEquals(0, s.domain(1, DomainCounter.MAP_OVERLAP_PAGES)); // the page was unmapped at 150
    // after the PSI the new mapping is walked and cached fresh
    s.at(500).invPage(1, 0x1000, 0);
    s.at(510).read(A, 0x1000).read(A, 0x1000); // miss (walk ok), then fresh hit
    assertEquals(2, s.misses(A));
    assertEquals(2, s.hits(A));
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(0, s.faults.size());
  }

  @Test
  void traceOverlappingMapMarksTheCachedEntryStaleFromTheMap() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).mapTo(1, 0x1000, K4, 0x7000_0000L, RW).read(A, 0x1000); // fill at 3
    s.at(500).mapTo(1, 0x1000, K4, 0x8000_0000L, RW); // replaces the leaf, no unmap
    s.at(700).read(A, 0x1000);
    assertEquals(1, s.domain(1, DomainCounter.MAP_OVERLAP_PAGES));
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(1, exposure(s, A, 1).getCountAtValue(200)); // 700 - 500
  }

  // ---- strict on the same sequences -------------------------------------------------------------

  @Test
  void strictNeverHitsStaleOnTheSameSequences() {
    Sim s = unmapThenRead(STRICT);
    // the unmap invalidated the entry: the read at 250 walks and faults
    assertEquals(0, s.hits(A));
    assertEquals(2, s.misses(A));
    assertEquals(0, s.dev(A, STALE_HITS));
    assertEquals(0, s.dev(A, STALE_BYTES));
    assertEquals(0, exposure(s, A, 1).getTotalCount());
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason());
    assertEquals(1, s.domain(1, DomainCounter.STRICT_UNMAP_INVALIDATIONS));

    Sim r = unmapRemapRead(STRICT);
    assertEquals(0, r.hits(A)); // invalidated at 100: the read at 400 walks the new mapping
    assertEquals(2, r.misses(A));
    assertEquals(0, r.dev(A, STALE_HITS));
    assertEquals(0, r.faults.size());

    Sim sp = new Sim(STRICT);
    sp.attach(A, 1).map(1, M2, M2, RW, M2).read(A, M2 + 0x3000);
    sp.at(100).unmap(1, M2 + 0x1000, K4);
    sp.at(200).read(A, M2 + 0x10_0000);
    assertEquals(0, sp.hits(A)); // the intersecting 2 MiB entry went with the unmap
    assertEquals(0, sp.dev(A, STALE_HITS));

    Sim o = new Sim(STRICT);
    o.attach(A, 1).mapTo(1, 0x1000, K4, 0x7000_0000L, RW).read(A, 0x1000);
    o.at(500).mapTo(1, 0x1000, K4, 0x8000_0000L, RW);
    o.at(700).read(A, 0x1000);
    assertEquals(0, o.dev(A, STALE_HITS)); // the replaced leaf's entry was invalidated at the map
    assertEquals(2, o.misses(A));

    Sim d = new Sim(STRICT, "partition.by=unit");
    d.attach(A, 1).attach(B, 2).map(1, 0x1000, K4, RW).map(2, 0x1000, K4, RW);
    d.read(A, 0x1000).read(B, 0x1000);
    d.at(100).unmap(1, 0x1000, K4).unmap(2, 0x1000, K4);
    d.at(300).read(A, 0x1000).read(B, 0x1000);
    assertEquals(0, d.total(STALE_HITS));
    assertEquals(4, d.total(IOTLB_MISSES)); // 2 fills + 2 after the unmaps
    assertEquals(0, d.total(IOTLB_HITS));
  }

  // ---- trace-mode context cache ------------------------------------------------------------------

  @Test
  void traceDetachWithoutContextInvalidationKeepsTranslatingThenFaultsRootNotPresent() {
    Sim s = new Sim(TRACE);
    s.attach(A, 1).map(1, 0x1000, 2 * K4, RW); // ts 1, 2
    s.read(A, 0x1000); // ts 3: context miss (root + context read), IOTLB miss
    s.detach(A); // ts 4: trace mode, nothing invalidated
    s.read(A, 0x2000); // ts 5: cached context entry -> domain 1 -> IOTLB miss -> walk ok
    assertEquals(0, s.faults.size());
    // counted in the device's current cell: detached, domain -1
    assertEquals(1, s.cell(A, -1).get(STALE_CONTEXT_HITS));
    assertEquals(1, s.cell(A, -1).get(CONTEXT_CACHE_HITS));
    assertEquals(1, s.cell(A, -1).get(IOTLB_MISSES));
    assertEquals(0, s.dev(A, STALE_HITS)); // the translation itself is still mapped
    s.invContextDevice(A); // ts 6
    s.read(A, 0x1000); // ts 7: context miss; no device on bus 5 attached -> root entry not present
    assertEquals(1, s.faults.size());
    assertEquals(0x01, s.faults.get(0).reason());
    assertEquals(-1, s.faults.get(0).domain());
    assertEquals(1, s.cell(A, -1).get(FAULTS_ROOT_NOT_PRESENT));
    // reads: 2 (ts 3) + 1 root entry (ts 7: not present, so no context entry read)
    assertEquals(3, s.dev(A, CONTEXT_MEMORY_READS));
    assertEquals(2, s.dev(A, CONTEXT_CACHE_MISSES));
  }

  @Test
  void traceDetachWithAnotherDeviceOnTheBusFaultsContextNotPresentAfterInvContext() {
    Sim s = new Sim(TRACE);
    s.attach(B, 2).attach(A, 1).map(1, 0x1000, K4, RW); // B keeps bus 5's root entry present
    s.read(A, 0x1000).detach(A).read(A, 0x1000); // the second read: stale context hit, IOTLB hit
    assertEquals(1, s.dev(A, STALE_CONTEXT_HITS));
    assertEquals(1, s.hits(A));
    assertEquals(0, s.faults.size());
    s.invContextDevice(A).read(A, 0x1000);
    assertEquals(1, s.faults.size());
    assertEquals(0x02, s.faults.get(0).reason()); // root present, context entry not
    assertEquals(1, s.dev(A, FAULTS_CONTEXT_NOT_PRESENT));
    assertEquals(2 + 2, s.dev(A, CONTEXT_MEMORY_READS)); // both misses read root + context
  }

  @Test
  void strictDetachFaultsAtOnce() {
    Sim s = new Sim(STRICT);
    s.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000).detach(A).read(A, 0x1000);
    assertEquals(0, s.dev(A, STALE_CONTEXT_HITS));
    assertEquals(1, s.faults.size());
    assertEquals(0x01, s.faults.get(0).reason());
  }

  @Test
  void traceReattachToAnotherDomainTranslatesInTheOldDomainUntilInvContext() {
    Sim s = new Sim(TRACE);
    // domain 1 maps pages 1 and 2; domain 2 maps nothing
    s.attach(A, 1).map(1, 0x1000, 2 * K4, RW); // ts 1, 2
    s.read(A, 0x1000); // ts 3: context entry (domain 1) cached
    s.attach(A, 2); // ts 4: no invalidation in trace mode
    s.read(A, 0x2000); // ts 5: cached context -> domain 1 -> walk domain 1's table: ok
    assertEquals(0, s.faults.size()); // in domain 2 this would have faulted 0x06
    assertEquals(1, s.cell(A, 2).get(STALE_CONTEXT_HITS)); // counted under the current domain
    assertEquals(1, s.cell(A, 2).get(IOTLB_MISSES));
    s.read(A, 0x2000); // ts 6: IOTLB hit on the domain-1 entry just filled
    assertEquals(1, s.cell(A, 2).get(IOTLB_HITS));
    assertEquals(2, s.cell(A, 2).get(STALE_CONTEXT_HITS));
    s.invContextDevice(A); // ts 7
    s.read(A, 0x2000); // ts 8: context miss -> domain 2 -> IOTLB miss (domain-2 tag) -> no leaf
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason());
    assertEquals(2, s.faults.get(0).domain());
    assertEquals(2, s.cell(A, 2).get(STALE_CONTEXT_HITS)); // unchanged: this one was a miss
    assertEquals(1, s.cell(A, 2).get(CONTEXT_CACHE_MISSES));
  }
}
