package io.iommusim.translator.stats;

/**
 * Counters kept per (unit, device, domain) and summed into device_stats and domain_stats.
 * The column name is the contract; the README defines each one exactly (this javadoc repeats it).
 */
public enum DeviceCounter {
  /** dma_read and dma_write events replayed. */
  DMA_EVENTS("dma_events"),
  /** Sum of the {@code size} of those events. */
  DMA_BYTES("dma_bytes"),
  /** Translation requests: one per page (or TLP) a DMA touches, from devices not in pass-through (faulting ones included). */
  TRANSLATIONS("translations"),
  /** Pages touched by DMA of pass-through devices: looked up in the context but not translated. */
  PASSTHROUGH_ACCESSES("passthrough_accesses"),
  IOTLB_HITS("iotlb_hits"),
  IOTLB_MISSES("iotlb_misses"),
  /** Valid IOTLB entries replaced to make room. */
  IOTLB_EVICTIONS("iotlb_evictions"),
  /** Whole-IOTLB flushes of the flush-on-full policy. */
  IOTLB_FULL_FLUSHES("iotlb_full_flushes"),
  PAGE_WALKS("page_walks"),
  /** Page-table entries read from memory by walks (paging-structure-cache hits save reads). */
  WALK_MEMORY_READS("walk_memory_reads"),
  PSC_L2_HITS("psc_l2_hits"),
  PSC_L3_HITS("psc_l3_hits"),
  PSC_L4_HITS("psc_l4_hits"),
  PSC_L5_HITS("psc_l5_hits"),
  /** Walks that found no paging-structure-cache entry and started at the root table. */
  PSC_MISSES("psc_misses"),
  CONTEXT_CACHE_HITS("context_cache_hits"),
  CONTEXT_CACHE_MISSES("context_cache_misses"),
  /** Root and context entries read from memory on context-cache misses. */
  CONTEXT_MEMORY_READS("context_memory_reads"),
  /** Faulting translations (each counted once, with one row in the faults table). */
  FAULTS("faults"),
  FAULTS_ROOT_NOT_PRESENT("faults_root_not_present"),
  FAULTS_CONTEXT_NOT_PRESENT("faults_context_not_present"),
  FAULTS_BEYOND_WIDTH("faults_beyond_width"),
  FAULTS_WRITE("faults_write"),
  FAULTS_READ("faults_read"),
  /** Sum of the latency of every translation, in ns (the mean is this over translations). */
  LATENCY_SUM_NS("latency_sum_ns"),
  /** ATS devices: translations served by the device's own TLB (they never reach the IOMMU). */
  DEVTLB_HITS("devtlb_hits"),
  /** ATS devices: device-TLB misses, each a translation request to the IOMMU. */
  DEVTLB_MISSES("devtlb_misses"),
  /** Device-TLB invalidations that reached the device (inv_devtlb, and strict/lazy flushes). */
  DEVTLB_INVALIDATIONS("devtlb_invalidations"),
  /** IOTLB or device-TLB hits on an entry whose mapping was removed or changed after the fill. */
  STALE_HITS("stale_hits"),
  /** Bytes of DMA served by those stale hits. */
  STALE_BYTES("stale_bytes"),
  /** Context-cache hits on an entry that no longer matches the device's context (trace mode). */
  STALE_CONTEXT_HITS("stale_context_hits"),
  /** The trace's device-selective inv_context events for this device. */
  INV_CONTEXT_DEVICE("inv_context_device");

  private static final DeviceCounter[] VALUES = values();
  public static final int COUNT = VALUES.length;

  private final String column;

  DeviceCounter(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  public static DeviceCounter[] all() {
    return VALUES.clone();
  }

  /** The counter of paging-structure-cache hits at a level (2..5). */
  public static int pscHits(int level) {
    return PSC_L2_HITS.ordinal() + level - 2;
  }
}
