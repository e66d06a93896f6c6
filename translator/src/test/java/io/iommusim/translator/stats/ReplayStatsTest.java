package io.iommusim.translator.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Serialisation round trip and merge of partial replay statistics. */
class ReplayStatsTest {
  private static ReplayStats sample(long base) {
    ReplayStats s = new ReplayStats(4);
    s.eventsByKind()[0] = base;
    s.eventsByKind()[3] = 2 * base;
    StatsCell c = s.cell(0, 0x0100, 5);
    c.counters[DeviceCounter.IOTLB_HITS.ordinal()] = base;
    c.counters[DeviceCounter.LATENCY_SUM_NS.ordinal()] = 5 + 1507;
    c.translationLatency.recordValue(5);
    c.translationLatency.recordValue(1507);
    c.walkLatency.recordValue(1002);
    StatsCell other = s.cell(1, 0x0200, -1);
    other.counters[DeviceCounter.PASSTHROUGH_ACCESSES.ordinal()] = 3;
    DomainCell d = s.domain(0, 5);
    d.counters[DomainCounter.MAPS.ordinal()] = base;
    d.counters[DomainCounter.MAPPED_PAGES.ordinal()] = 512;
    return s;
  }

  @Test
  void roundTrip() {
    ReplayStats s = sample(7);
    ReplayStats t = ReplayStats.fromBytes(s.toBytes());
    assertArrayEquals(s.eventsByKind(), t.eventsByKind());
    List<StatsCell> a = s.cells();
    List<StatsCell> b = t.cells();
    assertEquals(2, b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).unit, b.get(i).unit);
      assertEquals(a.get(i).sid, b.get(i).sid);
      assertEquals(a.get(i).domain, b.get(i).domain);
      assertArrayEquals(a.get(i).counters, b.get(i).counters);
      assertEquals(a.get(i).translationLatency, b.get(i).translationLatency);
      assertEquals(a.get(i).walkLatency, b.get(i).walkLatency);
    }
    StatsCell c = t.cell(0, 0x0100, 5);
    assertEquals(2, c.translationLatency.getTotalCount());
    assertEquals(1507, c.translationLatency.getMaxValue());
    assertEquals(5, c.translationLatency.getMinValue());
    assertEquals(1, c.walkLatency.getCountAtValue(1002));
    assertEquals(1, t.domains().size());
    assertArrayEquals(s.domain(0, 5).counters, t.domain(0, 5).counters);
    // an empty stats object round-trips too
    ReplayStats empty = ReplayStats.fromBytes(new ReplayStats(4).toBytes());
    assertEquals(0, empty.cells().size());
  }

  @Test
  void mergeAddsCountersAndHistograms() {
    ReplayStats x = sample(7);
    ReplayStats y = ReplayStats.fromBytes(sample(10).toBytes());
    y.cell(0, 0x0300, 5).counters[DeviceCounter.FAULTS.ordinal()] = 1; // only in y
    x.merge(y);
    assertEquals(17, x.eventsByKind()[0]); // 7 + 10
    assertEquals(34, x.eventsByKind()[3]); // 14 + 20
    StatsCell c = x.cell(0, 0x0100, 5);
    assertEquals(17, c.get(DeviceCounter.IOTLB_HITS));
    assertEquals(2 * (5 + 1507), c.get(DeviceCounter.LATENCY_SUM_NS));
    // histograms merge: 5, 5, 1507, 1507 → p50 (2nd of 4) = 5, p75 (3rd) = 1507
    assertEquals(4, c.translationLatency.getTotalCount());
    assertEquals(5, c.translationLatency.getValueAtPercentile(50));
    assertEquals(1507, c.translationLatency.getValueAtPercentile(75));
    assertEquals(2, c.walkLatency.getCountAtValue(1002));
    assertEquals(6, x.cell(1, 0x0200, -1).get(DeviceCounter.PASSTHROUGH_ACCESSES));
    assertEquals(1, x.cell(0, 0x0300, 5).get(DeviceCounter.FAULTS));
    assertEquals(3, x.cells().size());
    assertEquals(17, x.domain(0, 5).get(DomainCounter.MAPS));
    assertEquals(1024, x.domain(0, 5).get(DomainCounter.MAPPED_PAGES));
  }

  @Test
  void mergeIsCommutative() {
    ReplayStats xy = sample(1);
    xy.merge(sample(2));
    ReplayStats yx = sample(2);
    yx.merge(sample(1));
    assertArrayEquals(xy.toBytes(), yx.toBytes());
  }
}
