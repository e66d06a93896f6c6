package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** nic-ring's driver invalidations: strict page-selective per unmap, or Linux's lazy flush queue. */
class NicRingInvalidationTest {
  private static List<TraceEvent> run(Map<String, String> options, long events, long seed) throws IOException {
    return CollectingSink.run(Workloads.create("nic-ring", options), events, seed);
  }

  // ---- strict ---------------------------------------------------------------------------------

  /** The smallest naturally aligned power-of-two block of 4 KiB pages containing the range, by search. */
  private static long[] coveringBlock(long addr, long size) {
    for (int am = 0; am < 52; am++) {
      long span = 4096L << am;
      long start = addr / span * span;
      if (start + span >= addr + size) {
        return new long[] {start, am};
      }
    }
    throw new AssertionError();
  }

  @ParameterizedTest
  @MethodSource("strictConfigs")
  void strictFollowsEveryUnmapWithAPageSelectiveInvalidationOfExactlyThatRange(Map<String, String> options, long expectedAm)
      throws IOException {
    List<TraceEvent> ev = run(options, 30_000, 21);
    long unmaps = 0;
    Set<Long> ams = new HashSet<>();
    for (int i = 0; i < ev.size(); i++) {
      TraceEvent e = ev.get(i);
      if (e.kind == EventKind.UNMAP && i + 1 < ev.size()) {
        unmaps++;
        TraceEvent inv = ev.get(i + 1);
        assertEquals(EventKind.INV_IOTLB, inv.kind, "right after the unmap: " + e);
        assertEquals(Granularity.PAGE, inv.granularity);
        assertEquals(e.domain, inv.domain);
        assertEquals(e.tsNs, inv.tsNs);
        long[] block = coveringBlock(e.addr, e.size);
        assertEquals(block[0], inv.addr, "aligned start of the covering block: " + e + " / " + inv);
        assertEquals(block[1], inv.am, "smallest covering 2^am pages: " + e + " / " + inv);
        ams.add((long) inv.am);
      }
      if (e.kind == EventKind.INV_IOTLB) {
        assertEquals(EventKind.UNMAP, ev.get(i - 1).kind, "only unmaps invalidate: " + e);
      }
      assertFalse(e.kind == EventKind.INV_IOTLB && e.granularity != Granularity.PAGE);
    }
    assertTrue(unmaps > 1000);
    assertEquals(Set.of(expectedAm), ams);
  }

  static Stream<Arguments> strictConfigs() {
    return Stream.of(
        // 1500 B → 1 page, am 0
        Arguments.of(Map.of("inv", "strict"), 0L),
        // 9000 B → 3 pages mapped in a 4-page, 16 KiB-aligned allocation: am 2
        Arguments.of(Map.of("inv", "strict", "packet_size", "9000", "queues", "2", "ring_size", "16", "devices", "2"), 2L),
        // 64 KiB → 16 pages: am 4
        Arguments.of(Map.of("inv", "strict", "packet_size", "64KiB", "queues", "1", "ring_size", "8", "msi_every", "1"), 4L));
  }

  @Test
  void strictAddressMaskByHand() {
    assertEquals(0, NicRingWorkload.addressMask(0xFFFF_F000L, 4096));
    assertEquals(2, NicRingWorkload.addressMask(0xFFFF_0000L, 3 * 4096));
    assertEquals(1, NicRingWorkload.addressMask(0x2000L, 2 * 4096));
    assertEquals(2, NicRingWorkload.addressMask(0x1000L, 2 * 4096), "pages 1 and 2 straddle an 8 KiB boundary: need 16 KiB");
    assertEquals(4, NicRingWorkload.addressMask(0x10_0000L, 65536));
  }

  // ---- lazy -----------------------------------------------------------------------------------

  private record Flush(long ts, int domain) {}

  /**
   * Replays the stream through an independent model of the flush queue (iommu-semantics §6, as the
   * workload documents it): per domain, the unmaps since the last flush are queued; the unmap that makes
   * fq_size of them is followed at once by a domain flush; an unmap that finds the timer idle arms it for
   * ts + timeout; a due timer (deadline ≤ the ts of the next event) flushes and goes idle, a queue-full
   * flush leaves it armed. Checks that the stream's domain-selective inv_iotlb events are exactly the
   * expected flushes (compared below the last ts, where the cut cannot interfere), that a queue-full
   * flush comes right after its unmap, and that no IOVA is mapped while its unmap waits for the
   * stream's next flush of its domain. Returns {queue-full flushes, timer flushes}.
   */
  private static long[] checkLazy(List<TraceEvent> ev, int fqSize, long timeoutNs) {
    Map<Integer, Integer> queued = new HashMap<>();
    Map<Integer, Long> timer = new HashMap<>();
    List<Flush> expected = new ArrayList<>();
    long[] causes = new long[2];
    // held ranges per domain according to the stream's own flushes
    Map<Integer, List<long[]>> held = new HashMap<>();
    int expectFlushAt = -1;
    MappingOracle mappings = new MappingOracle();
    long lastTs = ev.get(ev.size() - 1).tsNs;
    for (int i = 0; i < ev.size(); i++) {
      TraceEvent e = ev.get(i);
      if (i == expectFlushAt) {
        assertEquals(EventKind.INV_IOTLB, e.kind, "queue-full flush right after its unmap, at " + i);
      }
      if (e.kind == EventKind.INV_IOTLB) {
        assertEquals(Granularity.DOMAIN, e.granularity, "lazy mode flushes whole domains: " + e);
        held.remove(e.domain);
        continue;
      }
      // timers due by this event's time fire first (the expectation; the stream's own flush events are
      // compared as a list below)
      List<Flush> due = new ArrayList<>();
      for (Map.Entry<Integer, Long> t : timer.entrySet()) {
        if (t.getValue() <= e.tsNs) {
          due.add(new Flush(t.getValue(), t.getKey()));
        }
      }
      due.sort(java.util.Comparator.comparingLong(Flush::ts).thenComparingInt(Flush::domain));
      for (Flush f : due) {
        expected.add(f);
        causes[1]++;
        queued.put(f.domain(), 0);
        timer.remove(f.domain());
      }
      if (!e.kind.isDma()) {
        mappings.apply(e);
      }
      if (e.kind == EventKind.MAP) {
        for (long[] h : held.getOrDefault(e.domain, List.of())) {
          assertTrue(e.addr + e.size <= h[0] || e.addr >= h[1],
              "IOVA mapped again while its unmap waits in the flush queue: " + e);
        }
      } else if (e.kind == EventKind.UNMAP) {
        held.computeIfAbsent(e.domain, d -> new ArrayList<>()).add(new long[] {e.addr, e.addr + e.size});
        timer.putIfAbsent(e.domain, e.tsNs + timeoutNs);
        if (queued.merge(e.domain, 1, Integer::sum) == fqSize) {
          expected.add(new Flush(e.tsNs, e.domain));
          causes[0]++;
          queued.put(e.domain, 0);
          expectFlushAt = i + 1;
        }
      }
    }
    List<Flush> actual = ev.stream().filter(e -> e.kind == EventKind.INV_IOTLB && e.tsNs < lastTs)
        .map(e -> new Flush(e.tsNs, e.domain)).toList();
    assertEquals(expected.stream().filter(f -> f.ts() < lastTs).toList(), actual);
    return causes;
  }

  @Test
  void lazyDefaultsFlushEvery256UnmapsAndEveryTenMillisecondsAfterAnIdleTimerIsArmed() throws IOException {
    // 10 Gbit/s, 1500 B: ~820 000 unmaps/s, so the queue fills every ~0.3 ms and the 10 ms timer (never
    // cancelled by a queue-full flush) fires about every 10 ms besides: 250 000 events ≈ 60 ms
    List<TraceEvent> ev = run(Map.of("inv", "lazy"), 250_000, 31);
    long[] causes = checkLazy(ev, 256, 10_000_000L);
    assertTrue(causes[0] > 150, "queue-full flushes " + causes[0]);
    assertTrue(causes[1] >= 4, "timer flushes " + causes[1]);
  }

  @Test
  void lazyOnASlowLinkFlushesOnTheTimer() throws IOException {
    // 1 Gbit/s with 3 devices: a packet per device every ~12.2 µs; with a 100 µs timeout a domain queues
    // only ~8 unmaps before its timer fires, so every flush is a timer flush
    List<TraceEvent> ev = run(Map.of("inv", "lazy", "link_gbps", "1", "devices", "3", "queues", "2", "ring_size", "16",
        "fq_timeout_ns", "100000"), 40_000, 32);
    long[] causes = checkLazy(ev, 256, 100_000);
    assertEquals(0, causes[0]);
    assertTrue(causes[1] > 100, "timer flushes " + causes[1]);
    Set<Integer> flushedDomains = new HashSet<>();
    ev.stream().filter(e -> e.kind == EventKind.INV_IOTLB).forEach(e -> flushedDomains.add(e.domain));
    assertEquals(Set.of(1, 2, 3), flushedDomains, "one flush queue per domain");
  }

  @Test
  void lazyWithSmallQueuesAndShortTimeoutsMixesBothCauses() throws IOException {
    long[] a = checkLazy(run(Map.of("inv", "lazy", "fq_size", "7", "fq_timeout_ns", "9000", "devices", "2",
        "queues", "2", "ring_size", "8", "rx_fraction", "0.7"), 40_000, 33), 7, 9_000);
    assertTrue(a[0] > 50 && a[1] > 50, "both causes: " + a[0] + " full, " + a[1] + " timer");
    // fq_size 1: every unmap flushes at once, and the timer armed by the first of them later flushes an empty queue
    long[] b = checkLazy(run(Map.of("inv", "lazy", "fq_size", "1", "fq_timeout_ns", "50000"), 20_000, 34), 1, 50_000);
    assertTrue(b[0] > 1000 && b[1] > 5, b[0] + " full, " + b[1] + " timer");
    // timeout 0: the timer fires at the unmap's own ts, right after it
    long[] c = checkLazy(run(Map.of("inv", "lazy", "fq_timeout_ns", "0", "queues", "1", "ring_size", "4"), 10_000, 35), 256, 0);
    assertEquals(0, c[0]);
    assertTrue(c[1] > 1000);
  }

  @Test
  void lazyHoldsIovasBackThenReusesThemAfterTheFlush() throws IOException {
    // rx only: strict reuse keeps the IOVA set at the ring (20 IOVAs, see NicRingWorkloadTest); lazy needs
    // up to fq_size more while unmaps wait, then recycles those, so the set stays bounded
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "rx_fraction", "1", "inv", "lazy", "fq_size", "32"),
        30_000, 36);
    checkLazy(ev, 32, 10_000_000L);
    Set<Long> iovas = new HashSet<>();
    long maps = 0;
    for (TraceEvent e : ev) {
      if (e.kind == EventKind.MAP) {
        iovas.add(e.addr);
        maps++;
      }
    }
    assertTrue(maps > 5000);
    assertTrue(iovas.size() > 20 && iovas.size() <= 20 + 32, "ring + at most fq_size held: " + iovas.size());
  }

  @Test
  void lazyIsAnAllocatorHoldBack() {
    IovaAllocator a = new IovaAllocator();
    long x = a.allocate(4096);
    a.deferFree(x, 4096);
    long y = a.allocate(4096);
    assertNotEquals(x, y, "a queued IOVA is not handed out");
    a.deferFree(y, 4096);
    assertEquals(2, a.deferred());
    a.releaseDeferred();
    assertEquals(0, a.deferred());
    assertEquals(y, a.allocate(4096), "released in queue order: the last queued is reused first");
    assertEquals(x, a.allocate(4096));
  }

  @Test
  void badInvalidationOptionsAreRejectedNamingTheOption() {
    for (String[] bad : new String[][] {{"inv", "sometimes"}, {"fq_size", "0"}, {"fq_size", "40000"},
        {"fq_timeout_ns", "-1"}, {"msi_every", "-1"}, {"ir_handle_base", "65536"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Workloads.create("nic-ring", Map.of(bad[0], bad[1])));
      assertTrue(e.getMessage().contains("'" + bad[0] + "'") && e.getMessage().contains(bad[1]), e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Workloads.create("nic-ring", Map.of("ir_handle_base", "65530", "queues", "8")));
    assertTrue(e.getMessage().contains("'ir_handle_base'"), e.getMessage());
  }
}
