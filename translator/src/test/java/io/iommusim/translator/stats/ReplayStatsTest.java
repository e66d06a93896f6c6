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

  @Test
  void missRatioCurvesRoundTripAndMergeAsAUnion() {
    io.iommusim.translator.mrc.StackDistanceCounter counter = new io.iommusim.translator.mrc.StackDistanceCounter(4, 1, 2);
    for (long k : new long[] {1, 2, 1, 3, 1}) {
      counter.access(k, k);
    }
    io.iommusim.translator.mrc.CurveKey device = io.iommusim.translator.mrc.CurveKey.ofDevice(0, 0x300);
    io.iommusim.translator.mrc.CurveKey domain = io.iommusim.translator.mrc.CurveKey.ofDomain(0, 1);
    io.iommusim.translator.mrc.CurveKey unit = io.iommusim.translator.mrc.CurveKey.ofUnit(1);
    ReplayStats a = sample(1);
    a.putCurve(device, counter.curves(), 2);
    a.putAlias(domain, device);
    ReplayStats b = sample(2);
    b.putCurve(unit, new io.iommusim.translator.mrc.MissCurves(4, 1, 2), 0);
    ReplayStats t = ReplayStats.fromBytes(a.toBytes());
    assertEquals(2, t.mrc().size());
    ReplayStats.MrcCurve d = t.mrc().get(domain);
    assertEquals(device, d.source());
    assertEquals(2, d.divergentLookups());
    assertArrayEquals(counter.curves().toLongArray(), d.curves().toLongArray());
    // 5 accesses: 1, 2, 3 cold; 1 at depth 2, then depth 2 (3 above it): misses with 1 entry: 5
    assertEquals(5, d.curves().misses(1, 1));
    assertEquals(3, d.curves().misses(1, 2));
    t.merge(b);
    // table order: unit 0 (domain, device), then unit 1
    assertEquals(List.of(domain, device, unit), new java.util.ArrayList<>(t.mrc().keySet()));
    // a curve is computed by one partition only: the same key twice is an error, not a sum
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> t.merge(ReplayStats.fromBytes(a.toBytes())));
  }
}
