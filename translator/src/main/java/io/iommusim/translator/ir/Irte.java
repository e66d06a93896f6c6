package io.iommusim.translator.ir;

/**
 * Field decoders over a 128-bit VT-d interrupt-remapping table entry given as two 64-bit words
 * {@code lo} (bits 63:0) and {@code hi} (bits 127:64), the layout of the trace's {@code irte_lo} /
 * {@code irte_hi} (iommu-semantics.md §1.4; QEMU {@code VTD_IR_TableEntry}). Static, allocation free.
 *
 * <h2>Remapped format (IM, bit 15, = 0)</h2>
 * <pre>
 *   0 P   1 FPD   2 DM   3 RH   4 TM   7:5 DLM   11:8 available   14:12 reserved   15 IM = 0
 *   23:16 vector   31:24 reserved   63:32 destination   79:64 SID   81:80 SQ   83:82 SVT
 *   127:84 reserved
 * </pre>
 * <h2>Posted format (IM = 1)</h2>
 * Used by KVM hosts with posted interrupts (Linux {@code struct irte}, posted view): bits 7:2, 13:12,
 * 37:24 and 95:84 reserved; 14 urgent; 63:38 and 127:96 the posted-interrupt descriptor address.
 * P, FPD, SID, SQ and SVT are where they are in the remapped format. The model checks the reserved bits
 * and the source of a posted entry like any other and counts the interrupt as delivered; it does not
 * model posting itself. Without this, a descriptor above 4 GiB (bits 127:96) would read as reserved bits.
 *
 * <h2>Source validation ({@link #sourceValid})</h2>
 * Only the low 16 bits (bus:dev.fn) of the requester id are compared; the segment picks the unit.
 * <ul>
 *   <li>SVT = 0: no check.
 *   <li>SVT = 1: {@code (requester & mask) == (SID & mask)} with mask by SQ: 0 → 0xFFFF (all bits),
 *       1 → 0xFFFB (ignore bit 2), 2 → 0xFFF9 (ignore bits 2:1), 3 → 0xFFF8 (ignore bits 2:0)
 *       (QEMU {@code vtd_svt_mask}; Linux {@code SQ_13_IGNORE_1..3}).
 *   <li>SVT = 2: the requester's bus (bits 15:8) must lie in {@code [SID[15:8], SID[7:0]]}: the start
 *       bus is the HIGH byte. This follows Linux {@code set_irte_verify_bus(irte, start_bus, end_bus)},
 *       which writes {@code sid = (start_bus << 8) | end_bus}, and {@code set_msi_sid}, which writes
 *       {@code PCI_DEVID(bridge secondary bus, device bus)} (low end first) — the entries in real
 *       traces are written by Linux. QEMU's {@code vtd_irte_get} reads the bytes the other way round
 *       ({@code bus_max = source_id >> 8, bus_min = source_id & 0xff}), and iommu-semantics.md §1.4 copies
 *       QEMU; with QEMU's reading a device behind a PCIe-to-PCI bridge on a bus above the bridge's
 *       secondary bus could never interrupt, so we take Linux's. A range with start &gt; end admits no bus.
 *   <li>SVT = 3: reserved encoding; treated as a verification failure (fault 0x26), as QEMU does
 *       ("Take this as verification failure"). It is a reserved value of a defined field, not a set
 *       reserved bit, so it is not 0x24; QEMU is the only implementation we can read that decides it.
 * </ul>
 */
public final class Irte {
  /** Reserved bits of {@code lo} in the remapped format: 14:12 and 31:24. */
  public static final long RESERVED_LO_REMAPPED = 0x0000_0000_FF00_7000L;
  /** Reserved bits of {@code hi} in the remapped format: 127:84 = hi bits 63:20. */
  public static final long RESERVED_HI_REMAPPED = 0xFFFF_FFFF_FFF0_0000L;
  /** Reserved bits of {@code lo} in the posted format: 7:2, 13:12, 37:24. */
  public static final long RESERVED_LO_POSTED = 0x0000_003F_FF00_30FCL;
  /** Reserved bits of {@code hi} in the posted format: 95:84 = hi bits 31:20. */
  public static final long RESERVED_HI_POSTED = 0x0000_0000_FFF0_0000L;

  /** Source-id masks indexed by SQ. */
  private static final int[] SQ_MASK = {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8};

  private Irte() {}

  public static boolean present(long lo) {
    return (lo & 1) != 0;
  }

  /** Fault processing disable: faults through this entry are not recorded (the request is still blocked). */
  public static boolean fpd(long lo) {
    return (lo & 2) != 0;
  }

  /** Destination mode (bit 2): 0 physical, 1 logical. */
  public static int dm(long lo) {
    return (int) (lo >>> 2) & 1;
  }

  /** Redirection hint (bit 3). */
  public static int rh(long lo) {
    return (int) (lo >>> 3) & 1;
  }

  /** Trigger mode (bit 4): 0 edge, 1 level. */
  public static int tm(long lo) {
    return (int) (lo >>> 4) & 1;
  }

  /** Delivery mode (bits 7:5). */
  public static int dlm(long lo) {
    return (int) (lo >>> 5) & 7;
  }

  /** IRTE mode (bit 15): 0 remapped, 1 posted. */
  public static boolean posted(long lo) {
    return (lo & 0x8000) != 0;
  }

  /** Vector (bits 23:16). */
  public static int vector(long lo) {
    return (int) (lo >>> 16) & 0xFF;
  }

  /** Destination id (bits 63:32; in xAPIC mode the APIC id is bits 15:8 of it). */
  public static int destination(long lo) {
    return (int) (lo >>> 32);
  }

  /** Source id (bits 79:64). */
  public static int sid(long hi) {
    return (int) hi & 0xFFFF;
  }

  /** Source-id qualifier (bits 81:80). */
  public static int sq(long hi) {
    return (int) (hi >>> 16) & 3;
  }

  /** Source validation type (bits 83:82). */
  public static int svt(long hi) {
    return (int) (hi >>> 18) & 3;
  }

  /** Whether any reserved bit of the entry's format (remapped or posted, by IM) is set: fault 0x24. */
  public static boolean hasReservedBits(long lo, long hi) {
    return posted(lo)
        ? (lo & RESERVED_LO_POSTED) != 0 || (hi & RESERVED_HI_POSTED) != 0
        : (lo & RESERVED_LO_REMAPPED) != 0 || (hi & RESERVED_HI_REMAPPED) != 0;
  }

  /** Source validation of a requester id against the entry (see the class comment); false means fault 0x26. */
  public static boolean sourceValid(long hi, int requesterId) {
    int rid = requesterId & 0xFFFF;
    int sid = sid(hi);
    switch (svt(hi)) {
      case 0:
        return true;
      case 1: {
        int mask = SQ_MASK[sq(hi)];
        return ((rid ^ sid) & mask) == 0;
      }
      case 2: {
        int bus = rid >>> 8;
        return bus >= (sid >>> 8) && bus <= (sid & 0xFF);
      }
      default:
        return false;
    }
  }
}
