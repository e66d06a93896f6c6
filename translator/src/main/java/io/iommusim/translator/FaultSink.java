package io.iommusim.translator;

/**
 * Receives one record per faulting translation, in replay order. Primitive arguments only, so the
 * replay loop allocates nothing for a fault.
 */
@FunctionalInterface
public interface FaultSink {
  FaultSink DISCARD = (ts, seq, unit, sid, pasid, domain, addr, write, reason) -> {};

  /**
   * @param domain the device's domain at the time, -1 when it has none (context faults)
   * @param addr the faulting IOVA (the address of the page translation that failed)
   * @param write true for a write request, false for a read
   * @param reason the VT-d fault reason code (see {@link FaultReason})
   */
  void fault(long tsNs, long seq, int unit, int sid, int pasid, int domain, long addr, boolean write, int reason);

  /**
   * One record per blocked interrupt request whose fault is recorded (FPD can suppress it).
   *
   * @param domain the requester's domain at the time, -1 when it has none
   * @param addr the MSI address of the request
   * @param irteIndex the interrupt index the request named, -1 when it never got that far (0x20, 0x25)
   * @param reason the VT-d interrupt-remapping fault reason (0x20..0x26)
   */
  default void interruptFault(long tsNs, long seq, int unit, int sid, int domain, long addr, int irteIndex, int reason) {}
}
