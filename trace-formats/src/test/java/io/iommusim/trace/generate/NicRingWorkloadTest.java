package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NicRingWorkloadTest {
  private static final long GIB4 = 1L << 32;

  private static List<TraceEvent> run(Map<String, String> options, long events, long seed) throws IOException {
    return CollectingSink.run(Workloads.create("nic-ring", options), events, seed);
  }

  /** Replays the stream through the oracle; every access must be allowed by what is mapped at that moment. */
  private static MappingOracle checkAgainstOracle(List<TraceEvent> events) {
    MappingOracle oracle = new MappingOracle();
    for (TraceEvent e : events) {
      if (e.kind.isDma()) {
        assertTrue(oracle.allows(e), "DMA outside a live mapping with the right permission: " + e);
        assertEquals(oracle.domainOfSid.get(e.sid), e.domain, "DMA carries its device's domain: " + e);
      } else {
        if (e.kind == EventKind.MAP || e.kind == EventKind.UNMAP) {
          assertEquals(0, e.addr % 4096, "page-aligned IOVA: " + e);
          assertEquals(0, e.size % 4096, "whole pages: " + e);
          assertTrue(e.addr + e.size <= GIB4, "below the 32-bit DMA limit: " + e);
          assertTrue(e.addr + e.size <= 0xFEE0_0000L || e.addr >= 0xFEF0_0000L, "outside the MSI window: " + e);
        }
        oracle.apply(e); // fails on overlapping maps and unmaps of nothing
      }
    }
    return oracle;
  }

  @Test
  void setupAttachesMapsDescriptorRingsThenPrefillsRxBuffersTopDown() throws IOException {
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "msi_every", "0"), 21, 1);
    TraceEvent attach = ev.get(0);
    assertEquals(EventKind.ATTACH, attach.kind);
    assertEquals(Sid.of(0, 3, 0, 0), attach.sid);
    assertEquals(1, attach.domain);
    // 8 descriptors × 16 B = 128 B → one page each; carved downwards from 4 GiB: RX0, TX0, RX1, TX1
    long[] rings = {0xFFFF_F000L, 0xFFFF_E000L, 0xFFFF_D000L, 0xFFFF_C000L};
    for (int i = 0; i < 4; i++) {
      TraceEvent m = ev.get(1 + i);
      assertEquals(EventKind.MAP, m.kind);
      assertEquals(rings[i], m.addr);
      assertEquals(4096, m.size);
      assertEquals(Perm.READ_WRITE, m.perm, "coherent descriptor memory is bidirectional");
    }
    for (int i = 0; i < 16; i++) {
      TraceEvent m = ev.get(5 + i);
      assertEquals(EventKind.MAP, m.kind);
      assertEquals(0xFFFF_B000L - 0x1000L * i, m.addr);
      assertEquals(4096, m.size, "a 1500-byte frame gets one 4 KiB page");
      assertEquals(Perm.WRITE, m.perm, "DMA_FROM_DEVICE");
      assertEquals(100L * (5 + i), m.tsNs);
    }
  }

  @Test
  void everyDmaHitsALiveMappingAndEveryUnmapRemovesOne() throws IOException {
    checkAgainstOracle(run(Map.of("queues", "3", "ring_size", "16", "devices", "3", "rx_fraction", "0.6"), 60_000, 11));
    checkAgainstOracle(run(Map.of("queues", "1", "ring_size", "2", "packet_size", "64", "link_gbps", "100"), 20_000, 12));
    checkAgainstOracle(run(Map.of("packet_size", "9000", "ring_size", "32"), 20_000, 13));
    checkAgainstOracle(run(Map.of("queues", "2", "ring_size", "16", "devices", "2", "inv", "strict"), 20_000, 14));
    checkAgainstOracle(run(Map.of("queues", "2", "ring_size", "16", "devices", "2", "inv", "lazy", "fq_size", "8",
        "fq_timeout_ns", "20000", "msi_every", "1"), 20_000, 15));
  }

  @Test
  void devicesUseTheirOwnBusAndDomain() throws IOException {
    List<TraceEvent> ev = run(Map.of("queues", "1", "ring_size", "4", "devices", "3"), 5_000, 2);
    Set<String> attached = ev.stream().filter(e -> e.kind == EventKind.ATTACH)
        .map(e -> Sid.format(e.sid) + "@" + e.domain).collect(Collectors.toSet());
    assertEquals(Set.of("03:00.0@1", "04:00.0@2", "05:00.0@3"), attached);
    Set<Integer> dmaSids = ev.stream().filter(e -> e.kind.isDma()).map(e -> e.sid).collect(Collectors.toSet());
    assertEquals(Set.of(Sid.of(0, 3, 0, 0), Sid.of(0, 4, 0, 0), Sid.of(0, 5, 0, 0)), dmaSids);
  }

  @Test
  void receivePacketsArriveAtLineRateRoundRobinOverQueues() throws IOException {
    // rx only, 2 queues of 8: setup is 21 events at 100 ns steps, so traffic starts at 21·100 + 1000 = 3100 ns;
    // a 1500-byte frame plus 24 bytes of wire overhead takes 1524·8/10 = 1219.2 ns at 10 Gbit/s
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "rx_fraction", "1", "msi_every", "0"), 21 + 5 * 400, 3);
    List<TraceEvent> descriptorReads = ev.stream().filter(e -> e.kind == EventKind.DMA_READ).collect(Collectors.toList());
    assertTrue(descriptorReads.size() >= 390);
    long[] rxRing = {0xFFFF_F000L, 0xFFFF_D000L};
    for (int p = 0; p < 390; p++) {
      TraceEvent r = descriptorReads.get(p);
      assertEquals(3100 + (long) Math.floor(p * 1219.2 + 1e-9), r.tsNs, "arrival of packet " + p);
      assertEquals(rxRing[p % 2] + 16L * ((p / 2) % 8), r.addr, "queue and slot of packet " + p);
      assertEquals(16, r.size);
    }
    // packet 0: data written 300 ns after its descriptor read into the first prefilled buffer,
    // then the descriptor written back after 1500 B / 8 B/ns = 187.5 → 188 ns
    List<TraceEvent> writes = ev.stream().filter(e -> e.kind == EventKind.DMA_WRITE).collect(Collectors.toList());
    assertEquals(3400, writes.get(0).tsNs);
    assertEquals(0xFFFF_B000L, writes.get(0).addr);
    assertEquals(1500, writes.get(0).size);
    assertEquals(3588, writes.get(1).tsNs);
    assertEquals(0xFFFF_F000L, writes.get(1).addr);
  }

  @Test
  void transmitMapsReadOnlyAndTheNicReadsDescriptorThenData() throws IOException {
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "rx_fraction", "0", "msi_every", "0"), 21 + 5, 4);
    // first packet at 3100: map (next page below the 16 prefilled RX buffers, 0xFFFEC000), descriptor
    // fetch 500 ns later on TX ring 0, data 300 ns after that, completion after 188 ns more
    TraceEvent map = ev.get(21);
    assertEquals(EventKind.MAP, map.kind);
    assertEquals(3100, map.tsNs);
    assertEquals(0xFFFE_B000L, map.addr);
    assertEquals(Perm.READ, map.perm, "DMA_TO_DEVICE");
    TraceEvent desc = ev.get(22);
    assertEquals(EventKind.DMA_READ, desc.kind);
    assertEquals(3600, desc.tsNs);
    assertEquals(0xFFFF_E000L, desc.addr);
    TraceEvent data = ev.get(23);
    assertEquals(EventKind.DMA_READ, data.kind);
    assertEquals(3900, data.tsNs);
    assertEquals(0xFFFE_B000L, data.addr);
    assertEquals(1500, data.size);
  }

  @Test
  void receiveBuffersAreRecycledLifoSoTheIovaSetStaysTheRing() throws IOException {
    // every refill map follows its own unmap, so with LIFO reuse no fresh IOVA is ever carved:
    // the domain only ever uses the 4 descriptor pages and the 2 × 8 prefilled buffers
    List<TraceEvent> ev = run(Map.of("queues", "2", "ring_size", "8", "rx_fraction", "1"), 30_000, 5);
    Set<Long> iovas = new HashSet<>();
    for (TraceEvent e : ev) {
      if (e.kind == EventKind.MAP) {
        iovas.add(e.addr);
      }
    }
    assertEquals(20, iovas.size());
  }

  @Test
  void withoutMsisTrafficIsThreeFifthsDmaOneFifthMapOneFifthUnmap() throws IOException {
    int setup = 1 + 2 * 4 + 4 * 256;
    int traffic = 100_000;
    List<TraceEvent> ev = run(Map.of("msi_every", "0"), setup + traffic, 6);
    assertEquals(0, ev.stream().filter(e -> e.kind == EventKind.MSI || e.kind == EventKind.IRTE_SET
        || e.kind.isInvalidation()).count(), "msi_every=0, inv=none: no interrupt or invalidation events at all");
    long dma = 0;
    long maps = 0;
    long unmaps = 0;
    for (TraceEvent e : ev.subList(setup, ev.size())) {
      if (e.kind.isDma()) dma++;
      else if (e.kind == EventKind.MAP) maps++;
      else if (e.kind == EventKind.UNMAP) unmaps++;
    }
    assertEquals(traffic, dma + maps + unmaps);
    // only packets in flight at the cut are incomplete: a packet lasts at most 500+300+188+3000 = 3988 ns
    // and they start 1219.2 ns apart, so at most 4 are in flight, each missing at most 4 of its 5 events
    long slack = 4 * 4;
    assertTrue(Math.abs(dma - traffic * 3 / 5) <= slack, "dma " + dma);
    assertTrue(Math.abs(maps - traffic / 5) <= slack, "maps " + maps);
    assertTrue(Math.abs(unmaps - traffic / 5) <= slack, "unmaps " + unmaps);
  }
}
