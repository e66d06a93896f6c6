package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BadActorWorkloadTest {
  /**
   * An independent classifier, written from the VT-d rules (iommu-semantics §1.1–1.3) rather than from
   * the generator: the bus's root entry is present iff some device on the bus is attached (else 0x01);
   * the device's context entry iff the device is attached (else 0x02); then the address width (0x04);
   * then the page walk: no read permission → 0x06, no write permission → 0x05. Writes that fault on a
   * present read-only page are told apart from writes to nothing by the returned label.
   */
  private static String classify(TraceEvent dma, MappingOracle oracle, int addressWidth) {
    Set<Integer> attachedBuses = new HashSet<>();
    for (int sid : oracle.domainOfSid.keySet()) {
      attachedBuses.add(Sid.segment(sid) << 8 | Sid.bus(sid));
    }
    if (!attachedBuses.contains(Sid.segment(dma.sid) << 8 | Sid.bus(dma.sid))) {
      return "0x01";
    }
    Integer domain = oracle.domainOfSid.get(dma.sid);
    if (domain == null) {
      return "0x02";
    }
    if (dma.addr + dma.size - 1 >= 1L << addressWidth) {
      return "0x04";
    }
    MappingOracle.Range r = oracle.find(domain, dma.addr, dma.size);
    boolean write = dma.kind == EventKind.DMA_WRITE;
    if (r == null) {
      return write ? "0x05 unmapped" : "0x06";
    }
    if (write && (r.perm() & Perm.WRITE) == 0) {
      return "0x05 read-only";
    }
    if (!write && (r.perm() & Perm.READ) == 0) {
      return "0x06";
    }
    return "ok";
  }

  private static Map<String, Long> classifyAll(List<TraceEvent> events, int addressWidth) {
    MappingOracle oracle = new MappingOracle();
    Map<String, Long> counts = new HashMap<>();
    for (TraceEvent e : events) {
      if (e.kind.isDma()) {
        counts.merge(classify(e, oracle, addressWidth), 1L, Long::sum);
        if (e.sid == BadActorWorkload.GOOD_SID) {
          assertTrue(oracle.allows(e), "the good device never faults: " + e);
        }
      } else {
        oracle.apply(e);
      }
    }
    return counts;
  }

  @Test
  void defaultFractionsGiveExactCountsPerFaultClass() throws IOException {
    // 4 setup events + T = 10 000 DMAs; each default fraction 0.02 → ⌊0.02·10 000⌋ = 200, good = 10 000 − 6·200
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", Map.of()), 10_004, 1);
    Map<String, Long> expected = Map.of("0x06", 200L, "0x05 unmapped", 200L, "0x05 read-only", 200L,
        "0x02", 200L, "0x01", 200L, "0x04", 200L, "ok", 8_800L);
    assertEquals(expected, classifyAll(ev, 48));
  }

  @Test
  void configuredFractionsAreFlooredExactly() throws IOException {
    // T = 997: ⌊0.1·997⌋ = 99, ⌊0.05·997⌋ = 49, ⌊0.333·997⌋ = ⌊332.001⌋ = 332, 0 → 0, ⌊0.2·997⌋ = 199, ⌊0.01·997⌋ = 9
    Map<String, String> options = Map.of("unmapped_read", "0.1", "unmapped_write", "0.05", "readonly_write", "0.333",
        "unattached_device", "0", "empty_bus", "0.2", "beyond_width", "0.01", "address_width", "39");
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", options), 1_001, 2);
    Map<String, Long> expected = Map.of("0x06", 99L, "0x05 unmapped", 49L, "0x05 read-only", 332L,
        "0x01", 199L, "0x04", 9L, "ok", 997L - 99 - 49 - 332 - 199 - 9);
    assertEquals(expected, classifyAll(ev, 39));
  }

  @Test
  void beyondWidthAddressesAreJustPastTheWidthNotJustPastTheDefault() throws IOException {
    Map<String, String> options = Map.of("beyond_width", "1", "unmapped_read", "0", "unmapped_write", "0",
        "readonly_write", "0", "unattached_device", "0", "empty_bus", "0", "address_width", "57");
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", options), 504, 3);
    for (TraceEvent e : ev.subList(4, ev.size())) {
      assertTrue(e.addr >= 1L << 57 && e.addr < (1L << 57) + (1L << 20), "at or just beyond 2^57: " + e);
    }
  }

  @Test
  void theActorsAreWhoTheJavadocSays() throws IOException {
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", Map.of()), 20_004, 4);
    MappingOracle oracle = new MappingOracle();
    Map<String, Set<Integer>> sidsByClass = new HashMap<>();
    for (TraceEvent e : ev) {
      if (e.kind.isDma()) {
        sidsByClass.computeIfAbsent(classify(e, oracle, 48), k -> new HashSet<>()).add(e.sid);
      } else {
        oracle.apply(e);
      }
    }
    assertEquals(Set.of(Sid.of(0, 1, 0, 0)), sidsByClass.get("ok"));
    assertEquals(Set.of(Sid.of(0, 1, 1, 0)), sidsByClass.get("0x06"));
    assertEquals(Set.of(Sid.of(0, 1, 1, 0)), sidsByClass.get("0x05 read-only"));
    assertEquals(Set.of(Sid.of(0, 1, 2, 0)), sidsByClass.get("0x02"));
    assertEquals(Set.of(Sid.of(0, 0x42, 0, 0)), sidsByClass.get("0x01"));
    assertEquals(0x02, BadActorWorkload.Actor.UNATTACHED_DEVICE.reason);
    assertEquals(0x01, BadActorWorkload.Actor.EMPTY_BUS.reason);
  }

  @Test
  void faultFractionsAboveOneAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Workloads.create("bad-actor", Map.of("unmapped_read", "0.6", "empty_bus", "0.5")));
    assertTrue(e.getMessage().contains("sum to"), e.getMessage());
    IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
        () -> Workloads.create("bad-actor", Map.of("address_width", "40")));
    assertTrue(width.getMessage().contains("'address_width'"), width.getMessage());
  }
}
