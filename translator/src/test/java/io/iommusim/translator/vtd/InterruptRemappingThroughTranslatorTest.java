package io.iommusim.translator.vtd;

import static io.iommusim.translator.ir.IrCounter.IEC_HITS;
import static io.iommusim.translator.ir.IrCounter.IEC_MISSES;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_COMPAT;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_IRTE_NOT_PRESENT;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_SOURCE_ID;
import static io.iommusim.translator.ir.IrCounter.MSI_DELIVERED;
import static io.iommusim.translator.ir.IrCounter.MSI_TOTAL;
import static io.iommusim.translator.ir.IrCounter.MSI_UNPROTECTED;
import static io.iommusim.translator.stats.DeviceCounter.DMA_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.DMA_EVENTS;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.trace.EventKind;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Interrupt remapping reached through {@link VtdTranslator#apply}: msi events and DMA writes into
 * 0xFEE00000-0xFEEFFFFF are interrupt requests (IR counters of the device's cell, DMA counters
 * untouched); blocked ones reach {@code FaultSink.interruptFault}; irte_set / irte_clear / inv_iec act on
 * the unit's table and IEC. MSI addresses and IRTE words are built from iommu-semantics.md §1.4.
 */
class InterruptRemappingThroughTranslatorTest {
  /** 05:00.0 and 05:01.0. */
  private static final int A = 0x0500;
  private static final int B = 0x0508;

  /** Remappable MSI address: 31:20 0xFEE, 19:5 handle[14:0], 4 = 1 (remappable), 3 SHV = 0, 2 handle[15]. */
  static long msiAddr(int handle) {
    return (0xFEEL << 20) | (long) (handle & 0x7FFF) << 5 | 1L << 4 | (long) ((handle >> 15) & 1) << 2;
  }

  /** IRTE low word: 0 P = 1, 1 FPD = 0, 23:16 vector, 63:32 destination (APIC id 1 in bits 15:8). */
  static long irteLo(int vector) {
    return 1L | (long) (vector & 0xFF) << 16 | 0x0100L << 32;
  }

  /** IRTE high word: 79:64 SID -> 15:0, SQ 81:80 -> 17:16 (0 = compare all 16 bits), SVT 83:82 -> 19:18 (1). */
  static long irteHiVerify(int sid) {
    return (sid & 0xFFFFL) | 0L << 16 | 1L << 18;
  }

  private static Sim sim(String... o) {
    Sim s = new Sim(InvalidationMode.TRACE, o);
    s.attach(A, 1).attach(B, 2);
    return s;
  }

  @Test
  void msiEventAndDmaWriteIntoTheWindowAreBothInterruptRequests() {
    Sim s = sim();
    s.irteSet(5, irteLo(0x30), irteHiVerify(A));
    s.msi(A, msiAddr(5), 0); // IEC miss, entry cached, delivered
    s.write(A, msiAddr(5), 4); // a DMA write to 0xFEE000B0: the same request, IEC hit
    assertEquals(0xFEE000B0L, msiAddr(5)); // 0xFEE00000 | 5 << 5 | 0x10
    assertEquals(2, s.ir(A, MSI_TOTAL));
    assertEquals(2, s.ir(A, MSI_DELIVERED));
    assertEquals(0, s.ir(A, MSI_BLOCKED));
    assertEquals(1, s.ir(A, IEC_MISSES));
    assertEquals(1, s.ir(A, IEC_HITS));
    assertEquals(2, s.cell(A, 1).get(MSI_TOTAL)); // in the device's current cell (domain 1)
    // no DMA counted, translated or faulted
    assertEquals(0, s.dev(A, DMA_EVENTS));
    assertEquals(0, s.dev(A, DMA_BYTES));
    assertEquals(0, s.dev(A, TRANSLATIONS));
    assertEquals(0, s.faults.size());
    assertEquals(0, s.irFaults.size());
    assertEquals(1, s.tr.stats().eventsByKind()[EventKind.MSI.ordinal()]);
    assertEquals(1, s.tr.stats().eventsByKind()[EventKind.DMA_WRITE.ordinal()]);
  }

  @Test
  void windowBoundsOnlyTheMegabyteAtFee00000IsInterruptSpace() {
    Sim s = sim();
    s.map(1, 0xFED0_0000L, 0x1000, Sim.RW).map(1, 0xFEF0_0000L, 0x1000, Sim.RW);
    s.write(A, 0xFEDF_FFFCL, 4); // just below the window: DMA (page 0xFEDFF000 unmapped -> 0x05)
    s.write(A, 0xFEF0_0000L, 4); // just above: DMA (mapped, fine)
    s.write(A, 0xFEEF_FFF0L, 4); // last 16 bytes of the window: interrupt request
    assertEquals(2, s.dev(A, DMA_EVENTS));
    assertEquals(1, s.ir(A, MSI_TOTAL));
    assertEquals(1, s.faults.size());
    assertEquals(0x05, s.faults.get(0).reason());
  }

  @Test
  void spoofingDeviceIsBlockedWith0x26AndTheFaultNamesTheIndex() {
    Sim s = sim();
    s.irteSet(7, irteLo(0x31), irteHiVerify(B)); // B's vector
    s.msi(B, msiAddr(7), 0); // ts 4: B itself: delivered
    s.msi(A, msiAddr(7), 0); // ts 5: A uses B's entry: SID 0x0500 != 0x0508 under mask 0xFFFF
    assertEquals(1, s.ir(B, MSI_DELIVERED));
    assertEquals(1, s.ir(A, MSI_TOTAL));
    assertEquals(1, s.ir(A, MSI_BLOCKED));
    assertEquals(1, s.ir(A, MSI_BLOCKED_SOURCE_ID));
    assertEquals(List.of(new Sim.IrFault(5, 5, 0, A, 1, msiAddr(7), 7, 0x26)), s.irFaults);
    assertEquals(0, s.faults.size()); // not a DMA-remapping fault
  }

  @Test
  void notPresentEntryIsBlockedWith0x22ForMsiAndDmaWrite() {
    Sim s = sim();
    s.msi(A, msiAddr(9), 0); // ts 3: index 9 never set
    s.write(A, msiAddr(10), 8); // ts 4
    assertEquals(2, s.ir(A, MSI_BLOCKED_IRTE_NOT_PRESENT));
    assertEquals(2, s.ir(A, IEC_MISSES)); // not-present entries are never cached
    assertEquals(List.of(new Sim.IrFault(3, 3, 0, A, 1, msiAddr(9), 9, 0x22),
        new Sim.IrFault(4, 4, 0, A, 1, msiAddr(10), 10, 0x22)), s.irFaults);
  }

  @Test
  void compatibilityFormatIsBlockedWith0x25AndNoIndex() {
    Sim s = sim();
    s.msi(A, 0xFEE0_1000L, 0); // bit 4 clear: compatibility format, ir.block_compat=true
    assertEquals(1, s.ir(A, MSI_BLOCKED_COMPAT));
    assertEquals(1, s.irFaults.size());
    assertEquals(-1, s.irFaults.get(0).index());
    assertEquals(0x25, s.irFaults.get(0).reason());
  }

  @Test
  void irteSetClearAndIecInvalidationThroughApply() {
    Sim s = sim();
    s.irteSet(3, irteLo(0x40), irteHiVerify(A));
    s.msi(A, msiAddr(3), 0); // 1: IEC miss, cached, delivered
    s.irteClear(3);
    s.msi(A, msiAddr(3), 0); // 2: IEC hit on the old copy: still delivered
    s.invIecIndex(3, 0);
    s.msi(A, msiAddr(3), 0); // 3: IEC miss, table entry zero: 0x22 (not cached)
    s.irteSet(3, irteLo(0x40), irteHiVerify(B));
    s.msi(A, msiAddr(3), 0); // 4: IEC miss, names B: 0x26 (present and clean: cached)
    s.irteSet(3, irteLo(0x40), irteHiVerify(A)); // no inv_iec
    s.msi(A, msiAddr(3), 0); // 5: IEC hit on the copy naming B: 0x26 again
    s.invIecGlobal();
    s.msi(A, msiAddr(3), 0); // 6: IEC miss, names A: delivered
    assertEquals(6, s.ir(A, MSI_TOTAL));
    assertEquals(3, s.ir(A, MSI_DELIVERED)); // 1, 2, 6
    assertEquals(3, s.ir(A, MSI_BLOCKED)); // 3, 4, 5
    assertEquals(1, s.ir(A, MSI_BLOCKED_IRTE_NOT_PRESENT));
    assertEquals(2, s.ir(A, MSI_BLOCKED_SOURCE_ID));
    assertEquals(2, s.ir(A, IEC_HITS)); // 2, 5
    assertEquals(4, s.ir(A, IEC_MISSES)); // 1, 3, 4, 6
    assertEquals(List.of(0x22, 0x26, 0x26), s.irFaults.stream().map(Sim.IrFault::reason).toList());
    assertEquals(List.of(3, 3, 3), s.irFaults.stream().map(Sim.IrFault::index).toList());
  }

  @Test
  void indexSelectiveIecInvalidationCoversTwoToTheAmAlignedIndices() {
    Sim s = sim();
    for (int i = 8; i < 12; i++) {
      s.irteSet(i, irteLo(0x50 + i), irteHiVerify(A));
      s.msi(A, msiAddr(i), 0); // 4 misses, 4 cached
    }
    for (int i = 8; i < 12; i++) {
      s.irteClear(i);
    }
    s.invIecIndex(9, 1); // am 1: 2 indices aligned: 9 & ~1 = 8 -> 8, 9
    for (int i = 8; i < 12; i++) {
      s.msi(A, msiAddr(i), 0); // 8, 9: miss -> 0x22; 10, 11: hit on stale copies -> delivered
    }
    assertEquals(2, s.ir(A, MSI_BLOCKED_IRTE_NOT_PRESENT));
    assertEquals(4 + 2, s.ir(A, MSI_DELIVERED));
    assertEquals(List.of(8, 9), s.irFaults.stream().map(Sim.IrFault::index).toList());
  }

  @Test
  void irDisabledDeliversEverythingUnprotected() {
    Sim s = sim("ir.enabled=false");
    s.msi(A, msiAddr(9), 0); // no IRTE at all
    s.write(A, 0xFEE0_0000L, 4); // compatibility-format write
    assertEquals(2, s.ir(A, MSI_TOTAL));
    assertEquals(2, s.ir(A, MSI_DELIVERED));
    assertEquals(2, s.ir(A, MSI_UNPROTECTED));
    assertEquals(0, s.ir(A, MSI_BLOCKED));
    assertEquals(0, s.ir(A, IEC_MISSES)); // nothing is looked up
    assertEquals(0, s.irFaults.size());
    assertEquals(0, s.dev(A, DMA_EVENTS));
  }

  @Test
  void interruptFromADetachedDeviceIsCountedUnderDomainMinusOne() {
    Sim s = sim();
    s.detach(A);
    s.msi(A, msiAddr(2), 0); // ts 4: not present
    assertEquals(1, s.cell(A, -1).get(MSI_TOTAL));
    assertEquals(-1, s.irFaults.get(0).domain());
  }
}
