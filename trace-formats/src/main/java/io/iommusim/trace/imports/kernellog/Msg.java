package io.iommusim.trace.imports.kernellog;

import java.util.Map;

/** A decoded kernel log message that belongs to an IOMMU fault record. */
sealed interface Msg {
  /**
   * Intel DMAR DMA fault ({@code DMAR: [DMA Read|Write ...] Request device [...] fault addr ...}); reason -1
   * when it is on the next line (Linux 3.x, Xen).
   */
  record DmarFault(boolean write, int sid, int pasid, long addr, int reason) implements Msg {}

  /** Intel DMAR interrupt-remapping fault ({@code [INTR-REMAP] ... fault index ...}). */
  record DmarIr(int sid, int index, int reason) implements Msg {}

  /** The reason line of a two-line DMAR record: {@code DMAR:[fault reason NN] ...} or Xen's {@code DMAR: reason NN - ...}. */
  record DmarReason(int reason) implements Msg {}

  /** {@code AMD-Vi: Event logged [NAME fields]}; device from {@code device=} or from the dev_err prefix. */
  record AmdEvent(String name, int sid, Map<String, Long> fields) implements Msg {}

  /** {@code AMD-Vi: Event logged [} — very old kernels continued the record on the next line. */
  record AmdHead(int sid) implements Msg {}

  /** The rest of a split AMD-Vi record: {@code NAME fields]}. */
  record AmdTail(String name, Map<String, Long> fields) implements Msg {}

  /** {@code arm-smmu-v3 <smmu>: event 0xNN received:}. */
  record SmmuHeader(String smmu, int id) implements Msg {}

  /** One raw event-record word line of an SMMUv3 event ({@code \t0x%016llx}). */
  record SmmuWord(String smmu, long value) implements Msg {}

  /**
   * Newer kernels' decoded line: {@code event: NAME client: DEV sid: S ssid: P [iova: A ipa: I | fetch_addr: F]};
   * {@code phys} is the IPA or the fetch address.
   */
  record SmmuDecoded(String smmu, String event, long sid, long ssid, long iova, long phys) implements Msg {}

  /** Newer kernels' second decoded line: {@code priv|unpriv data|inst read|write s1|s2 "class" ... stag: N}. */
  record SmmuAccess(String smmu, boolean read) implements Msg {}

  /** SMMUv2 {@code Unhandled context fault: fsr=, iova=, fsynr=[, cbfrsynra=], cb=}; cbfrsynra -1 when absent. */
  record Smmu2Fault(String smmu, long fsr, long iova, long fsynr, long cbfrsynra, int cb) implements Msg {}

  /** SMMUv2 newer kernels' decoded {@code FSR = ...} / {@code FSYNR0 = ...} lines. */
  record Smmu2Decoded(String smmu) implements Msg {}

  /** {@code <function>: N callbacks suppressed} (printk rate limiting). */
  record Suppressed(String function, long count) implements Msg {}
}
