package io.iommusim.translator.pagetable;

/**
 * Outcome of {@link IoPageTable#walk}. Mutable and meant to be reused across walks so the
 * reference walk allocates nothing; every walk overwrites every field.
 */
public final class WalkResult {
  /** A present leaf was reached; {@link #physAddress()} is valid (the permission may still be 0). */
  public static final int OK = 0;
  /** An entry with R=W=0 was read at {@link #level()}. */
  public static final int NOT_PRESENT = 1;
  /** The IOVA is negative or at least 2^addressWidth; no entry was read. */
  public static final int BEYOND_WIDTH = 2;

  private int status;
  private int level;
  private long pageSize;
  private long physAddress;
  private int perm;
  private int entriesRead;
  private long stamp;
  private int table;
  private int index;

  /** {@link #OK}, {@link #NOT_PRESENT} or {@link #BEYOND_WIDTH}; same value {@code walk} returned. */
  public int status() {
    return status;
  }

  /** Level of the last entry read: the leaf level for OK, the non-present entry's level otherwise (0 for BEYOND_WIDTH). */
  public int level() {
    return level;
  }

  /** Bytes covered by the leaf (4 KiB, 2 MiB or 1 GiB); 0 unless OK. */
  public long pageSize() {
    return pageSize;
  }

  /** Leaf frame base plus the IOVA's offset inside the page; 0 unless OK. */
  public long physAddress() {
    return physAddress;
  }

  /** AND of the R/W bits of every entry read (a non-present entry contributes 0). */
  public int perm() {
    return perm;
  }

  /** Number of page-table entries read, the last one included; levels − leafLevel + 1 for OK. */
  public int entriesRead() {
    return entriesRead;
  }

  /** Stamp of the leaf ({@link IoPageTable#stamp}); 0 unless OK. */
  public long stamp() {
    return stamp;
  }

  /** Table id holding the last entry read (−1 for BEYOND_WIDTH); lets a cache re-check {@link IoPageTable#stamp}. */
  public int table() {
    return table;
  }

  /** Index of the last entry read inside {@link #table()} (−1 for BEYOND_WIDTH). */
  public int index() {
    return index;
  }

  void set(int status, int level, long pageSize, long physAddress, int perm, int entriesRead,
      long stamp, int table, int index) {
    this.status = status;
    this.level = level;
    this.pageSize = pageSize;
    this.physAddress = physAddress;
    this.perm = perm;
    this.entriesRead = entriesRead;
    this.stamp = stamp;
    this.table = table;
    this.index = index;
  }

  @Override
  public String toString() {
    return "WalkResult{status=" + status + ", level=" + level + ", pageSize=" + pageSize
        + ", phys=0x" + Long.toHexString(physAddress) + ", perm=" + perm
        + ", entriesRead=" + entriesRead + ", stamp=" + stamp + ", table=" + table
        + ", index=" + index + '}';
  }
}
