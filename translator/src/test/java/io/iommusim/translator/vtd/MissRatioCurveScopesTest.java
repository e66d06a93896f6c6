package io.iommusim.translator.vtd;

import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.R;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MissCurves;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.ReplayStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tiny traces with curves worked out by hand: which lookups each scope counts, which invalidations
 * reach it, and the lookups that make a curve inexact (divergent). Curves up to 4 entries, fully
 * associative only ({@code mrc.sets=1}), unless said otherwise.
 */
class MissRatioCurveScopesTest {
  private static final int X = 0x300; // 03:00.0
  private static final int Y = 0x400; // 04:00.0
  private static final long A = 0x10000;
  private static final long B = 0x20000;
  private static final long C = 0x30000;

  private static Sim sim(InvalidationMode mode, String... more) {
    String[] all = new String[more.length + 2];
    all[0] = "mrc.max_entries=4";
    all[1] = "mrc.sets=1";
    System.arraycopy(more, 0, all, 2, more.length);
    return new Sim(mode, all);
  }

  private static Map<CurveKey, ReplayStats.MrcCurve> curves(Sim s) {
    return s.tr.finish().mrc();
  }

  /** misses with 1..4 entries (fully associative). */
  private static long[] misses(ReplayStats.MrcCurve c) {
    return c.curves().missCurve(1);
  }

  @Test
  void detachInvalidatesTheOldDomainInTheUnitAndDomainCurvesButNotInAnotherDevicesCurve() {
    // X and Y share domain 1. X reads A, Y reads B; X detaches (strict: a domain-selective invalidation
    // of domain 1 in every IOTLB X used); Y reads B again.
    Sim s = sim(InvalidationMode.STRICT).attach(X, 1).attach(Y, 1).map(1, A, K4, RW).map(1, B, K4, RW)
        .read(X, A).read(Y, B).detach(X).read(Y, B);
    Map<CurveKey, ReplayStats.MrcCurve> c = curves(s);
    // one shared IOTLB (unit, and domain 1 alone on it): A, B cold; B invalidated by the detach: cold
    assertArrayEquals(new long[] {3, 3, 3, 3}, misses(c.get(CurveKey.ofUnit(0))));
    assertArrayEquals(new long[] {3, 3, 3, 3}, misses(c.get(CurveKey.ofDomain(0, 1))));
    // X's own IOTLB: A cold. Y's own IOTLB is not X's: B stays, the second read hits at depth 1
    assertArrayEquals(new long[] {1, 1, 1, 1}, misses(c.get(CurveKey.ofDevice(0, X))));
    assertArrayEquals(new long[] {1, 1, 1, 1}, misses(c.get(CurveKey.ofDevice(0, Y))));
    assertEquals(2, c.get(CurveKey.ofDevice(0, Y)).curves().accesses());
    assertEquals(3, c.get(CurveKey.ofUnit(0)).curves().accesses());
    // the same in the simulations: partition.by=unit counts 3 misses, partition.by=device Y 1
    Sim unit = new Sim(InvalidationMode.STRICT, "partition.by=unit").attach(X, 1).attach(Y, 1).map(1, A, K4, RW)
        .map(1, B, K4, RW).read(X, A).read(Y, B).detach(X).read(Y, B);
    assertEquals(3, unit.total(io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES));
    Sim device = new Sim(InvalidationMode.STRICT).attach(X, 1).attach(Y, 1).map(1, A, K4, RW).map(1, B, K4, RW)
        .read(X, A).read(Y, B).detach(X).read(Y, B);
    assertEquals(1, device.misses(Y));
  }

  @Test
  void domainCurvesCountTheTagsDomainAndUnitCurvesInterleaveDomains() {
    // X in domain 1 reads A, B; Y in domain 2 reads A (another tag: domain 2); X reads A again
    Sim s = sim(InvalidationMode.STRICT).attach(X, 1).attach(Y, 2).map(1, A, K4, RW).map(1, B, K4, RW)
        .map(2, A, K4, RW).read(X, A).read(X, B).read(Y, A).read(X, A);
    Map<CurveKey, ReplayStats.MrcCurve> c = curves(s);
    // unit: A1 B1 A2 cold, A1 at depth 3 -> misses {4, 4, 3, 3}
    assertArrayEquals(new long[] {4, 4, 3, 3}, misses(c.get(CurveKey.ofUnit(0))));
    // domain 1 (and X): A B cold, A at depth 2 -> {3, 2, 2, 2}
    assertArrayEquals(new long[] {3, 2, 2, 2}, misses(c.get(CurveKey.ofDomain(0, 1))));
    assertArrayEquals(new long[] {3, 2, 2, 2}, misses(c.get(CurveKey.ofDevice(0, X))));
    assertArrayEquals(new long[] {1, 1, 1, 1}, misses(c.get(CurveKey.ofDomain(0, 2))));
  }

  @Test
  void pageSelectiveInvalidationLeavesAHole() {
    // A B C, invalidate C (trace mode, page-selective), then A and B. A 2-entry IOTLB held B, C; the
    // invalidation frees C's way, A misses and takes it, B hits: misses 3 + 1 + 0. Had C simply left
    // the stack, A would look like depth 2 and hit there. The stack keeps a hole at depth 1 instead:
    // A is at depth 3, and its access moves the hole down to A's old place, leaving B at depth 2.
    Sim s = sim(InvalidationMode.TRACE).attach(X, 1).map(1, A, K4, RW).map(1, B, K4, RW).map(1, C, K4, RW)
        .read(X, A).read(X, B).read(X, C).invPage(1, C, 0).read(X, A).read(X, B);
    ReplayStats.MrcCurve unit = curves(s).get(CurveKey.ofUnit(0));
    assertArrayEquals(new long[] {5, 4, 3, 3}, misses(unit));
    assertEquals(0, unit.divergentLookups());
  }

  @Test
  void faultingLookupsMissEverywhereUnlessHeld() {
    // reads of an unmapped page fault (0x06) and fill nothing: a miss at every size, no stack change
    Sim s = sim(InvalidationMode.STRICT).attach(X, 1).map(1, A, K4, RW).read(X, A).read(X, B).read(X, A);
    ReplayStats.MrcCurve c = curves(s).get(CurveKey.ofDevice(0, X));
    assertEquals(3, c.curves().accesses());
    // A cold, B misses everywhere, A still at depth 1 (B never entered any IOTLB)
    assertArrayEquals(new long[] {2, 2, 2, 2}, misses(c));
    assertEquals(0, c.divergentLookups());
  }

  @Test
  void permissionFaultBelowTheTopIsDivergent() {
    // B read-only. Read B, read A, write B: IOTLBs of 2+ entries hit B (and fault, but B becomes most
    // recently used), a 1-entry IOTLB misses, walks, faults and fills nothing. No single LRU stack
    // follows both, so the curve reports the lookup as divergent; the counts of the lookup itself are
    // still exact (1 entry: 3 misses, 2+: 2).
    Sim s = sim(InvalidationMode.STRICT).attach(X, 1).map(1, A, K4, RW).map(1, B, K4, R)
        .read(X, B).read(X, A).write(X, B, 8);
    ReplayStats.MrcCurve c = curves(s).get(CurveKey.ofDevice(0, X));
    assertArrayEquals(new long[] {3, 2, 2, 2}, misses(c));
    assertEquals(1, c.divergentLookups());
    // with 1 entry at most, B (depth 2) is in no IOTLB of the curve: exact
    Sim one = new Sim(InvalidationMode.STRICT, "mrc.max_entries=1", "mrc.sets=1").attach(X, 1).map(1, A, K4, RW)
        .map(1, B, K4, R).read(X, B).read(X, A).write(X, B, 8);
    ReplayStats.MrcCurve oneCurve = curves(one).get(CurveKey.ofDevice(0, X));
    assertEquals(0, oneCurve.divergentLookups());
    assertEquals(3, oneCurve.curves().misses(1, 1));
    // at the top of the stack every IOTLB hits: exact
    Sim top = sim(InvalidationMode.STRICT).attach(X, 1).map(1, B, K4, R).read(X, B).write(X, B, 8);
    assertEquals(0, curves(top).get(CurveKey.ofDevice(0, X)).divergentLookups());
  }

  @Test
  void staleSuperpageOverANewSmallPageIsDivergent() {
    // lazy: a 2 MiB mapping is read, unmapped (queued, its entry stays: stale) and a 4 KiB page mapped
    // in its place. Every IOTLB that still holds the 2 MiB entry hits it; one that lost it walks and
    // fills the 4 KiB tag. The modelled 64-entry IOTLB hits the stale superpage.
    Sim s = sim(InvalidationMode.LAZY).attach(X, 1).map(1, 0x200000, M2, RW, M2).read(X, 0x200000)
        .read(X, A).unmap(1, 0x200000, M2).map(1, 0x200000, K4, RW).read(X, 0x200000);
    ReplayStats.MrcCurve c = curves(s).get(CurveKey.ofDevice(0, X));
    assertEquals(1, c.divergentLookups());
    assertEquals(1, s.dev(X, io.iommusim.translator.stats.DeviceCounter.STALE_HITS));
    // the same with a 1-entry modelled IOTLB, which lost the superpage to B: it walks and fills the
    // 4 KiB tag, but the 2+ entry IOTLBs of the curve still hold the stale superpage
    Sim small = sim(InvalidationMode.LAZY, "iotlb.entries=1").attach(X, 1).map(1, 0x200000, M2, RW, M2)
        .map(1, B, K4, RW).read(X, 0x200000).read(X, B).unmap(1, 0x200000, M2).map(1, 0x200000, K4, RW)
        .read(X, 0x200000);
    assertEquals(0, small.dev(X, io.iommusim.translator.stats.DeviceCounter.STALE_HITS));
    assertEquals(1, curves(small).get(CurveKey.ofDevice(0, X)).divergentLookups());
  }

  @Test
  void staleHitOnTheSameTagIsExact() {
    // lazy: A read, unmapped, remapped (same size, new frame), read: IOTLBs holding A hit the stale
    // entry, the others walk and fill A: the same stack operation
    Sim s = sim(InvalidationMode.LAZY).attach(X, 1).map(1, A, K4, RW).read(X, A).read(X, B).unmap(1, A, K4)
        .map(1, A, K4, RW).read(X, A);
    ReplayStats.MrcCurve c = curves(s).get(CurveKey.ofDevice(0, X));
    assertEquals(0, c.divergentLookups());
    // A cold, B misses everywhere (unmapped), A at depth 1
    assertArrayEquals(new long[] {2, 2, 2, 2}, misses(c));
  }

  @Test
  void unitCurveLeftOutWhenItsDevicesReplayInSeveralGroups() {
    MrcPlan plan = new MrcPlan.Builder().addAttach(0, X, 1).addAttach(0, Y, 2).build(true);
    assertNull(plan.sourceOf(CurveKey.ofUnit(0)));
    assertEquals(java.util.Set.of(0), plan.unitsWithoutUnitCurve());
    assertEquals(CurveKey.ofDevice(0, X), plan.sourceOf(CurveKey.ofDomain(0, 1)));
    // partition.by=unit replays the unit in one task: the unit curve is computed
    assertEquals(CurveKey.ofUnit(0), new MrcPlan.Builder().addAttach(0, X, 1).addAttach(0, Y, 2).build(false)
        .sourceOf(CurveKey.ofUnit(0)));
    // one component (Y moves from domain 2 to domain 1): computed either way
    MrcPlan joined = new MrcPlan.Builder().addAttach(0, X, 1).addAttach(0, Y, 2).addAttach(0, Y, 1).build(true);
    assertEquals(CurveKey.ofUnit(0), joined.sourceOf(CurveKey.ofUnit(0)));
    assertEquals(CurveKey.ofDomain(0, 1), joined.sourceOf(CurveKey.ofDomain(0, 1)));
    assertEquals(CurveKey.ofDomain(0, 2), joined.sourceOf(CurveKey.ofDomain(0, 2))); // Y is in two domains
    // one domain with two devices: the unit curve is the domain's
    MrcPlan shared = new MrcPlan.Builder().addAttach(1, X, 5).addAttach(1, Y, 5).build(true);
    assertEquals(CurveKey.ofDomain(1, 5), shared.sourceOf(CurveKey.ofUnit(1)));
    assertEquals(java.util.List.of(CurveKey.ofUnit(1)), shared.aliasesOf(CurveKey.ofDomain(1, 5)));
  }

  @Test
  void disabledCurvesCostNothingAndReportNothing() {
    Sim s = new Sim(InvalidationMode.STRICT, "mrc.enabled=false").attach(X, 1).map(1, A, K4, RW).read(X, A);
    assertTrue(s.tr.finish().mrc().isEmpty());
  }

  @Test
  void setAssociativeCurvesUseTheIotlbSetIndex() {
    // pages 0, 2, 4 of domain 1 with 2 sets: low bits put all three in set 0, so page 0 is at depth 3
    // of its set when read again; the hash index spreads them (mix64 of 0, 2, 4 decides)
    Sim s = new Sim(InvalidationMode.STRICT, "mrc.max_entries=8", "mrc.sets=2").attach(X, 1).map(1, 0, 5 * K4, RW)
        .read(X, 0).read(X, 2 * K4).read(X, 4 * K4).read(X, 0);
    MissCurves lowBits = curves(s).get(CurveKey.ofDevice(0, X)).curves();
    assertEquals(4, lowBits.misses(2, 2)); // depth 3 in set 0
    assertEquals(3, lowBits.misses(2, 3));
    long[] hashed = new long[3];
    for (int i = 0; i < 3; i++) {
      hashed[i] = io.iommusim.translator.cache.TagCache.mix64(2L * i) & 1;
    }
    Sim h = new Sim(InvalidationMode.STRICT, "mrc.max_entries=8", "mrc.sets=2", "iotlb.index=hash").attach(X, 1)
        .map(1, 0, 5 * K4, RW).read(X, 0).read(X, 2 * K4).read(X, 4 * K4).read(X, 0);
    int sameSetAsPage0 = 0;
    for (int i = 1; i < 3; i++) {
      sameSetAsPage0 += hashed[i] == hashed[0] ? 1 : 0;
    }
    MissCurves hash = curves(h).get(CurveKey.ofDevice(0, X)).curves();
    // page 0 is at depth 1 + (pages hashed to its set since): a hit from that many ways on
    assertEquals(3, hash.misses(2, 1 + sameSetAsPage0));
    if (sameSetAsPage0 > 0) {
      assertEquals(4, hash.misses(2, sameSetAsPage0));
    }
  }

  @Test
  void noAllocationPerLookupOnceWarm() {
    // random reads over 8192 pages (curves up to 1024 entries: most keys enter and leave the
    // counters), a page-selective invalidation every 64 reads; three passes, the third measured
    Sim s = new Sim(InvalidationMode.TRACE, "mrc.max_entries=1024").attach(X, 1).attach(Y, 1)
        .map(1, 0, 8192 * K4, RW);
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    long[] pages = new long[100_000];
    for (int i = 0; i < pages.length; i++) {
      pages[i] = random.nextInt(8192) * K4;
    }
    io.iommusim.trace.TraceEvent read = s.dmaEvent(false, X, 0, 64);
    io.iommusim.trace.TraceEvent inv = s.event(io.iommusim.trace.EventKind.INV_IOTLB);
    inv.granularity = io.iommusim.trace.Granularity.PAGE;
    inv.domain = 1;
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long allocated = 0;
    long ts = 1000;
    for (int pass = 0; pass < 3; pass++) {
      long before = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
      for (int i = 0; i < pages.length; i++) {
        read.tsNs = inv.tsNs = ts++;
        read.sid = (i & 1) == 0 ? X : Y;
        read.addr = pages[i];
        s.tr.apply(read);
        if (i % 64 == 63) {
          inv.addr = pages[i - 7];
          s.tr.apply(inv);
        }
      }
      allocated = bean.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    }
    assertTrue(allocated < 16_384, allocated + " bytes allocated in 100 k lookups");
    assertEquals(4, curves(s).size()); // unit, domain 1, two devices
  }
}
