package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

  /** DMAs labelled by {@link #classify}, MSIs by {@link InterruptOracle#classify} as "msi ok", "msi 0x25", …. */
  private static Map<String, Long> classifyAll(List<TraceEvent> events, int addressWidth) {
    MappingOracle oracle = new MappingOracle();
    InterruptOracle ir = new InterruptOracle();
    Map<String, Long> counts = new HashMap<>();
    for (TraceEvent e : events) {
      if (e.kind == EventKind.MSI) {
        counts.merge("msi " + ir.classify(e), 1L, Long::sum);
      } else if (e.kind.isDma()) {
        counts.merge(classify(e, oracle, addressWidth), 1L, Long::sum);
        if (e.sid == BadActorWorkload.GOOD_SID) {
          assertTrue(oracle.allows(e), "the good device never faults: " + e);
        }
      } else {
        oracle.apply(e);
        ir.apply(e);
      }
    }
    return counts;
  }

  @Test
  void defaultFractionsGiveExactCountsPerFaultClass() throws IOException {
    // 4 + 2·4 setup events + T = 10 000; each default fraction 0.02 → ⌊0.02·10 000⌋ = 200 (msi_compat 0),
    // good DMAs = 10 000 − 8·200
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", Map.of()), 10_012, 1);
    Map<String, Long> expected = Map.of("0x06", 200L, "0x05 unmapped", 200L, "0x05 read-only", 200L,
        "0x02", 200L, "0x01", 200L, "0x04", 200L, "msi ok", 200L, "msi 0x26", 200L, "ok", 8_400L);
    assertEquals(expected, classifyAll(ev, 48));
  }

  @Test
  void configuredFractionsAreFlooredExactly() throws IOException {
    // T = 997: ⌊0.1·997⌋ = 99, ⌊0.05·997⌋ = 49, ⌊0.333·997⌋ = ⌊332.001⌋ = 332, 0 → 0, ⌊0.2·997⌋ = 199, ⌊0.01·997⌋ = 9
    Map<String, String> options = Map.of("unmapped_read", "0.1", "unmapped_write", "0.05", "readonly_write", "0.333",
        "unattached_device", "0", "empty_bus", "0.2", "beyond_width", "0.01", "address_width", "39",
        "msi_fraction", "0", "msi_spoof", "0");
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", options), 1_001, 2);
    Map<String, Long> expected = Map.of("0x06", 99L, "0x05 unmapped", 49L, "0x05 read-only", 332L,
        "0x01", 199L, "0x04", 9L, "ok", 997L - 99 - 49 - 332 - 199 - 9);
    assertEquals(expected, classifyAll(ev, 39));
  }

  @Test
  void beyondWidthAddressesAreJustPastTheWidthNotJustPastTheDefault() throws IOException {
    Map<String, String> options = Map.of("beyond_width", "1", "unmapped_read", "0", "unmapped_write", "0",
        "readonly_write", "0", "unattached_device", "0", "empty_bus", "0", "address_width", "57",
        "msi_fraction", "0", "msi_spoof", "0");
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", options), 504, 3);
    for (TraceEvent e : ev.subList(4, ev.size())) {
      assertTrue(e.addr >= 1L << 57 && e.addr < (1L << 57) + (1L << 20), "at or just beyond 2^57: " + e);
    }
  }

  @Test
  void theActorsAreWhoTheJavadocSays() throws IOException {
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", Map.of("msi_compat", "0.01")), 20_012, 4);
    MappingOracle oracle = new MappingOracle();
    InterruptOracle ir = new InterruptOracle();
    Map<String, Set<Integer>> sidsByClass = new HashMap<>();
    for (TraceEvent e : ev) {
      if (e.kind == EventKind.MSI) {
        sidsByClass.computeIfAbsent("msi " + ir.classify(e), k -> new HashSet<>()).add(e.sid);
      } else if (e.kind.isDma()) {
        sidsByClass.computeIfAbsent(classify(e, oracle, 48), k -> new HashSet<>()).add(e.sid);
      } else {
        oracle.apply(e);
        ir.apply(e);
      }
    }
    assertEquals(Set.of(Sid.of(0, 1, 0, 0)), sidsByClass.get("msi ok"));
    assertEquals(Set.of(Sid.of(0, 1, 1, 0)), sidsByClass.get("msi 0x26"));
    assertEquals(Set.of(Sid.of(0, 1, 1, 0)), sidsByClass.get("msi 0x25"));
    assertTrue(oracle.domainOfSid.containsKey(Sid.of(0, 1, 1, 0)), "the spoofer is an attached device");
    assertEquals(0x26, BadActorWorkload.Actor.MSI_SPOOF.reason);
    assertEquals(0x25, BadActorWorkload.Actor.MSI_COMPAT.reason);
    assertEquals(TraceEvent.NONE, BadActorWorkload.Actor.GOOD_MSI.reason);
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
  @Test
  void configuredMsiFractionsAreFlooredExactly() throws IOException {
    // setup 12, T = 997: ⌊0.1·997⌋ = 99 good MSIs, ⌊0.25·997⌋ = 249 spoofed, ⌊0.033·997⌋ = ⌊32.901⌋ = 32 compat,
    // ⌊0.02·997⌋ = 19 for each of the six DMA faults, and the good DMAs take the rest
    Map<String, String> options = Map.of("msi_fraction", "0.1", "msi_spoof", "0.25", "msi_compat", "0.033");
    BadActorWorkload w = (BadActorWorkload) Workloads.create("bad-actor", options);
    assertEquals(12, w.minimumEvents());
    List<TraceEvent> ev = CollectingSink.run(w, 1_009, 5);
    Map<String, Long> expected = new HashMap<>(Map.of("msi ok", 99L, "msi 0x26", 249L, "msi 0x25", 32L,
        "0x06", 19L, "0x05 unmapped", 19L, "0x05 read-only", 19L, "0x02", 19L, "0x01", 19L, "0x04", 19L));
    expected.put("ok", 997L - 99 - 249 - 32 - 6 * 19);
    assertEquals(expected, classifyAll(ev, 48));
  }

  @Test
  void setupProgramsTheGoodDevicesIrtesAndEachSpoofedMsiNamesOneOfThem() throws IOException {
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", Map.of("msi_spoof", "0.3")), 5_012, 6);
    InterruptOracle ir = new InterruptOracle();
    for (int i = 0; i < 4; i++) {
      TraceEvent set = ev.get(4 + 2 * i);
      TraceEvent iec = ev.get(5 + 2 * i);
      assertEquals(EventKind.IRTE_SET, set.kind);
      assertEquals(32 + i, set.index);
      // P | RH | vector (0x21 + i) << 16 | destination i << 32; SID 01:00.0 | SVT 1 << 18
      assertEquals(0x9L | (0x21L + i) << 16 | (long) i << 32, set.irteLo);
      assertEquals(0x0100L | 1L << 18, set.irteHi);
      assertEquals(EventKind.INV_IEC, iec.kind);
      assertEquals(32 + i, iec.index);
      assertEquals(io.iommusim.trace.Granularity.INDEX, iec.granularity);
      ir.apply(set);
    }
    long spoofed = 0;
    Set<Integer> handlesUsed = new HashSet<>();
    for (TraceEvent e : ev.subList(12, ev.size())) {
      assertTrue(e.kind.isDma() || e.kind == EventKind.MSI, "traffic is DMAs and MSIs: " + e);
      if (e.kind == EventKind.MSI) {
        InterruptOracle.Irte irte = ir.table.get(InterruptOracle.index(e));
        assertTrue(irte != null && irte.present(), "names a programmed IRTE: " + e);
        assertEquals(1, irte.svt());
        assertEquals(0, irte.sq());
        assertEquals(0, e.data);
        assertEquals(4, e.size);
        if (e.sid == BadActorWorkload.ROGUE_SID) {
          spoofed++;
          assertNotEquals(e.sid, irte.sid(), "a spoofed MSI names an IRTE of another requester: " + e);
          assertEquals(BadActorWorkload.GOOD_SID, irte.sid());
          handlesUsed.add(InterruptOracle.index(e));
        } else {
          assertEquals(BadActorWorkload.GOOD_SID, e.sid);
          assertEquals(e.sid, irte.sid(), "a good MSI goes through its own IRTE: " + e);
        }
      }
    }
    assertEquals((long) Math.floor(0.3 * 5_000), spoofed);
    assertEquals(Set.of(32, 33, 34, 35), handlesUsed);
  }

  @Test
  void compatibilityFormatMsisAreInTheWindowWithTheFormatBitClear() throws IOException {
    Map<String, String> options = Map.of("msi_compat", "1", "msi_fraction", "0", "msi_spoof", "0", "unmapped_read", "0",
        "unmapped_write", "0", "readonly_write", "0", "unattached_device", "0", "empty_bus", "0", "beyond_width", "0");
    List<TraceEvent> ev = CollectingSink.run(Workloads.create("bad-actor", options), 12 + 500, 7);
    for (TraceEvent e : ev.subList(12, ev.size())) {
      assertEquals(EventKind.MSI, e.kind);
      assertEquals(BadActorWorkload.ROGUE_SID, e.sid);
      assertEquals(0xFEEL, e.addr >>> 20, "interrupt window");
      assertEquals(0, e.addr >>> 4 & 1, "compatibility format");
      assertEquals(0, e.addr & 0xFEF, "only destination bits 19:12 set");
      assertTrue(e.data >= 0x21 && e.data <= 0xEF, "a device vector: " + e);
    }
  }

  @Test
  void withAllMsiFractionsZeroTheSetupIsTheOldOne() throws IOException {
    Map<String, String> options = Map.of("msi_fraction", "0", "msi_spoof", "0", "msi_compat", "0");
    Workload w = Workloads.create("bad-actor", options);
    assertEquals(4, w.minimumEvents());
    List<TraceEvent> ev = CollectingSink.run(w, 3_004, 8);
    assertTrue(ev.stream().allMatch(e -> e.kind.isDma() || e.kind == EventKind.ATTACH || e.kind == EventKind.MAP));
  }
}
