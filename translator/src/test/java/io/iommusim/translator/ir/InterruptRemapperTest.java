package io.iommusim.translator.ir;

import static io.iommusim.translator.ir.IrBits.compatibility;
import static io.iommusim.translator.ir.IrBits.hi;
import static io.iommusim.translator.ir.IrBits.lo;
import static io.iommusim.translator.ir.IrBits.remappable;
import static io.iommusim.translator.ir.IrBits.rid;
import static io.iommusim.translator.ir.IrCounter.IEC_HITS;
import static io.iommusim.translator.ir.IrCounter.IEC_INVALIDATIONS;
import static io.iommusim.translator.ir.IrCounter.IEC_MISSES;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_COMPAT;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_INDEX_OVER;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_IRTE_NOT_PRESENT;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_IRTE_RESERVED;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_RESERVED_REQUEST;
import static io.iommusim.translator.ir.IrCounter.MSI_BLOCKED_SOURCE_ID;
import static io.iommusim.translator.ir.IrCounter.MSI_DELIVERED;
import static io.iommusim.translator.ir.IrCounter.MSI_FAULT_RECORDS_SUPPRESSED;
import static io.iommusim.translator.ir.IrCounter.MSI_TOTAL;
import static io.iommusim.translator.ir.IrCounter.MSI_UNPROTECTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.translator.FaultReason;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Interrupt remapping end to end: every IR fault code, FPD, compatibility format, ir.enabled=false,
 * the interrupt-entry cache and inv_iec. Expected values are worked out by hand from the bit layouts.
 */
class InterruptRemapperTest {
  /** Device 03:00.0 = 0x0300 and 04:00.0 = 0x0400. */
  private static final int DEV_A = rid(3, 0, 0);
  private static final int DEV_B = rid(4, 0, 0);
  private static final int UNIT = 2;

  private final List<long[]> faults = new ArrayList<>();
  private final IrFaultSink sink =
      (ts, seq, unit, sid, index, reason) -> faults.add(new long[] {ts, seq, unit, sid, index, reason});
  private long seq;

  private InterruptRemapper remapper(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return new InterruptRemapper(new ModelSettings(Settings.defaults().with(m, "test")), UNIT, 1, sink);
  }

  private int msi(InterruptRemapper r, int sid, long addr, long data, long[] counters) {
    seq++;
    return r.remap(1000 * seq, seq, sid, addr, data, counters);
  }

  private int msi(InterruptRemapper r, int sid, long addr) {
    return msi(r, sid, addr, 0, null);
  }

  private void assertLastFault(int sid, int index, int reason) {
    long[] f = faults.get(faults.size() - 1);
    assertArrayEquals(new long[] {1000 * seq, seq, UNIT, sid, index, reason}, f);
  }

  // ---- Delivery -------------------------------------------------------------------------------

  @Test
  void presentEntryWithMatchingSourceIsDelivered() {
    InterruptRemapper r = remapper();
    assertTrue(r.irteSet(7, lo(), hi(DEV_A, 0, 1)));
    long[] k = new long[IrCounter.COUNT];
    assertEquals(InterruptRemapper.DELIVERED, msi(r, DEV_A, remappable(7, false), 0, k));
    assertEquals(1, k[MSI_TOTAL.ordinal()]);
    assertEquals(1, k[MSI_DELIVERED.ordinal()]);
    assertEquals(0, k[MSI_BLOCKED.ordinal()]);
    assertEquals(0, k[MSI_UNPROTECTED.ordinal()]);
    assertTrue(faults.isEmpty());
  }

  @Test
  void subhandleSelectsTheEntry() {
    InterruptRemapper r = remapper();
    // handle 0x20 + subhandle 3 = index 0x23; only that entry is present.
    r.irteSet(0x23, lo(), hi(DEV_A, 0, 1));
    assertEquals(0, msi(r, DEV_A, remappable(0x20, true), 3, null));
    // Same address without SHV: index 0x20, not present.
    assertEquals(0x22, msi(r, DEV_A, remappable(0x20, false), 3, null));
    assertLastFault(DEV_A, 0x20, 0x22);
  }

  @Test
  void handleBit15ReachesTheUpperHalfOfTheTable() {
    InterruptRemapper r = remapper();
    // handle 0x8001: bits 19:5 = 1 (0x20), bit 2 = 1. Index 0x8001 = 32769.
    r.irteSet(0x8001, lo(), hi(0, 0, 0));
    assertEquals(0xFEE0_0034L, remappable(0x8001, false), "0xFEE00000 + 0x20 + 0x10 + 0x04");
    assertEquals(0, msi(r, DEV_A, 0xFEE0_0034L));
    // Without bit 2 the index is 1, which is not present.
    assertEquals(0x22, msi(r, DEV_A, 0xFEE0_0030L));
    assertLastFault(DEV_A, 1, 0x22);
  }

  // ---- Every IR fault code --------------------------------------------------------------------

  @Test
  void fault0x20AddressAboveFourGiB() {
    InterruptRemapper r = remapper();
    long[] k = new long[IrCounter.COUNT];
    assertEquals(0x20, msi(r, DEV_A, 0x1_FEE0_0010L, 0, k));
    assertLastFault(DEV_A, -1, 0x20);
    assertEquals(1, k[MSI_BLOCKED.ordinal()]);
    assertEquals(1, k[MSI_BLOCKED_RESERVED_REQUEST.ordinal()]);
    assertEquals(0, k[IEC_MISSES.ordinal()], "no IRTE was looked up");
  }

  @Test
  void fault0x20AddressBits31To20NotFee() {
    InterruptRemapper r = remapper();
    assertEquals(0x20, msi(r, DEV_A, 0xFED0_0010L));
    assertLastFault(DEV_A, -1, 0x20);
    // Checked before the format: a compatibility-format address outside 0xFEE also faults 0x20.
    assertEquals(0x20, msi(r, DEV_A, 0x0000_1000L));
  }

  @Test
  void fault0x20ShvWithDataUpperBits() {
    InterruptRemapper r = remapper();
    r.irteSet(0x10, lo(), hi(0, 0, 0));
    // handle 0x10 + subhandle 0 = 0x10, present, but data[31:16] = 1.
    assertEquals(0x20, msi(r, DEV_A, remappable(0x10, true), 0x1_0000, null));
    assertLastFault(DEV_A, 0x10, 0x20);
    // Even a not-present index reports 0x20 first (request checked before the IRTE is read).
    assertEquals(0x20, msi(r, DEV_A, remappable(0x11, true), 0xFFFF_0000L, null));
    assertEquals(0, r.counter(IEC_MISSES) + r.counter(IEC_HITS));
  }

  @Test
  void fault0x21IndexBeyondTheTable() {
    InterruptRemapper r = remapper("ir.table_entries", "256");
    r.irteSet(255, lo(), hi(0, 0, 0));
    assertEquals(0, msi(r, DEV_A, remappable(255, false)));
    assertEquals(0x21, msi(r, DEV_A, remappable(256, false)));
    assertLastFault(DEV_A, 256, 0x21);
    // handle 0xFF + subhandle 1 = 0x100 = 256: the subhandle carries the index over.
    assertEquals(0x21, msi(r, DEV_A, remappable(0xFF, true), 1, null));
    assertLastFault(DEV_A, 256, 0x21);
    assertEquals(2, r.counter(MSI_BLOCKED_INDEX_OVER));
    assertFalse(r.irteSet(256, lo(), 0), "an irte_set beyond the table is refused");
  }

  @Test
  void fault0x21Past65535WithoutWrapAround() {
    InterruptRemapper r = remapper();
    r.irteSet(0, lo(), hi(0, 0, 0));
    // 0xFFFF + 1 = 0x10000 = 65536 = table size: 0x21, not a wrap to entry 0 (QEMU's uint16 would wrap).
    assertEquals(0x21, msi(r, DEV_A, remappable(0xFFFF, true), 1, null));
    assertLastFault(DEV_A, 0x10000, 0x21);
  }

  @Test
  void fault0x22EntryNeverSetOrCleared() {
    InterruptRemapper r = remapper();
    assertEquals(0x22, msi(r, DEV_A, remappable(9, false)));
    assertLastFault(DEV_A, 9, 0x22);
    // Present bit clear but the rest filled in.
    r.irteSet(10, lo(false, false, 0x41, 0x100), hi(DEV_A, 0, 1));
    assertEquals(0x22, msi(r, DEV_A, remappable(10, false)));
    // Set, then cleared (no IEC entry yet, so the table is read).
    r.irteSet(11, lo(), hi(DEV_A, 0, 1));
    r.irteClear(11);
    assertEquals(0, r.irteLo(11));
    assertEquals(0x22, msi(r, DEV_A, remappable(11, false)));
    assertEquals(3, r.counter(MSI_BLOCKED_IRTE_NOT_PRESENT));
  }

  @Test
  void fault0x23IsNeverProduced() {
    // 0x23 = error reading the table at IRTA_REG; the model has no table memory that can fail.
    assertEquals("Error accessing interrupt-remapping table pointed by IRTA_REG",
        FaultReason.ofCode(0x23).text());
    assertThrows(IllegalArgumentException.class, () -> IrCounter.blockedBy(0x23));
  }

  @Test
  void fault0x24ReservedBitsInTheEntry() {
    InterruptRemapper r = remapper();
    // bit 13 (lo, 14:12 reserved) and bit 84 (hi bit 20).
    r.irteSet(3, lo() | 1L << 13, hi(DEV_A, 0, 1));
    r.irteSet(4, lo(), hi(DEV_A, 0, 1) | 1L << 20);
    assertEquals(0x24, msi(r, DEV_A, remappable(3, false)));
    assertLastFault(DEV_A, 3, 0x24);
    assertEquals(0x24, msi(r, DEV_A, remappable(4, false)));
    assertEquals(2, r.counter(MSI_BLOCKED_IRTE_RESERVED));
    assertFalse(r.iecHolds(3) || r.iecHolds(4), "faulty entries are not cached");
  }

  @Test
  void fault0x25CompatibilityFormatBlocked() {
    InterruptRemapper r = remapper();
    long[] k = new long[IrCounter.COUNT];
    assertEquals(0xFEE0_1000L, compatibility(1));
    assertEquals(0x25, msi(r, DEV_A, compatibility(1), 0x4041, k));
    assertLastFault(DEV_A, -1, 0x25);
    assertEquals(1, k[MSI_BLOCKED_COMPAT.ordinal()]);
    assertEquals(0, k[MSI_UNPROTECTED.ordinal()]);
  }

  @Test
  void compatibilityFormatPassedWhenNotBlocked() {
    InterruptRemapper r = remapper("ir.block_compat", "false");
    long[] k = new long[IrCounter.COUNT];
    assertEquals(0, msi(r, DEV_A, compatibility(1), 0x4041, k));
    assertEquals(1, k[MSI_DELIVERED.ordinal()]);
    assertEquals(1, k[MSI_UNPROTECTED.ordinal()]);
    assertEquals(0, k[IEC_MISSES.ordinal()]);
    assertTrue(faults.isEmpty());
  }

  @Test
  void fault0x26SourceIdVerification() {
    InterruptRemapper r = remapper();
    r.irteSet(1, lo(), hi(DEV_A, 0, 1));          // SVT 1, SQ 0: exactly 03:00.0
    r.irteSet(2, lo(), hi(0x0406, 0, 2));         // SVT 2: buses 4..6
    r.irteSet(3, lo(), hi(DEV_A, 0, 3));          // SVT 3: reserved, always fails
    r.irteSet(4, lo(), hi(DEV_A, 3, 1));          // SVT 1, SQ 3: 03:00.0-03:00.7
    assertEquals(0x26, msi(r, DEV_B, remappable(1, false)));
    assertLastFault(DEV_B, 1, 0x26);
    assertEquals(0, msi(r, DEV_A, remappable(1, false)));
    assertEquals(0x26, msi(r, DEV_A, remappable(2, false)), "bus 3 is below 4");
    assertEquals(0, msi(r, DEV_B, remappable(2, false)), "bus 4 is the start");
    assertEquals(0x26, msi(r, DEV_A, remappable(3, false)));
    assertEquals(0, msi(r, rid(3, 0, 7), remappable(4, false)), "fn 7 differs in bits 2:0 only");
    assertEquals(0x26, msi(r, rid(3, 1, 0), remappable(4, false)), "dev 1 differs in bit 3");
    assertEquals(4, r.counter(MSI_BLOCKED_SOURCE_ID));
  }

  // ---- FPD ------------------------------------------------------------------------------------

  @Test
  void fpdSuppressesTheRecordButStillBlocks() {
    InterruptRemapper r = remapper();
    r.irteSet(5, lo(false, true, 0, 0), 0);                 // not present, FPD
    r.irteSet(6, lo(true, true, 0x41, 0x100) | 1L << 30, 0); // reserved bit 30, FPD
    r.irteSet(7, lo(true, true, 0x41, 0x100), hi(DEV_A, 0, 1)); // wrong source for DEV_B, FPD
    long[] k = new long[IrCounter.COUNT];
    assertEquals(0x22, msi(r, DEV_B, remappable(5, false), 0, k));
    assertEquals(0x24, msi(r, DEV_B, remappable(6, false), 0, k));
    assertEquals(0x26, msi(r, DEV_B, remappable(7, false), 0, k));
    assertTrue(faults.isEmpty(), "no fault record");
    assertEquals(3, k[MSI_BLOCKED.ordinal()]);
    assertEquals(3, k[MSI_FAULT_RECORDS_SUPPRESSED.ordinal()]);
    assertEquals(0, k[MSI_DELIVERED.ordinal()]);
    // FPD does not make the entry permissive for its own device either way: DEV_A is delivered.
    assertEquals(0, msi(r, DEV_A, remappable(7, false)));
  }

  // ---- ir.enabled = false ---------------------------------------------------------------------

  @Test
  void withoutInterruptRemappingEveryMsiIsDeliveredUnprotected() {
    InterruptRemapper r = remapper("ir.enabled", "false");
    long[] k = new long[IrCounter.COUNT];
    assertEquals(0, msi(r, DEV_A, remappable(9, false), 0, k), "not present, but nothing checks");
    assertEquals(0, msi(r, DEV_A, 0x1_FEE0_0010L, 0, k), "reserved address bits, unchecked");
    assertEquals(0, msi(r, DEV_A, compatibility(0), 0, k), "compatibility format");
    assertEquals(3, k[MSI_TOTAL.ordinal()]);
    assertEquals(3, k[MSI_DELIVERED.ordinal()]);
    assertEquals(3, k[MSI_UNPROTECTED.ordinal()]);
    assertEquals(0, k[IEC_MISSES.ordinal()] + k[IEC_HITS.ordinal()]);
    assertTrue(faults.isEmpty());
  }

  // ---- Interrupt-entry cache ------------------------------------------------------------------

  @Test
  void iecMissThenHitAttributedPerRequester() {
    InterruptRemapper r = remapper();
    r.irteSet(1, lo(), hi(0, 0, 0));
    long[] a = new long[IrCounter.COUNT];
    long[] b = new long[IrCounter.COUNT];
    msi(r, DEV_A, remappable(1, false), 0, a); // miss, fills
    msi(r, DEV_A, remappable(1, false), 0, a); // hit
    msi(r, DEV_B, remappable(1, false), 0, b); // hit: the IEC is unit-wide
    assertEquals(1, a[IEC_MISSES.ordinal()]);
    assertEquals(1, a[IEC_HITS.ordinal()]);
    assertEquals(0, b[IEC_MISSES.ordinal()]);
    assertEquals(1, b[IEC_HITS.ordinal()]);
    assertEquals(2, r.counter(IEC_HITS));
    assertEquals(1, r.counter(IEC_MISSES));
    assertEquals(3, r.counter(MSI_DELIVERED));
  }

  @Test
  void notPresentEntriesAreNotCached() {
    InterruptRemapper r = remapper();
    assertEquals(0x22, msi(r, DEV_A, remappable(5, false)));
    assertFalse(r.iecHolds(5));
    r.irteSet(5, lo(), hi(0, 0, 0));
    assertEquals(0, msi(r, DEV_A, remappable(5, false)), "no stale not-present entry");
    assertEquals(2, r.counter(IEC_MISSES));
  }

  @Test
  void staleIecEntryKeepsTheOldIrteUntilInvalidated() {
    InterruptRemapper r = remapper();
    r.irteSet(8, lo(), hi(DEV_A, 0, 1));
    assertEquals(0, msi(r, DEV_A, remappable(8, false)));   // miss, caches the DEV_A entry
    r.irteSet(8, lo(), hi(DEV_B, 0, 1));                    // retargeted, no inv_iec
    assertEquals(0, msi(r, DEV_A, remappable(8, false)), "stale copy still admits DEV_A");
    assertEquals(0x26, msi(r, DEV_B, remappable(8, false)), "and still refuses DEV_B");
    assertEquals(2, r.counter(IEC_HITS));
    r.invalidateIec(false, 8, 0);
    assertEquals(0x26, msi(r, DEV_A, remappable(8, false)), "new entry read after the invalidation");
    assertEquals(0, msi(r, DEV_B, remappable(8, false)));
    assertEquals(2, r.counter(IEC_MISSES));
  }

  @Test
  void clearedEntryStillDeliversFromTheIecUntilInvalidated() {
    InterruptRemapper r = remapper();
    r.irteSet(8, lo(), hi(DEV_A, 0, 1));
    msi(r, DEV_A, remappable(8, false));
    r.irteClear(8);
    assertEquals(0, msi(r, DEV_A, remappable(8, false)));
    r.invalidateIec(true, 0, 0);
    assertEquals(0x22, msi(r, DEV_A, remappable(8, false)));
  }

  @Test
  void disabledIecReadsTheTableEveryTime() {
    InterruptRemapper r = remapper("iec.entries", "0");
    r.irteSet(8, lo(), hi(DEV_A, 0, 1));
    msi(r, DEV_A, remappable(8, false));
    r.irteSet(8, lo(), hi(DEV_B, 0, 1));
    assertEquals(0x26, msi(r, DEV_A, remappable(8, false)), "no cache, so never stale");
    assertEquals(2, r.counter(IEC_MISSES));
    assertEquals(0, r.counter(IEC_HITS));
    r.invalidateIec(true, 0, 0);
    assertEquals(1, r.counter(IEC_INVALIDATIONS));
  }

  private InterruptRemapper cached(int... indices) {
    InterruptRemapper r = remapper();
    for (int i : indices) {
      r.irteSet(i, lo(), hi(0, 0, 0));
      assertEquals(0, msi(r, DEV_A, remappable(i, false)));
    }
    return r;
  }

  @Test
  void indexSelectiveInvalidationDropsTwoToTheAmAlignedEntries() {
    InterruptRemapper r = cached(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    assertEquals(16, r.iecSize());
    // index 5, am 2: 4 entries aligned to 4 -> 5 & ~3 = 4 -> indices 4..7.
    r.invalidateIec(false, 5, 2);
    for (int i = 0; i < 16; i++) {
      assertEquals(i < 4 || i > 7, r.iecHolds(i), "index " + i);
    }
    // index 13, am 3: 13 & ~7 = 8 -> indices 8..15.
    r.invalidateIec(false, 13, 3);
    assertEquals(4, r.iecSize(), "0..3 remain");
    // index 2, am 0: just 2.
    r.invalidateIec(false, 2, 0);
    assertFalse(r.iecHolds(2));
    assertTrue(r.iecHolds(3));
    assertEquals(3, r.counter(IEC_INVALIDATIONS));
    // A miss after the invalidation refills.
    long misses = r.counter(IEC_MISSES);
    msi(r, DEV_A, remappable(6, false));
    assertEquals(misses + 1, r.counter(IEC_MISSES));
  }

  @Test
  void selectiveInvalidationWiderThanTheCacheScansIt() {
    // 2^15 = 32768 indices > 64 IEC entries: the slot-scan path.
    InterruptRemapper r = cached(0x100, 0x7FFF, 0x8000, 0xABCD, 0xFFFF);
    // index 0x8001, am 15: 0x8001 & ~0x7FFF = 0x8000 -> 0x8000..0xFFFF.
    r.invalidateIec(false, 0x8001, 15);
    assertTrue(r.iecHolds(0x100));
    assertTrue(r.iecHolds(0x7FFF), "just below the range");
    assertFalse(r.iecHolds(0x8000));
    assertFalse(r.iecHolds(0xABCD));
    assertFalse(r.iecHolds(0xFFFF));
    // am 31 covers everything: 0 & ~(2^31 - 1) = 0 -> 0..2^31-1.
    r.invalidateIec(false, 12345, 31);
    assertEquals(0, r.iecSize());
  }

  @Test
  void globalInvalidationEmptiesTheCache() {
    InterruptRemapper r = cached(1, 2, 3);
    r.invalidateIec(true, 0, 0);
    assertEquals(0, r.iecSize());
    assertEquals(1, r.counter(IEC_INVALIDATIONS));
  }

  @Test
  void iecReplacementFollowsTheConfiguredGeometry() {
    // 2 entries, fully associative, LRU: fill 1, 2; touch 1; insert 3 evicts 2.
    InterruptRemapper r = remapper("iec.entries", "2");
    for (int i = 1; i <= 3; i++) {
      r.irteSet(i, lo(), hi(0, 0, 0));
    }
    msi(r, DEV_A, remappable(1, false));
    msi(r, DEV_A, remappable(2, false));
    msi(r, DEV_A, remappable(1, false));
    msi(r, DEV_A, remappable(3, false));
    assertTrue(r.iecHolds(1));
    assertFalse(r.iecHolds(2));
    assertTrue(r.iecHolds(3));
  }

  @Test
  void badArguments() {
    InterruptRemapper r = remapper();
    assertThrows(IllegalArgumentException.class, () -> r.irteSet(-1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> r.invalidateIec(false, 0, 32));
    assertThrows(IllegalArgumentException.class, () -> r.invalidateIec(false, -1, 0));
    r.invalidateIec(true, -1, 99); // global ignores index and am
  }

  @Test
  void counterColumnsAreSnakeCaseAndUnique() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (IrCounter c : IrCounter.all()) {
      assertTrue(c.column().matches("[a-z0-9_]+"), c.column());
      assertTrue(seen.add(c.column()), c.column());
    }
    assertEquals(MSI_BLOCKED_RESERVED_REQUEST, IrCounter.blockedBy(0x20));
    assertEquals(MSI_BLOCKED_SOURCE_ID, IrCounter.blockedBy(0x26));
  }
}
