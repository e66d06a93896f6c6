package io.iommusim.translator.ir;

/**
 * Decoding of an x86 MSI address/data pair as VT-d interrupt remapping sees it (iommu-semantics.md
 * §1.4; QEMU {@code VTD_IR_MSIAddress}, {@code vtd_interrupt_remap_msi}). Static, allocation free.
 *
 * <h2>Address (the low 32 bits; bits 63:32 must be 0)</h2>
 * <pre>
 *   31:20  0xFEE            anything else is a reserved-field violation (fault 0x20)
 *   19:5   handle[14:0]
 *   4      format           1 = remappable, 0 = compatibility
 *   3      SHV              sub-handle valid
 *   2      handle[15]
 *   1:0    don't care
 * </pre>
 * <h2>Data</h2>
 * With SHV = 1, data[15:0] is the sub-handle and data[31:16] must be 0 (else fault 0x20). The MSI data
 * is a 32-bit value carried in a 64-bit column: any bit above 15 is checked, so bits 63:32 are treated
 * like data[31:16]. With SHV = 0 the data is not looked at.
 *
 * <h2>Interrupt index</h2>
 * {@code index = handle} with SHV = 0, {@code handle + subhandle} with SHV = 1: 0..131070. The index is
 * not truncated to 16 bits (QEMU's {@code uint16_t index} wraps); an index at or beyond the table size
 * faults 0x21 ({@link InterruptRemapper}).
 */
public final class MsiAddress {
  /** First address of the interrupt window (QEMU {@code VTD_INTERRUPT_ADDR_FIRST}). */
  public static final long WINDOW_FIRST = 0xFEE0_0000L;
  /** Last address of the interrupt window (QEMU {@code VTD_INTERRUPT_ADDR_LAST}). */
  public static final long WINDOW_LAST = 0xFEEF_FFFFL;

  private MsiAddress() {}

  /**
   * Whether a DMA write to {@code addr} is an interrupt request: {@code 0xFEE00000 <= addr <= 0xFEEFFFFF}
   * (as an unsigned 64-bit address).
   */
  public static boolean isInterruptWindow(long addr) {
    return addr >= WINDOW_FIRST && addr <= WINDOW_LAST;
  }

  /** Bit 4: 1 = remappable format, 0 = compatibility format. */
  public static boolean isRemappable(long addr) {
    return (addr & 0x10) != 0;
  }

  /** Bit 3: sub-handle valid. */
  public static boolean shv(long addr) {
    return (addr & 0x8) != 0;
  }

  /** The 16-bit handle: {@code address[19:5]} in bits 14:0 and {@code address[2]} in bit 15. */
  public static int handle(long addr) {
    return (int) ((addr >>> 5) & 0x7FFF) | (int) ((addr >>> 2) & 1) << 15;
  }

  /** {@code data[15:0]}. */
  public static int subhandle(long data) {
    return (int) (data & 0xFFFF);
  }

  /** {@code handle}, plus {@link #subhandle} when {@link #shv}: 0..131070. */
  public static int index(long addr, long data) {
    return shv(addr) ? handle(addr) + subhandle(data) : handle(addr);
  }

  /**
   * Reserved-field violations of the address alone, either format: bits 63:32 not 0, or bits 31:20 not
   * 0xFEE. (QEMU checks these before it looks at the format.)
   */
  public static boolean addressReserved(long addr) {
    return (addr >>> 32) != 0 || ((addr >>> 20) & 0xFFF) != 0xFEE;
  }

  /** Reserved-field violation of the data of a remappable request: SHV = 1 and any data bit above 15 set. */
  public static boolean dataReserved(long addr, long data) {
    return shv(addr) && (data >>> 16) != 0;
  }
}
