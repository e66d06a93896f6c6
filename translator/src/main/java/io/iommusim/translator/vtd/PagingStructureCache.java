package io.iommusim.translator.vtd;

import io.iommusim.translator.cache.TagCache;
import io.iommusim.translator.settings.CacheSettings;

/**
 * A paging-structure cache for the non-leaf entries of one page-table level (VT-d: PDE, PDPTE, PML4E,
 * PML5E caches). An entry of level L maps (domain, IOVA bits above level L-1's reach) to the level
 * L-1 table it points at and the permissions AND-ed down to it, so a hit lets the walk start at
 * level L-1.
 */
public final class PagingStructureCache {
  private static final int DOMAIN_SHIFT = 47;

  final int level;
  final int regionShift;
  final TagCache cache;
  final int[] table;
  final byte[] perm;
  int hitSlot;

  PagingStructureCache(int level, CacheSettings settings, long randomSeed) {
    this.level = level;
    this.regionShift = 12 + 9 * (level - 1);
    this.cache = settings.newCache(randomSeed);
    this.table = new int[cache.capacity()];
    this.perm = new byte[cache.capacity()];
  }

  private static long tag(int domain, long region) {
    return ((long) domain << DOMAIN_SHIFT) | region;
  }

  boolean lookup(int domain, long iova) {
    long region = iova >>> regionShift;
    int slot = cache.lookup(tag(domain, region), region);
    if (slot < 0) {
      return false;
    }
    hitSlot = slot;
    return true;
  }

  void insert(int domain, long iova, int nextTable, int permission) {
    long region = iova >>> regionShift;
    int slot = cache.insert(tag(domain, region), region);
    table[slot] = nextTable;
    perm[slot] = (byte) permission;
  }

  /** Fills unless present (a walk that started above this level may pass an entry already cached). */
  void fill(int domain, long iova, int nextTable, int permission) {
    long region = iova >>> regionShift;
    int slot = cache.probe(tag(domain, region), region);
    if (slot >= 0) {
      table[slot] = nextTable;
      perm[slot] = (byte) permission;
    } else {
      insert(domain, iova, nextTable, permission);
    }
  }

  void clear() {
    cache.clear();
  }

  void invalidateDomain(int domain) {
    for (int slot = 0; slot < cache.capacity(); slot++) {
      if (cache.isValid(slot) && (int) (cache.tagAt(slot) >>> DOMAIN_SHIFT) == domain) {
        cache.invalidateSlot(slot);
      }
    }
  }

  void invalidateRange(int domain, long start, long end) {
    long first = start >>> regionShift;
    long last = (end - 1) >>> regionShift;
    if (last - first + 1 > cache.capacity()) {
      for (int slot = 0; slot < cache.capacity(); slot++) {
        long tag = cache.tagAt(slot);
        long region = tag & ((1L << DOMAIN_SHIFT) - 1);
        if (cache.isValid(slot) && (int) (tag >>> DOMAIN_SHIFT) == domain && region >= first && region <= last) {
          cache.invalidateSlot(slot);
        }
      }
      return;
    }
    for (long region = first; region <= last; region++) {
      cache.invalidate(tag(domain, region), region);
    }
  }
}
