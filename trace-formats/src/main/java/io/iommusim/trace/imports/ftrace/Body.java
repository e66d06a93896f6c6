package io.iommusim.trace.imports.ftrace;

/** The decoded body of one event the ftrace importer understands. */
sealed interface Body {
  /** {@code dma:*} data direction; {@code perm} is the IOMMU permission Linux maps it to (dma_info_to_prot). */
  enum Dir {
    BIDIRECTIONAL(3), TO_DEVICE(1), FROM_DEVICE(2), NONE(0);

    final byte perm;

    Dir(int perm) {
      this.perm = (byte) perm;
    }

    static Dir parse(String s) {
      for (Dir d : values()) {
        if (d.name().equals(s)) {
          return d;
        }
      }
      return null;
    }
  }

  /** iommu:add_device_to_group / remove_device_from_group. */
  record Group(boolean add, int group, String device) implements Body {}

  /** iommu:attach_device_to_domain / detach_device_from_domain (no domain id). */
  record DeviceDomain(boolean attach, String device) implements Body {}

  /** iommu:map (either format; the range end of the 5.17+ format is checked and dropped). */
  record IommuMap(long iova, long paddr, long size) implements Body {}

  /** iommu:unmap. */
  record IommuUnmap(long iova, long size, long unmapped) implements Body {}

  /** iommu:io_page_fault; flags bit 0 = write. */
  record PageFault(String driver, String device, long iova, int flags) implements Body {}

  /**
   * A dma:* event that creates a mapping: map_page/map_phys/map_resource (phys known), alloc/alloc_pages
   * (phys unknown), alloc_sgt (phys of its first entry when it has one entry), or one entry of map_sg.
   */
  record DmaMap(String event, String device, Dir dir, boolean dirGiven, long addr, long size, long phys)
      implements Body {}

  /** dma:map_sg: one mapping per DMA entry; phys entries may be more (merged on the DMA side). */
  record DmaMapSg(String device, Dir dir, long[] addrs, long[] sizes, long[] phys) implements Body {}

  /** A dma:* event that removes a mapping: unmap_page/unmap_phys/unmap_resource, free/free_pages/free_sgt. */
  record DmaUnmap(String event, String device, long addr, long size) implements Body {}

  /** dma:unmap_sg: only the physical addresses of the list. */
  record DmaUnmapSg(String device, long[] phys) implements Body {}

  /** intel_iommu:qi_submit: a raw queued-invalidation descriptor. */
  record QiSubmit(String type, int unit, long[] qw) implements Body {}

  /** intel_iommu:cache_tag_assign / unassign / flush_all. */
  record CacheTag(String event, int unit, String device, String type, int did, int pasid, int ref) implements Body {}

  /** intel_iommu:cache_tag_flush_range / _range_np. */
  record CacheTagFlush(String event, int unit, String device, int pasid, String type, int did, long start, long end,
      long addr, long pages, int mask) implements Body {}

  /** Old (5.4-5.12) intel_iommu map_single/map_sg/bounce_map_single and unmap_*. */
  record OldIntel(boolean map, String device, long addr, long phys, long size) implements Body {}
}
