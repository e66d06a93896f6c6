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
  PTE_READ_NOT_SET(0x06, "PTE Read access is not set");

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
