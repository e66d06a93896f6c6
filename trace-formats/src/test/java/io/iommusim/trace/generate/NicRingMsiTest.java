package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** nic-ring's queue interrupts: the IRTEs its setup programs and the MSIs the NIC sends through them. */
class NicRingMsiTest {
  private static List<TraceEvent> run(Map<String, String> options, long events, long seed) throws IOException {
    return CollectingSink.run(Workloads.create("nic-ring", options), events, seed);
  }

  @Test
  void setupProgramsOneIrtePerQueueWithItsIecInvalidationAfterTheRxBuffers() throws IOException {
    // per device: attach, 2·2 descriptor rings, 2·8 RX buffers = 21 events, then (irte_set, inv_iec) × 2 queues
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "devices", "2"), 2 * 25, 1);
    assertEquals(50, Workloads.create("nic-ring", Map.of("queues", "2", "ring_size", "8", "devices", "2")).minimumEvents());
    int[] deviceStart = {0, 25};
    for (int d = 0; d < 2; d++) {
      for (int q = 0; q < 2; q++) {
        TraceEvent set = ev.get(deviceStart[d] + 21 + 2 * q);
        TraceEvent iec = ev.get(deviceStart[d] + 22 + 2 * q);
        assertEquals(EventKind.IRTE_SET, set.kind);
        assertEquals(32 + 2 * d + q, set.index, "consecutive handles from ir_handle_base 32");
        assertEquals(EventKind.INV_IEC, iec.kind);
        assertEquals(Granularity.INDEX, iec.granularity);
        assertEquals(set.index, iec.index);
        assertEquals(0, iec.am);
        assertEquals(set.tsNs + 100, iec.tsNs);
      }
    }
    // device 1 (04:00.0), queue 1: vector 0x21 + 1, destination APIC id 1, SID 0x0400, SVT=1 → bit 82 = hi bit 18
    TraceEvent last = ev.get(25 + 23);
    assertEquals(35, last.index);
    assertEquals(0x1_0022_0009L, last.irteLo, "P | RH | vector 0x22 << 16 | dest 1 << 32");
    assertEquals(0x4_0400L, last.irteHi, "SID 04:00.0 | SQ 0 << 16 | SVT 1 << 18");
  }

  @Test
  void everyIrteDecodesToAPresentSourceVerifiedEntryNamingItsNic() throws IOException {
    List<TraceEvent> ev = run(Map.of("queues", "5", "ring_size", "4", "devices", "3", "ir_handle_base", "0x7ffe"), 5_000, 2);
    Map<Integer, Integer> sidByDomain = new HashMap<>();
    int lastAttached = -1;
    Set<Integer> handles = new HashSet<>();
    for (TraceEvent e : ev) {
      if (e.kind == EventKind.ATTACH) {
        sidByDomain.put(e.domain, e.sid);
        lastAttached = e.sid;
      } else if (e.kind == EventKind.IRTE_SET) {
        InterruptOracle.Irte irte = InterruptOracle.Irte.decode(e.irteLo, e.irteHi);
        assertTrue(irte.present(), e.toString());
        assertFalse(irte.fpd(), "faults are reported: " + e);
        assertEquals(1, irte.svt(), "SVT = verify requester id: " + e);
        assertEquals(0, irte.sq(), "SQ = all 16 bits: " + e);
        assertEquals(lastAttached, irte.sid(), "SID = the NIC whose setup programs it: " + e);
        assertTrue(irte.reservedClear(), e.toString());
        assertFalse(irte.levelTriggered());
        assertEquals(0, irte.deliveryMode(), "fixed");
        assertTrue(irte.vector() >= 0x21 && irte.vector() <= 0xEF, "a device vector: " + e);
        assertTrue(handles.add(e.index), "one IRTE per handle: " + e);
      }
    }
    Set<Integer> expected = new HashSet<>();
    for (int h = 0x7ffe; h < 0x7ffe + 15; h++) {
      expected.add(h);
    }
    assertEquals(expected, handles, "3 devices × 5 queues from 0x7ffe, across the handle[15] boundary");
    assertEquals(3, sidByDomain.size());
  }

  @Test
  void remappableAddressLayoutByHand() {
    assertEquals(0xFEE0_0410L, Interrupts.remappableAddress(32), "32 << 5 = 0x400, format bit 0x10");
    assertEquals(0xFEEF_FFF0L, Interrupts.remappableAddress(0x7FFF));
    assertEquals(0xFEE0_0014L, Interrupts.remappableAddress(0x8000), "handle[15] in bit 2");
    assertEquals(0xFEE0_0034L, Interrupts.remappableAddress(0x8001));
    assertEquals(0xFEE0_3000L, Interrupts.compatibilityAddress(3));
  }

  /**
   * An independent completion counter: the descriptor rings are the first 2·queues maps after each attach
   * (RX, TX of queue 0, then queue 1, …); a 16-byte write into one (in that device's domain) is a completion
   * of that queue. After the
   * msi_every-th completion of a queue the very next event must be that queue's MSI, and there are no others.
   */
  private static void checkMsisFollowEveryNthCompletion(List<TraceEvent> ev, int queues, int msiEvery, int handleBase) {
    InterruptOracle ir = new InterruptOracle();
    List<long[]> rings = new ArrayList<>(); // {domain, start, end, global queue index}; every domain starts at 4 GiB
    Map<Integer, Integer> deviceOfSid = new HashMap<>();
    int mapsSinceAttach = 0;
    Map<Integer, Integer> completions = new HashMap<>();
    int expectMsiAt = -1;
    int expectedHandle = -1;
    long msis = 0;
    for (int i = 0; i < ev.size(); i++) {
      TraceEvent e = ev.get(i);
      if (i == expectMsiAt) {
        assertEquals(EventKind.MSI, e.kind, "the MSI right after the completing write-back, at " + i);
      }
      switch (e.kind) {
        case ATTACH:
          deviceOfSid.put(e.sid, deviceOfSid.size());
          mapsSinceAttach = 0;
          break;
        case MAP:
          if (mapsSinceAttach++ < 2 * queues) {
            int device = deviceOfSid.size() - 1;
            rings.add(new long[] {e.domain, e.addr, e.addr + e.size, device * queues + (mapsSinceAttach - 1) / 2});
          }
          break;
        case IRTE_SET:
          ir.apply(e);
          break;
        case DMA_WRITE:
          if (e.size == 16) {
            for (long[] r : rings) {
              if (e.domain == r[0] && e.addr >= r[1] && e.addr < r[2]) {
                int queue = (int) r[3];
                if (completions.merge(queue, 1, Integer::sum) == msiEvery) {
                  completions.put(queue, 0);
                  expectMsiAt = i + 1;
                  expectedHandle = handleBase + queue;
                }
              }
            }
          }
          break;
        case MSI:
          msis++;
          assertEquals(i, expectMsiAt, "an MSI only right after an msi_every-th completion: " + e);
          assertEquals(expectedHandle, InterruptOracle.index(e), "the completing queue's handle: " + e);
          assertEquals(Interrupts.MSI_BASE, e.addr & 0xFFF0_0000L);
          assertEquals(1, e.addr >>> 4 & 1, "remappable format");
          assertEquals(0, e.addr >>> 3 & 1, "SHV = 0");
          assertEquals(0, e.data);
          assertEquals(4, e.size);
          assertTrue(deviceOfSid.containsKey(e.sid), "sent by a NIC: " + e);
          assertEquals("ok", ir.classify(e), "the IRTE names the sender, so remapping delivers it: " + e);
          int device = deviceOfSid.get(e.sid);
          assertEquals(device, (InterruptOracle.index(e) - handleBase) / queues, "a queue of the sender: " + e);
          break;
        default:
          break;
      }
    }
    assertTrue(msis > 10, "MSIs were sent: " + msis);
  }

  @Test
  void msisFollowEveryNthCompletionOfTheirQueueFromTheNicThroughItsOwnIrte() throws IOException {
    checkMsisFollowEveryNthCompletion(run(Map.of(), 60_000, 3), 4, 16, 32);
    checkMsisFollowEveryNthCompletion(run(Map.of("queues", "3", "ring_size", "8", "devices", "3", "msi_every", "5",
        "ir_handle_base", "0x7ff9", "rx_fraction", "0.3"), 40_000, 4), 3, 5, 0x7ff9);
    checkMsisFollowEveryNthCompletion(run(Map.of("queues", "2", "ring_size", "4", "msi_every", "1", "inv", "strict"),
        20_000, 5), 2, 1, 32);
    checkMsisFollowEveryNthCompletion(run(Map.of("queues", "2", "ring_size", "4", "devices", "2", "msi_every", "3",
        "inv", "lazy", "fq_size", "5", "fq_timeout_ns", "7000"), 20_000, 6), 2, 3, 32);
  }

  @Test
  void withDefaultsOneMsiPerSixteenPackets() throws IOException {
    int setup = 1 + 2 * 4 + 4 * 256 + 2 * 4;
    int traffic = 81_000;
    List<TraceEvent> ev = run(Map.of(), setup + traffic, 7);
    long msis = ev.stream().filter(e -> e.kind == EventKind.MSI).count();
    long unmaps = ev.stream().filter(e -> e.kind == EventKind.UNMAP).count();
    long other = ev.subList(setup, ev.size()).stream()
        .filter(e -> !e.kind.isDma() && e.kind != EventKind.MAP && e.kind != EventKind.UNMAP && e.kind != EventKind.MSI).count();
    assertEquals(0, other, "inv=none: no invalidations");
    // 81 events per 16 packets (80 packet events + 1 MSI) → about 1000 MSIs; each of the 4 queues may
    // have up to 15 completions not yet signalled, and packets in flight at the cut
    assertTrue(Math.abs(msis - traffic / 81) <= 8, "msis " + msis);
    assertTrue(Math.abs(unmaps - 16 * msis) <= 4 * 16 + 16, "unmaps " + unmaps + " msis " + msis);
  }

  @Test
  void msiEveryZeroKeepsTheSetupAndStreamOfTheOldWorkload() throws IOException {
    Workload w = Workloads.create("nic-ring", Map.of("queues", "2", "ring_size", "8", "msi_every", "0"));
    assertEquals(21, w.minimumEvents());
    List<TraceEvent> a = CollectingSink.run(w, 5_000, 8);
    List<TraceEvent> b = CollectingSink.run(new NicRingWorkload(2, 8, 1, 1500, 0.5, 10), 5_000, 8);
    assertEquals(a, b, "the 6-argument constructor is today's behaviour");
    assertTrue(a.stream().noneMatch(e -> e.kind == EventKind.MSI || e.kind == EventKind.IRTE_SET));
    assertTrue(a.stream().allMatch(e -> e.sid == TraceEvent.NONE || Sid.bus(e.sid) == 3));
  }
}
