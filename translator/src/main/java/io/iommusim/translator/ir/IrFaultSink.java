package io.iommusim.translator.ir;

/**
 * Receives one record per interrupt request blocked by interrupt remapping whose fault is recorded
 * (not suppressed by FPD), in replay order. Primitive arguments only.
 */
@FunctionalInterface
public interface IrFaultSink {
  IrFaultSink DISCARD = (ts, seq, unit, sid, irteIndex, reason) -> {};

  /**
   * @param sid the requester id as given to {@link InterruptRemapper#remap}
   * @param irteIndex the interrupt index (handle, plus subhandle when SHV = 1; the fault record's FI
   *     field), or -1 when the request was not decoded as remappable (address reserved bits, 0x20 on
   *     the address; compatibility format, 0x25)
   * @param reason 0x20..0x26 (see {@link io.iommusim.translator.FaultReason})
   */
  void fault(long tsNs, long seq, int unit, int sid, int irteIndex, int reason);
}
