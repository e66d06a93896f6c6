package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_HITS;
import static io.iommusim.translator.stats.DomainCounter.LAZY_FLUSHES_QUEUE_FULL;
import static io.iommusim.translator.stats.DomainCounter.LAZY_FLUSHES_TIMEOUT;
import static io.iommusim.translator.stats.DomainCounter.LAZY_QUEUED_UNMAPS;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * invalidation.mode=lazy: Linux's flush queue (iommu-semantics.md §6, dma-iommu.c queue_iova /
 * fq_flush_timeout) with queue_size 3 and timeout 1000 ns. An unmap that finds 3 queued flushes the
 * domain first and is then queued itself; the timer is armed by an unmap that finds it idle and fires
 * at arm time + timeout (before the event at or after that time is applied), whatever queue-full
 * flushes happened meanwhile (Linux does not cancel it).
 */
class LazyFlushQueueTest {
  private static final int A = 0x0500;

  private static Sim lazy(String... more) {
    String[] o = new String[more.length + 2];
    o[0] = "invalidation.lazy.queue_size=3";
    o[1] = "invalidation.lazy.timeout_ns=1000";
    System.arraycopy(more, 0, o, 2, more.length);
    return new Sim(InvalidationMode.LAZY, o);
  }

  private static long page(int p) {
    return p * K4;
  }

  @Test
  void queueFullFlushesBeforeQueueingTheUnmapThatFindsItFull() {
    Sim s = lazy();
    s.attach(A, 1).map(1, page(1), 5 * K4, RW); // pages 1..5
    s.at(10);
    for (int p = 1; p <= 5; p++) {
      s.read(A, page(p)); // ts 10..14: 5 fills
    }
    s.at(20).unmap(1, page(1), K4); // ts 20: queued 1, timer armed for 1020
    s.unmap(1, page(2), K4); // ts 21: queued 2
    s.unmap(1, page(3), K4); // ts 22: queued 3 (full, but nothing flushes until the next unmap)
    assertEquals(3, s.domain(1, LAZY_QUEUED_UNMAPS));
    assertEquals(0, s.domain(1, LAZY_FLUSHES_QUEUE_FULL));
    s.at(30);
    assertEquals("hit", s.probe(A, page(1))); // ts 30: stale since 20
    assertEquals("hit", s.probe(A, page(3))); // ts 31: stale since 22
    assertEquals(2, s.dev(A, STALE_HITS));
    Histogram h = s.cell(A, 1).staleExposure;
    assertEquals(1, h.getCountAtValue(10)); // 30 - 20
    assertEquals(1, h.getCountAtValue(9)); // 31 - 22
    s.at(40).unmap(1, page(4), K4); // finds 3 queued: domain flush, then queued (1 in the queue)
    assertEquals(1, s.domain(1, LAZY_FLUSHES_QUEUE_FULL));
    assertEquals(4, s.domain(1, LAZY_QUEUED_UNMAPS));
    assertEquals(0, s.domain(1, LAZY_FLUSHES_TIMEOUT));
    s.at(50);
    assertEquals("miss", s.probe(A, page(1))); // ts 50: flushed and unmapped -> fault
    assertEquals("miss", s.probe(A, page(4))); // ts 51: unmapped at 40, covered by the flush
    assertEquals("miss", s.probe(A, page(5))); // ts 52: still mapped, but the flush was domain-wide
    assertEquals(2, s.dev(A, STALE_HITS)); // no stale hit after the flush
    assertEquals(2, s.faults.size()); // pages 1 and 4; page 5 walks fine
    assertEquals(page(1), s.faults.get(0).addr());
    assertEquals(page(4), s.faults.get(1).addr());
  }

  @Test
  void timeoutFlushesTheDomainBeforeTheEventAtTheDeadline() {
    Sim s = lazy();
    s.attach(A, 1).map(1, page(1), 3 * K4, RW); // pages 1..3
    s.at(10).read(A, page(1)).read(A, page(2)).read(A, page(3)); // ts 10..12: fills
    s.at(100).unmap(1, page(1), K4); // queued 1, timer 100 + 1000 = 1100
    s.at(600).unmap(1, page(2), K4); // queued 2; the timer stays at 1100
    s.at(1098);
    assertEquals("hit", s.probe(A, page(1))); // ts 1098, stale since 100
    assertEquals("hit", s.probe(A, page(2))); // ts 1099, stale since 600
    assertEquals(0, s.domain(1, LAZY_FLUSHES_TIMEOUT)); // 1099 < 1100
    Histogram h = s.cell(A, 1).staleExposure;
    assertEquals(1, h.getCountAtValue(998)); // 1098 - 100
    assertEquals(1, h.getCountAtValue(499)); // 1099 - 600
    assertEquals("miss", s.probe(A, page(2))); // ts 1100 = deadline: flush first, then this read
    assertEquals(1, s.domain(1, LAZY_FLUSHES_TIMEOUT));
    assertEquals("miss", s.probe(A, page(3))); // ts 1101: page 3 (mapped) went with the domain flush
    assertEquals(1, s.faults.size()); // page 2 at 1100
    assertEquals(1100, s.faults.get(0).ts());
    assertEquals(0, s.domain(1, LAZY_FLUSHES_QUEUE_FULL));
    // the timer is idle again: the next unmap re-arms it
    s.at(2000).unmap(1, page(3), K4); // timer 3000
    s.at(2999);
    assertEquals("hit", s.probe(A, page(3))); // stale since 2000: exposure 999
    assertEquals(1, h.getCountAtValue(999));
    assertEquals("miss", s.probe(A, page(3))); // ts 3000: second timeout flush
    assertEquals(2, s.domain(1, LAZY_FLUSHES_TIMEOUT));
    assertEquals(3, s.domain(1, LAZY_QUEUED_UNMAPS));
    assertEquals(3, s.dev(A, STALE_HITS));
  }

  @Test
  void anyEventAtTheDeadlineFiresTheTimerEvenInAnotherDomain() {
    Sim s = lazy();
    s.attach(A, 1).map(1, page(1), K4, RW).read(A, page(1)); // fill at 3
    s.at(100).unmap(1, page(1), K4); // timer 1100
    s.at(1500).map(7, page(9), K4, RW); // an unrelated event past the deadline
    assertEquals(1, s.domain(1, LAZY_FLUSHES_TIMEOUT));
    assertEquals("miss", s.probe(A, page(1))); // flushed at the map, not a stale hit
    assertEquals(0, s.dev(A, STALE_HITS));
  }

  @Test
  void queueFullFlushLeavesTheTimerArmed() {
    // Linux arms fq_timer only when it is idle and only fq_flush_timeout disarms it: a queue-full
    // flush does not restart the timeout.
    Sim s = lazy();
    s.attach(A, 1).map(1, page(1), 5 * K4, RW);
    s.at(10);
    for (int p = 1; p <= 5; p++) {
      s.read(A, page(p)); // fills
    }
    s.at(100).unmap(1, page(1), K4); // arms the timer: 1100
    s.at(200).unmap(1, page(2), K4);
    s.at(300).unmap(1, page(3), K4);
    s.at(400).unmap(1, page(4), K4); // queue full: flush, then page 4 queued; timer still 1100
    assertEquals(1, s.domain(1, LAZY_FLUSHES_QUEUE_FULL));
    s.at(500);
    assertEquals("miss", s.probe(A, page(5))); // refilled after the flush
    s.at(600).unmap(1, page(5), K4); // queued 2
    s.at(1099);
    assertEquals("hit", s.probe(A, page(5))); // stale since 600
    assertEquals(1, s.cell(A, 1).staleExposure.getCountAtValue(499)); // 1099 - 600
    assertEquals("miss", s.probe(A, page(5))); // ts 1100: the timer armed at 100 fires
    assertEquals(1, s.domain(1, LAZY_FLUSHES_TIMEOUT));
    assertEquals(5, s.domain(1, LAZY_QUEUED_UNMAPS));
    assertEquals(1, s.dev(A, STALE_HITS));
  }

  @Test
  void lazyFlushAlsoEmptiesTheDeviceTlb() {
    Sim s = lazy("ats.devices=05:00.0");
    s.attach(A, 1).map(1, page(1), K4, RW).read(A, page(1)); // ts 3: device TLB + IOTLB filled
    s.at(100).unmap(1, page(1), K4); // both entries stale, timer 1100
    s.at(150).read(A, page(1));
    assertEquals(1, s.dev(A, DEVTLB_HITS)); // answered by the device's own (stale) TLB
    assertEquals(1, s.dev(A, STALE_HITS));
    assertEquals(1, s.cell(A, 1).staleExposure.getCountAtValue(50)); // 150 - 100
    s.at(1100).read(A, page(1)); // timer flush first: device TLB and IOTLB empty
    assertEquals(2, s.dev(A, DEVTLB_MISSES)); // ts 3 and 1100
    assertEquals(2, s.misses(A));
    assertEquals(1, s.faults.size());
    assertEquals(1, s.dev(A, STALE_HITS));
  }
}
