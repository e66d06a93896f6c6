package io.iommusim.translator.stats;

/** Counters of a domain's page table, from its map and unmap events (domain_stats only). */
public enum DomainCounter {
  MAPS("maps"),
  UNMAPS("unmaps"),
  /** 4 KiB pages mapped by maps (a 2 MiB leaf counts 512). */
  MAPPED_PAGES("mapped_pages"),
  /** 4 KiB pages unmapped (a superpage removed whole counts all of its pages). */
  UNMAPPED_PAGES("unmapped_pages"),
  /** 4 KiB pages of map ranges that were already mapped (overlapping maps: the new mapping replaces the old). */
  MAP_OVERLAP_PAGES("map_overlap_pages"),
  /** 4 KiB pages inside unmap ranges that had no mapping. */
  UNMAP_OF_UNMAPPED_PAGES("unmap_of_unmapped_pages"),
  /** Superpage leaves split one level down because a smaller page was mapped inside them. */
  SUPERPAGE_SPLITS("superpage_splits"),
  /** Superpage leaves removed whole by an unmap that covered only part of them (Linux semantics). */
  SUPERPAGE_UNMAPS_BEYOND_RANGE("superpage_unmaps_beyond_range"),
  /** Page-table pages (4 KiB tables) allocated for the domain. */
  PAGE_TABLE_PAGES("page_table_pages"),
  /** The trace's domain-selective inv_iotlb events. */
  INV_IOTLB_DOMAIN("inv_iotlb_domain"),
  /** The trace's page-selective inv_iotlb events. */
  INV_IOTLB_PAGE("inv_iotlb_page"),
  /** The trace's domain-selective inv_context events. */
  INV_CONTEXT_DOMAIN("inv_context_domain"),
  /** invalidation.mode=strict: unmaps invalidated at once. */
  STRICT_UNMAP_INVALIDATIONS("strict_unmap_invalidations"),
  /** invalidation.mode=lazy: unmaps put in the flush queue. */
  LAZY_QUEUED_UNMAPS("lazy_queued_unmaps"),
  /** invalidation.mode=lazy: domain-wide flushes because an unmap found the queue full. */
  LAZY_FLUSHES_QUEUE_FULL("lazy_flushes_queue_full"),
  /** invalidation.mode=lazy: domain-wide flushes when the timer (armed by an unmap that found it idle) expired. */
  LAZY_FLUSHES_TIMEOUT("lazy_flushes_timeout");

  private static final DomainCounter[] VALUES = values();
  public static final int COUNT = VALUES.length;

  private final String column;

  DomainCounter(String column) {
    this.column = column;
  }

  public String column() {
    return column;
  }

  public static DomainCounter[] all() {
    return VALUES.clone();
  }
}
