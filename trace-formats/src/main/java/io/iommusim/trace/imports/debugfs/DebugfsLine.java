package io.iommusim.trace.imports.debugfs;

/** One decoded line of an Intel IOMMU debugfs dump: the records that carry state or set the section. */
sealed interface DebugfsLine {
  /** Which file a unit header opens. */
  enum Section { DMAR, IR_REMAPPED, IR_POSTED }

  /** {@code IOMMU dmarN: Root Table Address ...}, {@code Remapped/Posted Interrupt supported on IOMMU: dmarN}. */
  record UnitHeader(Section section, int unit) implements DebugfsLine {}

  /**
   * A dmar_translation_struct row: {@code bb:dd.f root_hi:root_lo ctx_hi:ctx_lo [PASID pe2:pe1:pe0]}
   * (since 2019), or the older {@code devfn bb:dd.f hi lo} (then {@code hasPasid} is false).
   *
   * @param pasid -1 for legacy mode (and for rows without the PASID columns)
   */
  record ContextRow(int sid, long ctxHi, long ctxLo, boolean hasPasid, int pasid, long pe2, long pe1, long pe0)
      implements DebugfsLine {}

  /** The PASID columns of a context row that a mail client moved to their own line. */
  record PasidTail(int pasid, long pe2, long pe1, long pe0) implements DebugfsLine {}

  /**
   * {@code Device ssss:bb:dd.f [with pasid N] @0xPGD}: the start of one device's page-table dump.
   *
   * @param pasid -1 when the header names none
   */
  record DeviceHeader(int sid, int pasid, long pgd) implements DebugfsLine {}

  /**
   * {@code 0xPFN |\tPML5E PML4E PDPE PDE PTE}: one leaf of a page table, decoded from the entries on the
   * way to it (new kernels leave out the columns below a superpage leaf, old ones print zeros).
   *
   * @param iova the leaf's IOVA (PFN << 12), aligned to its page size
   * @param phys the leaf's page address
   * @param pageSize 4 KiB, 2 MiB or 1 GiB, from the leaf's level
   * @param perm bit 0 read, bit 1 write: the R/W bits (first-level: P and R/W) AND-ed along the path
   */
  record TableRow(long iova, long phys, long pageSize, byte perm) implements DebugfsLine {}

  /**
   * An ir_translation_struct row: remapped {@code idx bb:dd.f dst vec hi lo} or posted
   * {@code idx bb:dd.f pda_hi pda_lo vec hi lo}.
   */
  record IrteRow(int index, int sid, boolean posted, long dest, int vector, long hi, long lo)
      implements DebugfsLine {}
}
