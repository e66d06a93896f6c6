package io.iommusim.translator.ir;

import io.iommusim.translator.FaultReason;

/**
 * Interrupt-remapping counters; the column name is the contract. Kept per requester in a
 * {@code long[COUNT]} the caller passes to {@link InterruptRemapper#remap}, and per unit inside the
 * remapper. {@code msi_total = msi_delivered + msi_blocked}, and {@code msi_blocked} is the sum of the
 * {@code msi_blocked_*} reasons.
 */
public enum IrCounter {
  /** Interrupt requests: msi events and DMA writes into 0xFEE00000-0xFEEFFFFF the caller routes here. */
  MSI_TOTAL("msi_total"),
  /** Requests delivered (remapped, or passed through unchecked: see msi_unprotected). */
  MSI_DELIVERED("msi_delivered"),
  /** Requests blocked with an interrupt-remapping fault (recorded or not). */
  MSI_BLOCKED("msi_blocked"),
  /** 0x20: address bits 63:32 not 0, bits 31:20 not 0xFEE, or SHV = 1 with data bits 31:16 not 0. */
  MSI_BLOCKED_RESERVED_REQUEST("msi_blocked_reserved_request"),
  /** 0x21: interrupt index at or beyond ir.table_entries. */
  MSI_BLOCKED_INDEX_OVER("msi_blocked_index_over"),
  /** 0x22: the IRTE's present bit is clear. */
  MSI_BLOCKED_IRTE_NOT_PRESENT("msi_blocked_irte_not_present"),
  /** 0x24: reserved bits set in the IRTE. */
  MSI_BLOCKED_IRTE_RESERVED("msi_blocked_irte_reserved"),
  /** 0x25: compatibility-format request with ir.block_compat = true. */
  MSI_BLOCKED_COMPAT("msi_blocked_compat"),
  /** 0x26: source-id verification failed (SVT 1 or 2 mismatch, or SVT = 3). */
  MSI_BLOCKED_SOURCE_ID("msi_blocked_source_id"),
  /** Delivered without any check: ir.enabled = false, or compatibility format with ir.block_compat = false. */
  MSI_UNPROTECTED("msi_unprotected"),
  /** Blocked requests whose fault record was suppressed by FPD in the IRTE (0x22, 0x24, 0x26 only). */
  MSI_FAULT_RECORDS_SUPPRESSED("msi_fault_records_suppressed"),
  /** Interrupt-entry-cache lookups that found the index. */
  IEC_HITS("iec_hits"),
  /** Lookups that read the IRTE from the table (every lookup when the IEC is disabled). */
  IEC_MISSES("iec_misses"),
  /** inv_iec events applied. Unit-wide: counted only in the remapper's own counters, never per requester. */
  IEC_INVALIDATIONS("iec_invalidations");

  private static final IrCounter[] VALUES = values();
  public static final int COUNT = VALUES.length;

  private final String column;

  IrCounter(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  public static IrCounter[] all() {
    return VALUES.clone();
  }

  /** The msi_blocked_* counter of an interrupt-remapping fault reason (0x23 has none: never produced). */
  public static IrCounter blockedBy(int reason) {
    switch (reason) {
      case 0x20: return MSI_BLOCKED_RESERVED_REQUEST;
      case 0x21: return MSI_BLOCKED_INDEX_OVER;
      case 0x22: return MSI_BLOCKED_IRTE_NOT_PRESENT;
      case 0x24: return MSI_BLOCKED_IRTE_RESERVED;
      case 0x25: return MSI_BLOCKED_COMPAT;
      case 0x26: return MSI_BLOCKED_SOURCE_ID;
      default:
        throw new IllegalArgumentException("not an interrupt-remapping fault the model produces: "
            + FaultReason.ofCode(reason));
    }
  }
}
