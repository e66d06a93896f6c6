package io.iommusim.trace.generate;

/**
 * VT-d interrupt-remapping encodings the workloads write into {@code msi} and {@code irte_set} events
 * (iommu-semantics §1.4), programmed the way Linux's {@code intel/irq_remapping.c} does it.
 *
 * <p><b>Remappable MSI address</b> ({@code msi} event {@code addr}): bits 31:20 = 0xFEE, 19:5 =
 * handle[14:0], bit 4 = 1 (remappable format), bit 3 = SHV, bit 2 = handle[15], bits 1:0 = 0. The
 * workloads send SHV = 0 and data = 0, so the IRTE index is the handle itself. (Linux's
 * {@code fill_msi_msg} sets SHV = 1 with sub-handle 0 for MSI-X, which selects the same index.)
 *
 * <p><b>Compatibility-format MSI address</b>: bits 31:20 = 0xFEE, 19:12 = destination APIC id, bit 4 = 0;
 * data bits 7:0 = vector (fixed delivery, edge).
 *
 * <p><b>IRTE</b> (128 bits as {@code irte_lo}, {@code irte_hi}), as Linux's {@code prepare_irte} +
 * {@code set_irte_sid(irte, SVT_VERIFY_SID, SQ_ALL_16, sid)} build it, x2APIC mode (destination = APIC
 * id, not shifted): lo bit 0 P = 1, bit 1 FPD = 0, bit 2 DM = 0 (physical), bit 3 RH = 1, bit 4 TM = 0
 * (edge), 7:5 DLM = 0 (fixed), 23:16 vector, 63:32 destination; hi bits 15:0 SID, 17:16 SQ = 0 (compare
 * all 16 bits), 19:18 SVT = 1 (verify the requester id against SID); every other bit 0.
 */
final class Interrupts {
  static final long MSI_BASE = 0xFEE0_0000L;
  static final int SVT_VERIFY_SID = 1;
  static final int SQ_ALL_16 = 0;
  /** Linux hands device interrupts vectors from FIRST_EXTERNAL_VECTOR + 1 up to 0xEF (system vectors above). */
  static final int FIRST_DEVICE_VECTOR = 0x21;
  static final int LAST_DEVICE_VECTOR = 0xEF;

  private Interrupts() {}

  /** Remappable-format MSI address naming IRTE {@code handle} (0..65535), SHV = 0. */
  static long remappableAddress(int handle) {
    if (handle < 0 || handle > 0xFFFF) {
      throw new IllegalArgumentException("IRTE handle must be 0..65535: " + handle);
    }
    return MSI_BASE | (long) (handle & 0x7FFF) << 5 | 1L << 4 | (long) (handle >>> 15) << 2;
  }

  /** Compatibility-format MSI address (bit 4 = 0) to APIC id {@code destination} (0..255). */
  static long compatibilityAddress(int destination) {
    return MSI_BASE | (long) (destination & 0xFF) << 12;
  }

  /** Low IRTE word: present, physical destination mode, redirection hint, edge, fixed delivery. */
  static long irteLow(int vector, int destination) {
    return 1L | 1L << 3 | (long) (vector & 0xFF) << 16 | (destination & 0xFFFF_FFFFL) << 32;
  }

  /** High IRTE word: source validation of the requester id {@code sid} against all 16 bits. */
  static long irteHigh(int sid) {
    return (sid & 0xFFFFL) | (long) SQ_ALL_16 << 16 | (long) SVT_VERIFY_SID << 18;
  }

  /** A device vector for the n-th interrupt placed on one CPU, cycling through 0x21..0xEF. */
  static int deviceVector(int n) {
    return FIRST_DEVICE_VECTOR + Math.floorMod(n, LAST_DEVICE_VECTOR - FIRST_DEVICE_VECTOR + 1);
  }
}
