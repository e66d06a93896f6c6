package io.iommusim.translator.pagetable;

import java.util.Arrays;

/**
 * One domain's VT-d second-level (legacy) I/O page table, built from a trace's map/unmap events.
 *
 * <h2>Layout</h2>
 * Each table is a primitive {@code long[512]} of raw PTEs held in a growable pool and named by an
 * int table id; the root is table {@value #ROOT_TABLE}. PTEs use the hardware bit layout: R = bit 0,
 * W = bit 1, PS = bit 7, bits 12..51 = address. A leaf's address field holds the physical frame
 * base; a non-leaf entry's address field holds {@code tableId << 12} instead of a physical address
 * (the model has no physical home for its tables). Levels follow the address width: 39 bits → 3
 * levels, 48 → 4, 57 → 5; level L indexes IOVA bits [12+9(L−1), 12+9L). Leaves are level-1 4 KiB
 * pages or PS entries at level 2 (2 MiB) and level 3 (1 GiB).
 *
 * <h2>Walk</h2>
 * The static accessors ({@link #indexAt}, {@link #isPresent}, {@link #isLeaf}, {@link #nextTable},
 * {@link #leafAddress}, {@link #perm}) plus {@link #entry} let the translator walk table by table
 * with its own paging-structure caches and no allocation. An entry with R=W=0 is not present; the
 * effective permission is the AND of R/W over every entry read. {@link #walk} is the plain
 * reference walk.
 *
 * <h2>Map</h2>
 * {@link #map} writes one leaf of {@code pageSize} per page of the range; each written leaf gets a
 * fresh stamp. Missing intermediate tables are allocated and pointed to with R|W (as Linux sets
 * them); existing non-leaf entries keep their permission, so permissions narrowed with
 * {@link #setTablePermission} keep being AND-ed. Mapping over something already present replaces
 * it (the trace is taken as the truth, even where Linux would refuse a double map):
 * <ul>
 *   <li>a present leaf of the same size is overwritten;</li>
 *   <li>a lower-level subtree under a new 2 MiB/1 GiB leaf is detached and replaced by the leaf;</li>
 *   <li>a superpage leaf above a new smaller page is first split into 512 next-level leaves that keep
 *       the rest of its mapping ({@link #superpagesSplit()}+1 per split, repeated down to the
 *       target level, split leaves get fresh stamps), then the target leaf is overwritten.</li>
 * </ul>
 * <b>Overlap unit:</b> {@link #overlappingMapPages()} counts 4 KiB pages: for every written leaf, the
 * number of 4 KiB pages that were mapped (reachable through present entries) in the span it
 * replaces. It is therefore exactly "4 KiB pages of the map range that were already mapped",
 * independent of the old and new page sizes. {@link #pagesMapped()} likewise counts
 * {@code size / 4096} per map.
 *
 * <h2>Unmap</h2>
 * {@link #unmap} clears every leaf that intersects the range. A superpage leaf only partly covered is
 * still removed whole, as Linux's {@code intel_iommu_unmap}/{@code dma_pte_clear_range} do; each such
 * leaf counts once in {@link #superpageUnmapsBeyondRange()}, and all its pages (inside and outside
 * the range) count in {@link #pagesUnmapped()}. 4 KiB pages of the range with no present leaf count
 * in {@link #unmapOfUnmappedPages()}; that is statistics, never an error. Hence, as long as no
 * populated subtree was hidden with {@code setTablePermission(.., 0)}:
 * {@code pagesCurrentlyMapped() == pagesMapped() − overlappingMapPages() − pagesUnmapped()}.
 *
 * <h2>Tables are never freed</h2>
 * Emptied tables stay linked (their parent entry stays present), and subtrees replaced by a
 * superpage stay allocated but unreachable, so table ids held in a translator's paging-structure
 * caches stay valid and {@link #tables()} only grows. This is a model simplification: Linux frees
 * table pages that an unmap range covers entirely ({@code dma_pte_clear_level} puts them on the
 * freelist) and frees small-page tables replaced by a superpage ({@code dma_pte_free_pagetable});
 * the walk results are the same, only table reuse and {@link #tables()} differ.
 *
 * <h2>Stamps</h2>
 * A per-object counter starting at 0; every leaf write (map or split) takes the next value, so the
 * first leaf gets 1. {@link #stamp} is 0 where there is no leaf: never mapped, unmapped, or a table
 * pointer. A cached translation whose recorded stamp differs from the entry's current stamp is stale.
 *
 * <p>Not thread-safe.
 */
public final class IoPageTable {
  public static final int ROOT_TABLE = 0;
  public static final int ENTRIES_PER_TABLE = 512;
  public static final long PTE_READ = 1L;
  public static final long PTE_WRITE = 1L << 1;
  public static final long PTE_PAGE_SIZE = 1L << 7;
  /** Bits 12..51: next-table id (shifted) or leaf frame base. */
  public static final long PTE_ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
  public static final long SIZE_4K = 1L << 12;
  public static final long SIZE_2M = 1L << 21;
  public static final long SIZE_1G = 1L << 30;

  private static final int PAGE_SHIFT = 12;
  private static final int LEVEL_STRIDE = 9;
  /** log2 of the span of a level-1 table (2 MiB). */
  private static final int BLOCK_SHIFT = PAGE_SHIFT + LEVEL_STRIDE;
  private static final int INDEX_MASK = ENTRIES_PER_TABLE - 1;
  private static final long PERM_MASK = PTE_READ | PTE_WRITE;
  private static final long TABLE_POINTER_PERM = PTE_READ | PTE_WRITE;
  /** Leaves must fit the 52-bit address field. */
  private static final long PHYS_LIMIT = 1L << 52;

  private final int addressWidth;
  private final int levels;
  /** 2^addressWidth: the first IOVA out of reach. */
  private final long iovaLimit;

  /**
   * Table storage: table t's entry i is at {@code slots[t][2 * i]} and its leaf stamp right after
   * it, so a walk that reads an entry and its stamp touches one cache line, not two.
   */
  private long[][] slots;
  private int tableCount;
  private long lastStamp;

  /**
   * The level-1 table that the walk for the 2 MiB block {@link #cachedBlock} reaches through present
   * table pointers, valid while {@link #structureVersion} is {@link #cachedVersion}. Every write of an
   * entry above level 1 (a new or split table, a superpage leaf written or cleared, a table permission)
   * moves the version on, so a valid cached table is the one a walk from the root would reach: 4 KiB
   * maps and unmaps in the same block (a NIC's buffers) skip the upper levels.
   */
  private long cachedBlock = -1;
  private int cachedTable;
  private long cachedVersion = -1;
  private long structureVersion;

  private long pagesMapped;
  private long overlappingMapPages;
  private long pagesUnmapped;
  private long unmapOfUnmappedPages;
  private long superpagesSplit;
  private long superpageUnmapsBeyondRange;

  /** @param addressWidth 39, 48 or 57 (3, 4 or 5 levels) */
  public IoPageTable(int addressWidth) {
    switch (addressWidth) {
      case 39: levels = 3; break;
      case 48: levels = 4; break;
      case 57: levels = 5; break;
      default:
        throw new IllegalArgumentException(
            "unsupported address width " + addressWidth + " (expected 39, 48 or 57)");
    }
    this.addressWidth = addressWidth;
    this.iovaLimit = 1L << addressWidth;
    slots = new long[16][];
    allocateTable();
  }

  public int levels() {
    return levels;
  }

  public int addressWidth() {
    return addressWidth;
  }

  public int rootTable() {
    return ROOT_TABLE;
  }

  // ---------------------------------------------------------------- walk accessors (hot path)

  /** Index of {@code iova} in a level-{@code level} table: bits [12+9(level−1), 12+9·level). */
  public static int indexAt(long iova, int level) {
    return (int) (iova >>> (PAGE_SHIFT + LEVEL_STRIDE * (level - 1))) & INDEX_MASK;
  }

  /** Bytes covered by one entry at {@code level} (4 KiB at level 1, ×512 per level up). */
  public static long entrySpan(int level) {
    return 1L << (PAGE_SHIFT + LEVEL_STRIDE * (level - 1));
  }

  /** Raw PTE. */
  public long entry(int table, int index) {
    return slots[table][2 * index];
  }

  /** VT-d second level has no P bit: an entry is present iff R or W is set. */
  public static boolean isPresent(long pte) {
    return (pte & PERM_MASK) != 0;
  }

  /** Level 1 entries are always leaves; at levels 2 and 3 PS marks a 2 MiB / 1 GiB leaf. */
  public static boolean isLeaf(long pte, int level) {
    return level == 1 || (level <= 3 && (pte & PTE_PAGE_SIZE) != 0);
  }

  /** R/W bits (bit 0 read, bit 1 write), same encoding as the trace's perm column. */
  public static int perm(long pte) {
    return (int) (pte & PERM_MASK);
  }

  /** Table id a non-leaf entry points to. */
  public static int nextTable(long pte) {
    return (int) ((pte & PTE_ADDRESS_MASK) >>> PAGE_SHIFT);
  }

  /** Physical frame base of a leaf (aligned to its page size). */
  public static long leafAddress(long pte) {
    return pte & PTE_ADDRESS_MASK;
  }

  /** Stamp of the leaf last written at this entry, 0 if the entry holds no leaf (see class doc). */
  public long stamp(int table, int index) {
    return slots[table][2 * index + 1];
  }

  /**
   * Reference walk from the root. Never allocates.
   *
   * @return {@link WalkResult#OK}, {@link WalkResult#NOT_PRESENT} or {@link WalkResult#BEYOND_WIDTH},
   *     also stored in {@code out}
   */
  public int walk(long iova, WalkResult out) {
    if (iova < 0 || iova >= iovaLimit) {
      out.set(WalkResult.BEYOND_WIDTH, 0, 0, 0, 0, 0, 0, -1, -1);
      return WalkResult.BEYOND_WIDTH;
    }
    int table = ROOT_TABLE;
    int effectivePerm = (int) PERM_MASK;
    int entriesRead = 0;
    for (int level = levels; ; level--) {
      int index = indexAt(iova, level);
      long pte = slots[table][2 * index];
      entriesRead++;
      effectivePerm &= perm(pte);
      if (!isPresent(pte)) {
        out.set(WalkResult.NOT_PRESENT, level, 0, 0, effectivePerm, entriesRead, 0, table, index);
        return WalkResult.NOT_PRESENT;
      }
      if (isLeaf(pte, level)) {
        long pageSize = entrySpan(level);
        out.set(WalkResult.OK, level, pageSize, leafAddress(pte) | (iova & (pageSize - 1)),
            effectivePerm, entriesRead, slots[table][2 * index + 1], table, index);
        return WalkResult.OK;
      }
      table = nextTable(pte);
    }
  }

  // ---------------------------------------------------------------- building from the trace

  /**
   * Maps {@code [iova, iova+size)} to {@code [phys, phys+size)} with leaves of {@code pageSize}.
   * See the class doc for overlap, split and counting rules.
   *
   * @param perm 1 (R), 2 (W) or 3 (RW); 0 would write non-present leaves, so it is rejected as
   *     Linux's {@code __domain_mapping} does
   * @param pageSize 4096, 2 MiB or 1 GiB
   * @throws IllegalArgumentException if size ≤ 0, iova/size/phys are not multiples of pageSize, the
   *     range leaves the address width, phys + size exceeds 2^52, or perm/pageSize is invalid
   */
  public void map(long iova, long size, long phys, int perm, long pageSize) {
    int leafLevel = leafLevelOf(pageSize);
    if (perm < 1 || perm > 3) {
      throw new IllegalArgumentException("perm must be 1, 2 or 3, got " + perm);
    }
    long alignMask = pageSize - 1;
    if (size <= 0 || ((iova | size | phys) & alignMask) != 0) {
      throw new IllegalArgumentException(String.format(
          "map iova=0x%x size=0x%x phys=0x%x: must be positive multiples of page size 0x%x",
          iova, size, phys, pageSize));
    }
    checkInWidth(iova, size);
    if (phys < 0 || size > PHYS_LIMIT - phys) {
      throw new IllegalArgumentException(String.format(
          "map phys=0x%x size=0x%x exceeds the 52-bit physical address field", phys, size));
    }

    long leafFlags = (leafLevel > 1 ? PTE_PAGE_SIZE : 0) | perm;
    long pagesPerLeaf = pageSize >>> PAGE_SHIFT;
    long end = iova + size;
    long pageIova = iova;
    long pagePhys = phys;
    if (leafLevel > 1) {
      structureVersion++; // leaves above level 1 replace table pointers or empty entries
    }
    while (pageIova != end) {
      int table = leafLevel == 1 ? level1Table(pageIova) : tableForLeaf(pageIova, leafLevel);
      long[] tableSlots = slots[table];
      // Fill this table's run of consecutive leaves without re-walking from the root.
      int index = indexAt(pageIova, leafLevel);
      do {
        long old = tableSlots[2 * index];
        if (isPresent(old)) {
          overlappingMapPages += isLeaf(old, leafLevel)
              ? pagesPerLeaf
              : mappedPagesUnder(nextTable(old), leafLevel - 1);
        }
        tableSlots[2 * index] = pagePhys | leafFlags;
        tableSlots[2 * index + 1] = ++lastStamp;
        pageIova += pageSize;
        pagePhys += pageSize;
        index++;
      } while (index < ENTRIES_PER_TABLE && pageIova != end);
    }
    pagesMapped += size >>> PAGE_SHIFT;
  }

  /**
   * Clears every leaf intersecting {@code [iova, iova+size)}; a superpage leaf is removed whole even
   * when the range covers only part of it. Tables are kept (see class doc).
   *
   * @throws IllegalArgumentException if size ≤ 0, iova/size are not multiples of 4096, or the range
   *     leaves the address width
   */
  public void unmap(long iova, long size) {
    if (size <= 0 || ((iova | size) & (SIZE_4K - 1)) != 0) {
      throw new IllegalArgumentException(String.format(
          "unmap iova=0x%x size=0x%x: must be positive multiples of 4096", iova, size));
    }
    checkInWidth(iova, size);
    long end = iova + size;
    if (iova >>> BLOCK_SHIFT == (end - 1) >>> BLOCK_SHIFT) {
      int table = existingLevel1Table(iova);
      if (table >= 0) {
        // what the walk from the root would do: every level above passes the range down unchanged
        clearRange(table, 1, iova, end);
        return;
      }
    }
    clearRange(ROOT_TABLE, levels, iova, end);
  }

  /**
   * Sets the R/W bits of the non-leaf entry at {@code level} whose span covers {@code iova}, keeping
   * its table pointer. Setting 0 makes the entry (and so its subtree) not present for walks, map and
   * unmap; a later map through it installs a fresh table, as Linux's {@code pfn_to_dma_pte} would.
   *
   * @param level 2..levels()
   * @param perm 0..3
   * @throws IllegalArgumentException if the arguments are out of range or no table-pointer entry
   *     exists there (the path holds a leaf or an empty entry)
   */
  public void setTablePermission(long iova, int level, int perm) {
    if (iova < 0 || iova >= iovaLimit) {
      throw new IllegalArgumentException(String.format("iova 0x%x beyond width %d", iova, addressWidth));
    }
    if (level < 2 || level > levels) {
      throw new IllegalArgumentException("level must be in 2.." + levels + ", got " + level);
    }
    if (perm < 0 || perm > 3) {
      throw new IllegalArgumentException("perm must be 0..3, got " + perm);
    }
    int table = ROOT_TABLE;
    for (int current = levels; ; current--) {
      int index = indexAt(iova, current);
      long pte = slots[table][2 * index];
      // The pointer, not R/W, decides: a table hidden by perm 0 must be reachable to restore it.
      if (isLeaf(pte, current) || nextTable(pte) == ROOT_TABLE) {
        throw new IllegalArgumentException(String.format(
            "no table entry at level %d for iova 0x%x (stopped at level %d, pte 0x%x)",
            level, iova, current, pte));
      }
      if (current == level) {
        slots[table][2 * index] = (pte & ~PERM_MASK) | perm;
        structureVersion++;
        return;
      }
      table = nextTable(pte);
    }
  }

  // ---------------------------------------------------------------- statistics

  /** 4 KiB pages requested by successful maps ({@code size / 4096} summed). */
  public long pagesMapped() {
    return pagesMapped;
  }

  /** 4 KiB pages of map ranges that were already mapped and got replaced. */
  public long overlappingMapPages() {
    return overlappingMapPages;
  }

  /** 4 KiB pages removed by unmaps, including superpage parts beyond the requested range. */
  public long pagesUnmapped() {
    return pagesUnmapped;
  }

  /** 4 KiB pages of unmap ranges that had no present leaf. */
  public long unmapOfUnmappedPages() {
    return unmapOfUnmappedPages;
  }

  /** Superpage leaves split into next-level leaves by a smaller map (a 1 GiB → 4 KiB split counts 2). */
  public long superpagesSplit() {
    return superpagesSplit;
  }

  /** Superpage leaves removed whole by an unmap range that covered only part of them. */
  public long superpageUnmapsBeyondRange() {
    return superpageUnmapsBeyondRange;
  }

  /** Currently mapped 4 KiB pages, derived from the counters (see class doc for the caveat). */
  public long pagesCurrentlyMapped() {
    return pagesMapped - overlappingMapPages - pagesUnmapped;
  }

  /** Tables allocated so far, root included; never decreases. */
  public int tables() {
    return tableCount;
  }

  /** Last stamp handed out (0 before the first leaf write). */
  public long lastStamp() {
    return lastStamp;
  }

  // ---------------------------------------------------------------- internals

  private static int leafLevelOf(long pageSize) {
    if (pageSize == SIZE_4K) {
      return 1;
    }
    if (pageSize == SIZE_2M) {
      return 2;
    }
    if (pageSize == SIZE_1G) {
      return 3;
    }
    throw new IllegalArgumentException("page size must be 4 KiB, 2 MiB or 1 GiB, got " + pageSize);
  }

  private void checkInWidth(long iova, long size) {
    // Written as a subtraction so iova + size cannot overflow.
    if (iova < 0 || size > iovaLimit || iova > iovaLimit - size) {
      throw new IllegalArgumentException(String.format(
          "range iova=0x%x size=0x%x exceeds the %d-bit address width", iova, size, addressWidth));
    }
  }

  private int allocateTable() {
    if (tableCount == slots.length) {
      slots = Arrays.copyOf(slots, tableCount * 2);
    }
    slots[tableCount] = new long[2 * ENTRIES_PER_TABLE];
    return tableCount++;
  }

  private static long tablePointer(int table) {
    return ((long) table << PAGE_SHIFT) | TABLE_POINTER_PERM;
  }

  /** Walks from the root to the table that holds {@code iova}'s entry at {@code leafLevel}, creating or splitting on the way. */
  private int tableForLeaf(long iova, int leafLevel) {
    int table = ROOT_TABLE;
    for (int level = levels; level > leafLevel; level--) {
      int index = indexAt(iova, level);
      long pte = slots[table][2 * index];
      int child;
      if (!isPresent(pte)) {
        child = allocateTable();
        slots[table][2 * index] = tablePointer(child);
        slots[table][2 * index + 1] = 0;
        structureVersion++;
      } else if (isLeaf(pte, level)) {
        child = splitSuperpage(pte, level);
        slots[table][2 * index] = tablePointer(child);
        slots[table][2 * index + 1] = 0;
        structureVersion++;
      } else {
        child = nextTable(pte);
      }
      table = child;
    }
    return table;
  }

  /** {@link #tableForLeaf}{@code (iova, 1)}, through the cached block when it is still valid. */
  private int level1Table(long iova) {
    long block = iova >>> BLOCK_SHIFT;
    if (block == cachedBlock && cachedVersion == structureVersion) {
      return cachedTable;
    }
    int table = tableForLeaf(iova, 1);
    cache(block, table);
    return table;
  }

  /**
   * The level-1 table a walk for {@code iova} reaches through present table pointers, or -1 when the
   * walk stops above level 1 (an empty entry or a superpage); creates nothing.
   */
  private int existingLevel1Table(long iova) {
    long block = iova >>> BLOCK_SHIFT;
    if (block == cachedBlock && cachedVersion == structureVersion) {
      return cachedTable;
    }
    int table = ROOT_TABLE;
    for (int level = levels; level > 1; level--) {
      long pte = slots[table][2 * indexAt(iova, level)];
      if (!isPresent(pte) || isLeaf(pte, level)) {
        return -1;
      }
      table = nextTable(pte);
    }
    cache(block, table);
    return table;
  }

  private void cache(long block, int table) {
    cachedBlock = block;
    cachedTable = table;
    cachedVersion = structureVersion;
  }

  /** New level−1 table whose 512 leaves reproduce the superpage {@code pte} of {@code level}. */
  private int splitSuperpage(long pte, int level) {
    int child = allocateTable();
    int childLevel = level - 1;
    long childSpan = entrySpan(childLevel);
    long childFlags = (childLevel > 1 ? PTE_PAGE_SIZE : 0) | (pte & PERM_MASK);
    long base = leafAddress(pte);
    long[] childSlots = slots[child];
    for (int i = 0; i < ENTRIES_PER_TABLE; i++) {
      childSlots[2 * i] = (base + i * childSpan) | childFlags;
      childSlots[2 * i + 1] = ++lastStamp;
    }
    superpagesSplit++;
    return child;
  }

  /** 4 KiB pages reachable through present entries below {@code table} (a level-{@code level} table). */
  private long mappedPagesUnder(int table, int level) {
    long[] tableSlots = slots[table];
    long pagesPerEntry = entrySpan(level) >>> PAGE_SHIFT;
    long pages = 0;
    for (int i = 0; i < ENTRIES_PER_TABLE; i++) {
      long pte = tableSlots[2 * i];
      if (isPresent(pte)) {
        pages += isLeaf(pte, level) ? pagesPerEntry : mappedPagesUnder(nextTable(pte), level - 1);
      }
    }
    return pages;
  }

  /** Clears {@code [start, end)}, which lies inside the span of {@code table} (a level-{@code level} table). */
  private void clearRange(int table, int level, long start, long end) {
    long[] tableSlots = slots[table];
    long span = entrySpan(level);
    int index = indexAt(start, level);
    long entryStart = start & -span;
    long cursor = start;
    while (cursor < end) {
      long entryEnd = entryStart + span;
      long rangeEnd = Math.min(end, entryEnd);
      long pte = tableSlots[2 * index];
      if (!isPresent(pte)) {
        unmapOfUnmappedPages += (rangeEnd - cursor) >>> PAGE_SHIFT;
      } else if (isLeaf(pte, level)) {
        tableSlots[2 * index] = 0;
        tableSlots[2 * index + 1] = 0;
        if (level > 1) {
          structureVersion++;
        }
        pagesUnmapped += span >>> PAGE_SHIFT;
        if (cursor != entryStart || rangeEnd != entryEnd) {
          superpageUnmapsBeyondRange++;
        }
      } else {
        clearRange(nextTable(pte), level - 1, cursor, rangeEnd);
      }
      cursor = rangeEnd;
      entryStart = entryEnd;
      index++;
    }
  }
}
