package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_INVALIDATIONS;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_BEYOND_WIDTH;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_CONTEXT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_ROOT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.LATENCY_SUM_NS;
import static io.iommusim.translator.stats.DeviceCounter.PAGE_WALKS;
import static io.iommusim.translator.stats.DeviceCounter.STALE_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.DeviceCounter;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * ATS device TLBs (ats.devices): lookup order, latencies, counters, inv_devtlb, and how unmaps reach
 * device TLBs in strict and trace mode. Default latencies: devtlb_lookup 2, ats_round_trip 600,
 * iotlb_lookup 3, context_cache_lookup 2, psc_lookup 2, memory_read 250; 48-bit = 4 levels.
 */
class DeviceTlbTest {
  /** 05:00.0 (ATS) and 05:01.0 (ATS in some tests), 06:00.0 (never ATS). */
  private static final int A = 0x0500;
  private static final int B = 0x0508;
  private static final int C = 0x0600;
  private static final String ATS_A = "ats.devices=05:00.0";

  /** Reads 4 bytes at addr and says whether the device TLB answered. */
  private static String atc(Sim s, int sid, long addr) {
    long h = s.dev(sid, DEVTLB_HITS);
    long m = s.dev(sid, DEVTLB_MISSES);
    s.read(sid, addr);
    long dh = s.dev(sid, DEVTLB_HITS) - h;
    long dm = s.dev(sid, DEVTLB_MISSES) - m;
    if (dh + dm != 1) {
      throw new AssertionError("expected one device-TLB lookup, got hits+" + dh + " misses+" + dm);
    }
    return dh == 1 ? "hit" : "miss";
  }

  @Test
  void firstDmaMissesTheDeviceTlbAndPaysTheRoundTripTheNextHitsIt() {
    Sim s = new Sim(InvalidationMode.STRICT, ATS_A);
    s.attach(A, 1).map(1, 0x1000, K4, RW);
    s.read(A, 0x1000);
    // devtlb lookup 2 + ATS round trip 600 + IOMMU: iotlb 3 + context 2 + context miss 2 x 250
    // + psc lookup 2 (all PSC levels miss) + 4 table reads x 250 = 2 + 600 + 5 + 500 + 2 + 1000
    assertEquals(2109, s.dev(A, LATENCY_SUM_NS));
    assertEquals(1, s.dev(A, DEVTLB_MISSES));
    assertEquals(1, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(1, s.dev(A, IOTLB_MISSES));
    assertEquals(1, s.dev(A, PAGE_WALKS));
    s.read(A, 0x1000);
    assertEquals(2109 + 2, s.dev(A, LATENCY_SUM_NS)); // the hit costs the device-TLB lookup only
    assertEquals(1, s.dev(A, DEVTLB_HITS));
    // the hit never reached the IOMMU: context and IOTLB counters unchanged
    assertEquals(1, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(0, s.dev(A, CONTEXT_CACHE_HITS));
    assertEquals(1, s.dev(A, IOTLB_MISSES));
    assertEquals(0, s.dev(A, IOTLB_HITS));
    assertEquals(1, s.dev(A, PAGE_WALKS));
    assertEquals(2, s.dev(A, TRANSLATIONS)); // both are translations
    Histogram lat = s.cell(A, 1).translationLatency;
    assertEquals(2, lat.getTotalCount());
    assertEquals(2, lat.getMinValue()); // exact below 2048
  }

  @Test
  void deviceTlbMissThatHitsTheIotlbCostsLookupRoundTripAndIotlbHit() {
    Sim s = new Sim(InvalidationMode.STRICT, ATS_A);
    s.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000); // 2109 (see above)
    s.invDevtlbDevice(A); // only the device TLB goes
    s.read(A, 0x1000);
    // 2 + 600 + 3 + 2 (context hit, IOTLB hit) = 607
    assertEquals(2109 + 607, s.dev(A, LATENCY_SUM_NS));
    assertEquals(1, s.dev(A, IOTLB_HITS));
    assertEquals(2, s.dev(A, DEVTLB_MISSES));
    assertEquals(1, s.dev(A, DEVTLB_INVALIDATIONS));
  }

  @Test
  void translationsAreDeviceTlbHitsPlusIotlbHitsAndMissesPlusContextAndWidthFaults() {
    Sim s = new Sim(InvalidationMode.STRICT, ATS_A, "partition.by=unit"); // A and B share the IOTLB
    s.attach(A, 1).attach(B, 1).map(1, 0x1000, 2 * K4, RW); // pages 1, 2
    s.read(A, 0x1000); // A: devtlb miss, IOTLB miss
    s.read(A, 0x1000); // A: devtlb hit
    s.read(B, 0x2000); // B (no ATS): IOTLB miss (fills page 2)
    s.read(A, 0x2000); // A: devtlb miss, IOTLB hit
    s.read(A, 1L << 48); // A: devtlb miss, beyond the 48-bit width: fault 0x04
    s.read(A, 0x5000); // A: devtlb miss, IOTLB miss, no leaf: fault 0x06
    s.read(C, 0x1000); // C: never attached, nothing on bus 6: fault 0x01
    assertEquals(5, s.dev(A, TRANSLATIONS));
    assertEquals(1, s.dev(A, DEVTLB_HITS));
    assertEquals(4, s.dev(A, DEVTLB_MISSES));
    assertEquals(1, s.dev(A, IOTLB_HITS));
    assertEquals(2, s.dev(A, IOTLB_MISSES));
    assertEquals(1, s.dev(A, FAULTS_BEYOND_WIDTH));
    assertEquals(1, s.dev(C, FAULTS_ROOT_NOT_PRESENT));
    // the identity, per device and in total: A 5 = 1 + 1 + 2 + 0 + 1; B 1 = 0+0+1; C 1 = context fault
    for (int sid : new int[] {A, B, C}) {
      assertEquals(s.dev(sid, TRANSLATIONS), s.dev(sid, DEVTLB_HITS) + s.dev(sid, IOTLB_HITS)
          + s.dev(sid, IOTLB_MISSES) + s.dev(sid, FAULTS_ROOT_NOT_PRESENT)
          + s.dev(sid, FAULTS_CONTEXT_NOT_PRESENT) + s.dev(sid, FAULTS_BEYOND_WIDTH), "sid " + sid);
    }
    assertEquals(7, s.total(TRANSLATIONS)); // 5 + 1 + 1
    assertEquals(List.of(0x04, 0x06, 0x01), s.faults.stream().map(Sim.Fault::reason).toList());
  }

  @Test
  void invDevtlbPageDeviceAndGlobal() {
    Sim s = new Sim(InvalidationMode.TRACE, "ats.devices=05:00.0,05:01.0");
    s.attach(A, 1).attach(B, 1).map(1, 0x10000, 8 * K4, RW); // pages 16..23
    for (long p = 16; p < 24; p++) {
      s.read(A, p * K4); // A's TLB: pages 16..23
    }
    // am 2 at 0x12000: 4 pages from 0x12000 & ~0x3FFF = 0x10000 -> pages 16..19
    s.invDevtlbPage(A, 0x12000, 2);
    List<String> got = new ArrayList<>();
    for (long p = 16; p < 24; p++) {
      got.add(atc(s, A, p * K4));
    }
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "hit", "hit", "hit"), got);
    assertEquals(1, s.dev(A, DEVTLB_INVALIDATIONS));
    // the misses were answered by the IOTLB (inv_devtlb does not touch it)
    assertEquals(8 + 4, s.dev(A, IOTLB_MISSES) + s.dev(A, IOTLB_HITS));
    assertEquals(4, s.dev(A, IOTLB_HITS));
    s.invDevtlbDevice(A); // A's whole TLB
    assertEquals("miss", atc(s, A, 20 * K4));
    assertEquals("miss", atc(s, A, 23 * K4));
    assertEquals(2, s.dev(A, DEVTLB_INVALIDATIONS));
    s.read(B, 16 * K4); // B's TLB: page 16 (A's holds pages 20 and 23, refilled just above)
    assertEquals("hit", atc(s, B, 16 * K4));
    s.invDevtlbGlobal(); // every device TLB of the unit, one invalidation each
    assertEquals("miss", atc(s, A, 20 * K4));
    assertEquals("miss", atc(s, B, 16 * K4));
    assertEquals(3, s.dev(A, DEVTLB_INVALIDATIONS));
    assertEquals(1, s.dev(B, DEVTLB_INVALIDATIONS));
  }

  @Test
  void invDevtlbPageDropsAWholeSuperpageEntryItTouches() {
    Sim s = new Sim(InvalidationMode.TRACE, ATS_A);
    s.attach(A, 1).map(1, 2 * Sim.M2, Sim.M2, RW, Sim.M2).read(A, 2 * Sim.M2); // one 2 MiB entry
    assertEquals("hit", atc(s, A, 2 * Sim.M2 + 0x1F_F000)); // the same entry covers the last page
    s.invDevtlbPage(A, 2 * Sim.M2 + 0x8000, 0);
    assertEquals("miss", atc(s, A, 2 * Sim.M2 + 0x1F_F000));
  }

  @Test
  void invDevtlbOfADeviceWithoutAtsIsIgnored() {
    Sim s = new Sim(InvalidationMode.TRACE, ATS_A);
    s.attach(B, 1).map(1, 0x1000, K4, RW).read(B, 0x1000);
    s.invDevtlbDevice(B);
    assertEquals(0, s.dev(B, DEVTLB_INVALIDATIONS)); // nothing cached, nothing reached a device
    assertEquals("hit", s.probe(B, 0x1000)); // and the IOTLB is untouched
  }

  @Test
  void strictUnmapAlsoInvalidatesTheDeviceTlb() {
    Sim s = new Sim(InvalidationMode.STRICT, ATS_A);
    s.attach(A, 1).map(1, 0x1000, 2 * K4, RW);
    s.read(A, 0x1000).read(A, 0x2000); // fill both pages in both TLBs
    s.unmap(1, 0x1000, K4);
    assertEquals("miss", atc(s, A, 0x1000)); // gone from the device TLB -> IOMMU -> fault
    assertEquals("hit", atc(s, A, 0x2000)); // outside the unmap: kept
    assertEquals(0, s.dev(A, STALE_HITS));
    assertEquals(1, s.faults.size());
    assertEquals(0x06, s.faults.get(0).reason());
    assertEquals(3, s.dev(A, IOTLB_MISSES)); // 2 fills + the access after the unmap
  }

  @Test
  void traceUnmapMakesADeviceTlbHitStaleUntilInvDevtlb() {
    Sim s = new Sim(InvalidationMode.TRACE, ATS_A);
    s.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000); // ts 3: both TLBs filled
    s.at(100).unmap(1, 0x1000, K4);
    s.at(180).read(A, 0x1000, 32); // device-TLB hit on the stale entry
    assertEquals(1, s.dev(A, DEVTLB_HITS));
    assertEquals(0, s.dev(A, IOTLB_HITS)); // never reached the IOMMU
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(32, s.dev(A, STALE_BYTES));
    s.at(190).invPage(1, 0x1000, 0); // the IOTLB entry goes; the device's copy does not
    s.at(200).read(A, 0x1000);
    assertEquals(2, s.dev(A, DEVTLB_HITS));
    assertEquals(2, s.dev(A, STALE_HITS));
    Histogram h = s.cell(A, 1).staleExposure;
    assertEquals(1, h.getCountAtValue(80)); // 180 - 100
    assertEquals(1, h.getCountAtValue(100)); // 200 - 100
    s.at(300).invDevtlbPage(A, 0x1000, 0);
    s.at(310).read(A, 0x1000); // device-TLB miss -> IOTLB miss -> no leaf
    assertEquals(2, s.dev(A, DEVTLB_MISSES));
    assertEquals(2, s.dev(A, IOTLB_MISSES));
    assertEquals(1, s.faults.size());
    assertEquals(2, s.dev(A, STALE_HITS));
  }

  @Test
  void aDeviceTlbFilledFromAStaleIotlbEntryIsStaleToo() {
    Sim s = new Sim(InvalidationMode.TRACE, ATS_A);
    s.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000); // ts 3
    s.at(100).unmap(1, 0x1000, K4); // both entries stale since 100
    s.at(150).invDevtlbDevice(A); // only the device copy goes
    s.at(200).read(A, 0x1000); // devtlb miss -> stale IOTLB hit (exposure 100) -> refills the device TLB
    s.at(260).read(A, 0x1000); // devtlb hit on the copy: stale since 100 as well (exposure 160)
    assertEquals(1, s.dev(A, IOTLB_HITS));
    assertEquals(1, s.dev(A, DEVTLB_HITS));
    assertEquals(2, s.dev(A, STALE_HITS));
    Histogram h = s.cell(A, 1).staleExposure;
    assertEquals(1, h.getCountAtValue(100));
    assertEquals(1, h.getCountAtValue(160));
    assertEquals(0, s.faults.size());
  }

  @Test
  void strictReattachClearsTheDeviceTlbTraceReattachDoesNot() {
    Sim strict = new Sim(InvalidationMode.STRICT, ATS_A);
    strict.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000).attach(A, 2);
    assertEquals("miss", atc(strict, A, 0x1000)); // cleared -> domain 2 -> no leaf -> fault
    assertEquals(1, strict.faults.size());
    Sim trace = new Sim(InvalidationMode.TRACE, ATS_A);
    trace.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000).attach(A, 2);
    assertEquals("hit", atc(trace, A, 0x1000)); // the device still holds domain 1's translation
    assertEquals(0, trace.faults.size());
    assertEquals(1, trace.cell(A, 2).get(DeviceCounter.DEVTLB_HITS)); // counted under domain 2
  }

  @Test
  void strictAndLazyFlushesAreCountedAsDeviceTlbInvalidationsTraceUnmapsAreNot() {
    Sim st = new Sim(InvalidationMode.STRICT, "ats.devices=05:00.0,05:01.0");
    st.attach(A, 1).attach(B, 2).map(1, 0x1000, 2 * K4, RW);
    st.unmap(1, 0x1000, K4).unmap(1, 0x2000, K4); // each sent to the ATS devices of domain 1: A
    assertEquals(2, st.dev(A, DEVTLB_INVALIDATIONS));
    assertEquals(0, st.dev(B, DEVTLB_INVALIDATIONS)); // B is in domain 2
    st.attach(A, 2); // strict context change: A's TLB flushed, counted in its domain-1 statistics
    assertEquals(3, st.cell(A, 1).get(DEVTLB_INVALIDATIONS));
    st.map(1, 0x3000, K4, RW).unmap(1, 0x3000, K4); // A has left domain 1: nothing sent to it
    assertEquals(3, st.dev(A, DEVTLB_INVALIDATIONS));

    Sim tr = new Sim(InvalidationMode.TRACE, ATS_A);
    tr.attach(A, 1).map(1, 0x1000, K4, RW).read(A, 0x1000).unmap(1, 0x1000, K4).attach(A, 2);
    assertEquals(0, tr.dev(A, DEVTLB_INVALIDATIONS)); // trace: only inv_devtlb events invalidate

    Sim lz = new Sim(InvalidationMode.LAZY, ATS_A, "invalidation.lazy.queue_size=1");
    lz.attach(A, 1).map(1, 0x1000, 2 * K4, RW);
    lz.unmap(1, 0x1000, K4); // queued (0 < 1): nothing sent
    assertEquals(0, lz.dev(A, DEVTLB_INVALIDATIONS));
    lz.unmap(1, 0x2000, K4); // finds 1 queued: domain flush, device TLB included
    assertEquals(1, lz.dev(A, DEVTLB_INVALIDATIONS));
  }
}
