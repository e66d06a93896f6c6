package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DomainCounter.MAPPED_PAGES;
import static io.iommusim.translator.stats.DomainCounter.MAPS;
import static io.iommusim.translator.stats.DomainCounter.MAP_OVERLAP_PAGES;
import static io.iommusim.translator.stats.DomainCounter.PAGE_TABLE_PAGES;
import static io.iommusim.translator.stats.DomainCounter.SUPERPAGE_SPLITS;
import static io.iommusim.translator.stats.DomainCounter.SUPERPAGE_UNMAPS_BEYOND_RANGE;
import static io.iommusim.translator.stats.DomainCounter.UNMAPPED_PAGES;
import static io.iommusim.translator.stats.DomainCounter.UNMAPS;
import static io.iommusim.translator.stats.DomainCounter.UNMAP_OF_UNMAPPED_PAGES;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.ReplayException;
import io.iommusim.translator.stats.DeviceCounter;
import org.junit.jupiter.api.Test;

/** domain_stats counters from map/unmap, and events the model must reject. */
class MapCountersAndBadEventsTest {
  private static final int DEV = 0x0600;

  @Test
  void mapAndUnmapCounters() {
    Sim s = new Sim();
    s.map(1, 0x1000, 4 * K4, RW); // pages 1..4: maps 1, mapped 4
    s.map(1, 0x3000, 4 * K4, RW); // pages 3..6: pages 3, 4 already mapped → overlap 2; mapped 8
    assertEquals(2, s.domain(1, MAPS));
    assertEquals(8, s.domain(1, MAPPED_PAGES));
    assertEquals(2, s.domain(1, MAP_OVERLAP_PAGES));

    s.unmap(1, 0, 8 * K4); // pages 0..7: 1..6 mapped → 6 unmapped, 0 and 7 were not → 2
    assertEquals(1, s.domain(1, UNMAPS));
    assertEquals(6, s.domain(1, UNMAPPED_PAGES));
    assertEquals(2, s.domain(1, UNMAP_OF_UNMAPPED_PAGES));

    s.map(1, M2, M2, RW, M2); // one 2 MiB leaf = 512 4 KiB pages → mapped 520
    assertEquals(520, s.domain(1, MAPPED_PAGES));
    s.unmap(1, M2 + K4, K4); // 4 KiB inside it: the whole leaf goes (Linux) → +512 unmapped
    assertEquals(1, s.domain(1, SUPERPAGE_UNMAPS_BEYOND_RANGE));
    assertEquals(6 + 512, s.domain(1, UNMAPPED_PAGES));
    assertEquals(2, s.domain(1, UNMAP_OF_UNMAPPED_PAGES)); // the 4 KiB were mapped: unchanged

    s.map(1, 2 * M2, M2, RW, M2); // 520 + 512 = 1032
    s.map(1, 2 * M2 + K4, K4, RW); // splits the 2 MiB leaf; the 4 KiB page was mapped → overlap +1
    assertEquals(1, s.domain(1, SUPERPAGE_SPLITS));
    assertEquals(3, s.domain(1, MAP_OVERLAP_PAGES));
    assertEquals(1033, s.domain(1, MAPPED_PAGES));
    assertEquals(5, s.domain(1, MAPS));
    // tables: root, PDPT, PD and the PT of the first 2 MiB (first map), + the split's PT = 5
    s.tr.finish();
    assertEquals(5, s.domain(1, PAGE_TABLE_PAGES));
    // nothing leaks into another domain
    assertEquals(0, s.domain(2, MAPS));
  }

  private static ReplayException rejects(Sim s, TraceEvent e) {
    return assertThrows(ReplayException.class, () -> s.apply(e));
  }

  @Test
  void misalignedMapCarriesItsSeq() {
    Sim s = new Sim();
    s.attach(DEV, 1); // seq 1
    TraceEvent e = s.mapEvent(1, 0x1800, K4, RW, K4); // seq 2
    ReplayException ex = rejects(s, e);
    assertEquals(2, ex.seq());
    // a 2 MiB page at a 4 KiB-aligned address
    TraceEvent big = s.mapEvent(1, 0x1000, Sim.M2, RW, Sim.M2); // seq 3
    assertEquals(3, rejects(s, big).seq());
    // a page size that is not a VT-d leaf size
    TraceEvent odd = s.mapEvent(1, 0x10000, 0x10000, RW, 0x10000);
    assertEquals(odd.seq, rejects(s, odd).seq());
    // perm 0 would write non-present leaves
    TraceEvent none = s.mapEvent(1, 0x1000, K4, 0, K4);
    assertEquals(none.seq, rejects(s, none).seq());
    // a range beyond the address width
    TraceEvent wide = s.mapEvent(1, (1L << 48) - K4, 2 * K4, RW, K4);
    assertEquals(wide.seq, rejects(s, wide).seq());
    // nothing was counted for rejected maps
    assertEquals(0, s.domain(1, MAPS));
  }

  @Test
  void misalignedUnmap() {
    Sim s = new Sim();
    TraceEvent e = s.event(EventKind.UNMAP);
    e.domain = 1;
    e.addr = 0x1234;
    e.size = K4;
    assertEquals(e.seq, rejects(s, e).seq());
  }

  @Test
  void dmaWithoutSid() {
    Sim s = new Sim();
    TraceEvent e = s.dmaEvent(false, TraceEvent.NONE, 0x1000, 4);
    ReplayException ex = rejects(s, e);
    assertEquals(e.seq, ex.seq());
    assertTrue(ex.getMessage().contains("sid"), ex.getMessage());
  }

  @Test
  void dmaOfSizeZero() {
    Sim s = new Sim();
    TraceEvent e = s.dmaEvent(true, DEV, 0x1000, 0);
    assertEquals(e.seq, rejects(s, e).seq());
  }

  @Test
  void attachDomainMustBeSixteenBits() {
    Sim s = new Sim();
    TraceEvent e = s.event(EventKind.ATTACH);
    e.sid = DEV;
    e.domain = 65536;
    ReplayException ex = rejects(s, e);
    assertEquals(e.seq, ex.seq());
    assertTrue(ex.getMessage().contains("65536"), ex.getMessage());
    TraceEvent missing = s.event(EventKind.ATTACH);
    missing.sid = DEV;
    assertEquals(missing.seq, rejects(s, missing).seq()); // domain -1 (absent)
    s.attach(DEV, 65535); // the largest DID is fine
    assertEquals(0, s.faults.size());
  }

  @Test
  void mapWithoutDomain() {
    Sim s = new Sim();
    TraceEvent e = s.mapEvent(TraceEvent.NONE, 0x1000, K4, RW, K4);
    assertEquals(e.seq, rejects(s, e).seq());
  }

  @Test
  void invalidationWithWrongGranularity() {
    Sim s = new Sim();
    TraceEvent e = s.event(EventKind.INV_IOTLB);
    e.granularity = Granularity.DEVICE;
    e.sid = DEV;
    assertEquals(e.seq, rejects(s, e).seq());
    TraceEvent c = s.event(EventKind.INV_CONTEXT);
    c.granularity = Granularity.PAGE;
    assertEquals(c.seq, rejects(s, c).seq());
  }

  @Test
  void eventsAreCountedByKind() {
    Sim s = new Sim();
    s.attach(DEV, 1).map(1, 0x1000, K4, RW).read(DEV, 0x1000).read(DEV, 0x1000).write(DEV, 0x1000, 4);
    long[] byKind = s.tr.stats().eventsByKind();
    assertEquals(1, byKind[EventKind.ATTACH.ordinal()]);
    assertEquals(1, byKind[EventKind.MAP.ordinal()]);
    assertEquals(2, byKind[EventKind.DMA_READ.ordinal()]);
    assertEquals(1, byKind[EventKind.DMA_WRITE.ordinal()]);
    assertEquals(3, s.dev(DEV, DeviceCounter.DMA_EVENTS));
    assertEquals(12, s.dev(DEV, DeviceCounter.DMA_BYTES));
  }
}
