package io.iommusim.translator;

/**
 * VT-d fault reason codes the model reports, with the text Linux prints for them
 * (iommu-semantics.md §1.3, §1.4: Linux {@code dma_remap_fault_reasons[]} / {@code irq_remap_fault_reasons[]}).
 */
public enum FaultReason {
  ROOT_ENTRY_NOT_PRESENT(0x01, "Present bit in root entry is clear"),
  CONTEXT_ENTRY_NOT_PRESENT(0x02, "Present bit in context entry is clear"),
  ADDRESS_BEYOND_MGAW(0x04, "Access beyond MGAW"),
  PTE_WRITE_NOT_SET(0x05, "PTE Write access is not set"),
  PTE_READ_NOT_SET(0x06, "PTE Read access is not set"),
  // Interrupt remapping (Linux irq_remap_fault_reasons[], index = code - 0x20; QEMU VTD_FR_IR_*).
  IR_REQUEST_RESERVED(0x20, "Detected reserved fields in the decoded interrupt-remapped request"),
  IR_INDEX_OVER(0x21, "Interrupt index exceeded the interrupt-remapping table size"),
  IR_ENTRY_NOT_PRESENT(0x22, "Present field in the IRTE entry is clear"),
  /** Never produced by the model: it has no IRTA register and no table memory that could fail to be read. */
  IR_TABLE_ACCESS_ERROR(0x23, "Error accessing interrupt-remapping table pointed by IRTA_REG"),
  IR_IRTE_RESERVED(0x24, "Detected reserved fields in the IRTE entry"),
  IR_COMPAT_BLOCKED(0x25, "Blocked a compatibility format interrupt request"),
  IR_SOURCE_ID_FAILED(0x26, "Blocked an interrupt request due to source-id verification failure");

  private final int code;
  private final String text;

  FaultReason(int code, String text) {
    this.code = code;
    this.text = text;
  }

  /** The architected reason code (the FR field of the fault recording register). */
  public int code() {
    return code;
  }

  public String text() {
    return text;
  }

  public static FaultReason ofCode(int code) {
    for (FaultReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    throw new IllegalArgumentException("no fault reason 0x" + Integer.toHexString(code));
  }
}
