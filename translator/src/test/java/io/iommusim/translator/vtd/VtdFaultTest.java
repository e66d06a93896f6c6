package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_MEMORY_READS;
import static io.iommusim.translator.stats.DeviceCounter.DMA_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.DMA_EVENTS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_BEYOND_WIDTH;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_CONTEXT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_READ;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_ROOT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_WRITE;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.LATENCY_SUM_NS;
import static io.iommusim.translator.stats.DeviceCounter.PAGE_WALKS;
import static io.iommusim.translator.stats.DeviceCounter.PASSTHROUGH_ACCESSES;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.R;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.translator.vtd.Sim.Fault;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Fault reasons (iommu-semantics.md §1.3) and the fault record fields. Sids: 0x0100 = 00:01:00.0 /
 * bus 1, 0x0108 = 01:01.0, 0x0110 = 01:02.0, 0x0200 = bus 2.
 */
class VtdFaultTest {
  private static final int A = 0x0108;
  private static final int B = 0x0110;
  private static final int OTHER_BUS = 0x0200;

  @Test
  void rootEntryNotPresentWhenNoDeviceOnTheBusIsAttached() {
    Sim s = new Sim();
    s.read(A, 0x5000); // seq 1: nothing attached anywhere → bus 1 has no context table → 0x01
    assertEquals(1, s.faults.size());
    Fault f = s.faults.get(0);
    assertEquals(new Fault(1, 1, 0, A, -1, -1, 0x5000, false, 0x01), f);
    // One translation, counted as a context fault; the root entry is the only memory read (its P
    // bit is clear, so no context entry is fetched).
    assertEquals(1, s.dev(A, TRANSLATIONS));
    assertEquals(1, s.dev(A, FAULTS));
    assertEquals(1, s.dev(A, FAULTS_ROOT_NOT_PRESENT));
    assertEquals(1, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(1, s.dev(A, CONTEXT_MEMORY_READS));
    assertEquals(0, s.dev(A, IOTLB_HITS) + s.dev(A, IOTLB_MISSES));
    // latency: iotlb 3 + context cache 2 + 1 read × 250 = 255
    assertEquals(255, s.dev(A, LATENCY_SUM_NS));
    // the device's cell has no domain
    assertEquals(1, s.cell(A, -1).get(FAULTS));
  }

  @Test
  void contextEntryNotPresentWhenAnotherDeviceOnTheBusIsAttached() {
    Sim s = new Sim();
    s.attach(A, 5); // seq 1: bus 1 gets a context table
    s.write(B, 0x7000, 16); // seq 2: B on bus 1 → root present, context entry clear → 0x02
    s.read(OTHER_BUS, 0x7000); // seq 3: bus 2 → 0x01
    assertEquals(2, s.faults.size());
    assertEquals(new Fault(2, 2, 0, B, -1, -1, 0x7000, true, 0x02), s.faults.get(0));
    assertEquals(new Fault(3, 3, 0, OTHER_BUS, -1, -1, 0x7000, false, 0x01), s.faults.get(1));
    assertEquals(1, s.dev(B, FAULTS_CONTEXT_NOT_PRESENT));
    assertEquals(0, s.dev(B, FAULTS_ROOT_NOT_PRESENT));
    // 0x02: root entry and context entry both read = 2 reads; latency 5 + 2 × 250 = 505
    assertEquals(2, s.dev(B, CONTEXT_MEMORY_READS));
    assertEquals(505, s.dev(B, LATENCY_SUM_NS));

    // detaching A empties bus 1 again: B now faults 0x01
    s.detach(A); // seq 4
    s.read(B, 0x7000); // seq 5
    assertEquals(new Fault(5, 5, 0, B, -1, -1, 0x7000, false, 0x01), s.faults.get(2));
    // a detached device itself faults like any unattached one (its bus is empty → 0x01)
    s.read(A, 0x7000); // seq 6
    assertEquals(new Fault(6, 6, 0, A, -1, -1, 0x7000, false, 0x01), s.faults.get(3));
  }

  @Test
  void passThroughDeviceKeepsTheBusPresent() {
    Sim s = new Sim();
    s.passthrough(A); // a pass-through context entry is present too
    s.read(B, 0x1000);
    assertEquals(0x02, s.faults.get(0).reason());
  }

  @Test
  void contextFaultsAreReportedPerPage() {
    Sim s = new Sim();
    // an 8 KiB read at 0x3000 touches pages 0x3000 and 0x4000: two translations, two faults
    s.read(A, 0x3000, 2 * K4);
    assertEquals(2, s.faults.size());
    assertEquals(0x3000, s.faults.get(0).addr());
    assertEquals(0x4000, s.faults.get(1).addr());
    assertEquals(2, s.dev(A, TRANSLATIONS));
    assertEquals(1, s.dev(A, DMA_EVENTS));
    assertEquals(2 * K4, s.dev(A, DMA_BYTES));
  }

  @ParameterizedTest
  @ValueSource(ints = {39, 48, 57})
  void addressBeyondWidth(int width) {
    Sim s = new Sim("iommu.address_width=" + width);
    long limit = 1L << width;
    s.attach(A, 9); // seq 1
    s.map(9, limit - K4, K4, RW); // seq 2: the last page below 2^width
    s.read(A, limit - K4); // seq 3: fine, miss
    s.read(A, limit - 4, 4); // seq 4: last 4 bytes below 2^width: hit
    s.read(A, limit); // seq 5: IOVA = 2^width → 0x04
    s.write(A, limit + 0x1000, 8); // seq 6: 0x04 as well
    s.write(A, -4096L, 8); // seq 7: bit 63 set → beyond every width
    assertEquals(3, s.faults.size());
    assertEquals(new Fault(5, 5, 0, A, -1, 9, limit, false, 0x04), s.faults.get(0));
    assertEquals(new Fault(6, 6, 0, A, -1, 9, limit + 0x1000, true, 0x04), s.faults.get(1));
    assertEquals(0x04, s.faults.get(2).reason());
    assertEquals(3, s.dev(A, FAULTS_BEYOND_WIDTH));
    // beyond-width faults are not IOTLB lookups: 1 miss + 1 hit only
    assertEquals(1, s.dev(A, IOTLB_MISSES));
    assertEquals(1, s.dev(A, IOTLB_HITS));
    assertEquals(5, s.dev(A, TRANSLATIONS));
  }

  @Test
  void dmaStraddlingTheWidthLimitFaultsOnlyBeyondIt() {
    Sim s = new Sim("iommu.address_width=39");
    long limit = 1L << 39;
    s.attach(A, 1).map(1, limit - K4, K4, RW);
    s.read(A, limit - K4, 2 * K4); // page below the limit translates (miss), page at the limit faults
    assertEquals(1, s.faults.size());
    assertEquals(limit, s.faults.get(0).addr());
    assertEquals(0x04, s.faults.get(0).reason());
    assertEquals(2, s.dev(A, TRANSLATIONS));
    assertEquals(1, s.dev(A, IOTLB_MISSES));
  }

  @Test
  void writeToReadOnlyAndUnmappedPagesFaults05ReadOfUnmapped06() {
    Sim s = new Sim();
    s.attach(A, 3); // seq 1
    s.map(3, 0x10000, K4, R); // seq 2: read-only page
    s.read(A, 0x10000); // seq 3: ok (miss, fills the IOTLB with perm R)
    s.write(A, 0x10000, 8); // seq 4: IOTLB hit but no W → 0x05
    s.write(A, 0x20000, 8); // seq 5: unmapped page written → 0x05 (write permission of a not-present entry)
    s.read(A, 0x30000); // seq 6: unmapped page read → 0x06
    assertEquals(3, s.faults.size());
    assertEquals(new Fault(4, 4, 0, A, -1, 3, 0x10000, true, 0x05), s.faults.get(0));
    assertEquals(new Fault(5, 5, 0, A, -1, 3, 0x20000, true, 0x05), s.faults.get(1));
    assertEquals(new Fault(6, 6, 0, A, -1, 3, 0x30000, false, 0x06), s.faults.get(2));
    assertEquals(2, s.dev(A, FAULTS_WRITE));
    assertEquals(1, s.dev(A, FAULTS_READ));
    assertEquals(3, s.dev(A, FAULTS));
    // seq 3 miss, seq 4 hit (perm check on the cached entry), seq 5/6 misses with walks
    assertEquals(1, s.dev(A, IOTLB_HITS));
    assertEquals(3, s.dev(A, IOTLB_MISSES));
    assertEquals(3, s.dev(A, PAGE_WALKS));
    // failed translations are never cached: the unmapped pages miss again
    s.read(A, 0x30000);
    assertEquals(4, s.dev(A, IOTLB_MISSES));
  }

  @Test
  void writeToReadOnlyPageFaultsOnAColdWalkToo() {
    Sim s = new Sim();
    s.attach(A, 3).map(3, 0x10000, K4, R);
    s.write(A, 0x10000, 8); // miss → walk → leaf R only → 0x05
    assertEquals(0x05, s.faults.get(0).reason());
    assertTrue(s.faults.get(0).write());
    // nothing cached: a read afterwards misses (and succeeds)
    s.read(A, 0x10000);
    assertEquals(2, s.dev(A, IOTLB_MISSES));
    assertEquals(1, s.faults.size());
  }

  @Test
  void faultsCarryUnitAndPasid() {
    Sim s = new Sim();
    s.unit = 2;
    s.attach(A, 4);
    var e = s.dmaEvent(false, A, 0x9000, 4);
    e.pasid = 17;
    s.apply(e);
    Fault f = s.faults.get(0);
    assertEquals(2, f.unit());
    assertEquals(17, f.pasid());
    assertEquals(4, f.domain());
    assertEquals(0x06, f.reason());
    assertFalse(f.write());
  }

  @Test
  void passThroughIsNotTranslated() {
    Sim s = new Sim();
    s.passthrough(A); // seq 1
    s.read(A, 0x1000, 2 * K4); // 2 pages, nothing mapped anywhere
    s.write(A, 1L << 50, 8); // beyond the 48-bit width: still not translated, no fault
    assertEquals(0, s.faults.size());
    assertEquals(3, s.dev(A, PASSTHROUGH_ACCESSES));
    assertEquals(0, s.dev(A, TRANSLATIONS));
    assertEquals(0, s.dev(A, IOTLB_HITS) + s.dev(A, IOTLB_MISSES));
    assertEquals(0, s.dev(A, PAGE_WALKS));
    // the context entry is still looked up: first page misses (2 reads), the other two hit
    assertEquals(1, s.dev(A, CONTEXT_CACHE_MISSES));
    assertEquals(2, s.dev(A, CONTEXT_CACHE_HITS));
    assertEquals(2, s.dev(A, CONTEXT_MEMORY_READS));
    assertEquals(0, s.tr.stats().cell(0, A, -1).translationLatency.getTotalCount());
  }

  @Test
  void translationsIdentity() {
    Sim s = new Sim("iommu.address_width=39");
    s.read(A, 0x1000); // 0x01
    s.attach(B, 1);
    s.read(A, 0x1000); // 0x02
    s.map(1, 0x1000, 2 * K4, R);
    s.read(B, 0x1000, 2 * K4); // 2 misses
    s.read(B, 0x1000); // hit
    s.write(B, 0x1000, 4); // hit + 0x05
    s.read(B, 0x9000); // miss + 0x06
    s.read(B, 1L << 39); // 0x04
    long translations = s.total(TRANSLATIONS);
    long hits = s.total(IOTLB_HITS);
    long misses = s.total(IOTLB_MISSES);
    long ctx = s.total(FAULTS_ROOT_NOT_PRESENT) + s.total(FAULTS_CONTEXT_NOT_PRESENT);
    long beyond = s.total(FAULTS_BEYOND_WIDTH);
    // by hand: 2 context faults, 2 + 1 + 1 + 1 IOTLB lookups (2 hits, 3 misses), 1 beyond width = 8
    assertEquals(2, hits);
    assertEquals(3, misses);
    assertEquals(2, ctx);
    assertEquals(1, beyond);
    assertEquals(8, translations);
    assertEquals(translations, hits + misses + ctx + beyond);
    assertEquals(5, s.total(FAULTS));
  }
}
