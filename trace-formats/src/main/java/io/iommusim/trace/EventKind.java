package io.iommusim.trace;

/**
 * Kinds of canonical trace events (architecture.md, "Canonical event model").
 * The text form is the contract used in CSV and Parquet; the ordinal is only an in-memory code.
 */
public enum EventKind {
  ATTACH("attach"),
  ATTACH_PASSTHROUGH("attach_passthrough"),
  DETACH("detach"),
  MAP("map"),
  UNMAP("unmap"),
  DMA_READ("dma_read"),
  DMA_WRITE("dma_write"),
  MSI("msi"),
  IRTE_SET("irte_set"),
  IRTE_CLEAR("irte_clear"),
  INV_IOTLB("inv_iotlb"),
  INV_CONTEXT("inv_context"),
  INV_DEVTLB("inv_devtlb"),
  INV_IEC("inv_iec"),
  /** A fault recorded by a real system (e.g. a kernel log); kept for validation, never replayed as an access. */
  FAULT_OBSERVED("fault_observed");

  private static final EventKind[] VALUES = values();

  private final String text;

  EventKind(String text) {
    this.text = text;
  }

  /** The contract spelling, e.g. {@code dma_read}. */
  public String text() {
    return text;
  }

  public boolean isDma() {
    return this == DMA_READ || this == DMA_WRITE;
  }

  public boolean isInvalidation() {
    return this == INV_IOTLB || this == INV_CONTEXT || this == INV_DEVTLB || this == INV_IEC;
  }

  public static EventKind ofCode(int code) {
    return VALUES[code];
  }

  /** Parses the contract spelling (exact, lower case); returns null when unknown. */
  public static EventKind fromText(String s) {
    for (EventKind k : VALUES) {
      if (k.text.equals(s)) {
        return k;
      }
    }
    return null;
  }
}
