package io.iommusim.translator.ir;

/**
 * Test-side builders of MSI address/data and IRTE words, written from the bit tables of
 * iommu-semantics.md §1.4 independently of the code under test.
 */
final class IrBits {
  private IrBits() {}

  /**
   * Remappable-format MSI address: 31:20 = 0xFEE, 19:5 = handle[14:0], 4 = 1, 3 = SHV, 2 = handle[15].
   */
  static long remappable(int handle, boolean shv) {
    long a = 0xFEEL << 20;
    a |= (long) (handle & 0x7FFF) << 5;
    a |= 1L << 4;
    if (shv) {
      a |= 1L << 3;
    }
    a |= (long) ((handle >> 15) & 1) << 2;
    return a;
  }

  /** Compatibility-format MSI address: 31:20 = 0xFEE, 19:12 destination id, bit 4 = 0. */
  static long compatibility(int destinationId) {
    return (0xFEEL << 20) | (long) (destinationId & 0xFF) << 12;
  }

  /** IRTE low word, remapped format: 0 P, 1 FPD, 23:16 vector, 63:32 destination. */
  static long lo(boolean present, boolean fpd, int vector, int destination) {
    long v = 0;
    if (present) {
      v |= 1L;
    }
    if (fpd) {
      v |= 1L << 1;
    }
    v |= (long) (vector & 0xFF) << 16;
    v |= (long) destination << 32;
    return v;
  }

  /** A present, FPD-clear entry with vector 0x41 and destination 0x0100 (APIC id 1 in xAPIC mode). */
  static long lo() {
    return lo(true, false, 0x41, 0x0100);
  }

  /** IRTE high word: 79:64 SID -> bits 15:0, 81:80 SQ -> bits 17:16, 83:82 SVT -> bits 19:18. */
  static long hi(int sid, int sq, int svt) {
    return (sid & 0xFFFFL) | (long) (sq & 3) << 16 | (long) (svt & 3) << 18;
  }

  /** Requester id bus:dev.fn. */
  static int rid(int bus, int dev, int fn) {
    return bus << 8 | dev << 3 | fn;
  }
}
