package io.iommusim.translator.vtd;

import io.iommusim.translator.cache.TagCache;
import io.iommusim.translator.settings.CacheSettings;

/**
 * The IOTLB: caches leaf translations tagged by domain, page size and page number, so a 2 MiB or 1 GiB
 * mapping takes one entry. A lookup probes each page size that currently has entries (hardware looks
 * them up in parallel; the probe order does not change the result because at most one size can
 * hold a given address in a consistent page table). The set index is the page number at the entry's
 * own page size.
 */
public final class Iotlb {
  private static final int DOMAIN_SHIFT = 47;
  private static final int SIZE_SHIFT = 45;
  private static final long VPN_MASK = (1L << SIZE_SHIFT) - 1;
  /** The bits of a tag that hold the domain. */
  static final long DOMAIN_FIELD = -1L << DOMAIN_SHIFT;

  final TagCache cache;
  final byte[] perm;
  final byte[] sizeCode;
  /** Stamp of the page-table leaf the entry was filled from. */
  final long[] stamp;
  /** When the entry's mapping was removed or changed ({@link #FRESH} while it still matches). */
  final long[] staleSince;

  static final long FRESH = Long.MIN_VALUE;
  private final int[] entriesBySize = new int[3];
  private long flushesSeen;

  /** Slot of the last successful {@link #lookup}. */
  int hitSlot;

  public Iotlb(CacheSettings settings, long randomSeed) {
    this.cache = settings.newCache(randomSeed);
    this.perm = new byte[cache.capacity()];
    this.sizeCode = new byte[cache.capacity()];
    this.stamp = new long[cache.capacity()];
    this.staleSince = new long[cache.capacity()];
  }

  static long tag(int domain, int code, long vpn) {
    return ((long) domain << DOMAIN_SHIFT) | ((long) code << SIZE_SHIFT) | (vpn & VPN_MASK);
  }

  static int domainOf(long tag) {
    return (int) (tag >>> DOMAIN_SHIFT);
  }

  static int codeOf(long tag) {
    return (int) (tag >>> SIZE_SHIFT) & 3;
  }

  static long vpnOf(long tag) {
    return tag & VPN_MASK;
  }

  /** Looks the address up; on a hit returns true and sets {@link #hitSlot}. */
  boolean lookup(int domain, long iova) {
    for (int code = 0; code < 3; code++) {
      if (entriesBySize[code] > 0) {
        long vpn = iova >>> PageSizes.shift(code);
        int slot = cache.lookup(tag(domain, code, vpn), vpn);
        if (slot >= 0) {
          hitSlot = slot;
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Fills an entry; returns 1 when a valid entry was evicted, else 0. Flush-on-full flushes are in
   * {@link #fullFlushes()}. {@code staleSinceNs} is {@link #FRESH}, or the stale time of the entry the
   * translation was copied from (a device TLB filled from a stale IOTLB entry is just as stale).
   */
  int insert(int domain, long iova, int code, int permission, long leafStamp, long staleSinceNs) {
    long vpn = iova >>> PageSizes.shift(code);
    int slot = cache.insert(tag(domain, code, vpn), vpn);
    int evicted = 0;
    if (cache.flushes() != flushesSeen) {
      flushesSeen = cache.flushes();
      entriesBySize[0] = entriesBySize[1] = entriesBySize[2] = 0;
    } else if (cache.lastInsertEvicted()) {
      entriesBySize[codeOf(cache.lastEvictedTag())]--;
      evicted = 1;
    }
    entriesBySize[code]++;
    perm[slot] = (byte) permission;
    sizeCode[slot] = (byte) code;
    stamp[slot] = leafStamp;
    staleSince[slot] = staleSinceNs;
    return evicted;
  }

  public long fullFlushes() {
    return cache.flushes();
  }

  public int size() {
    return cache.size();
  }

  void clear() {
    cache.clear();
    entriesBySize[0] = entriesBySize[1] = entriesBySize[2] = 0;
  }

  void invalidateDomain(int domain) {
    for (int slot = 0; slot < cache.capacity(); slot++) {
      if (cache.isValid(slot) && domainOf(cache.tagAt(slot)) == domain) {
        drop(slot);
      }
    }
  }

  /**
   * Drops every entry of the domain whose page intersects [start, end): the 4 KiB entries in the
   * range and any superpage entry covering part of it (VT-d page-selective invalidation semantics).
   */
  void invalidateRange(int domain, long start, long end) {
    forRange(domain, start, end, FRESH);
  }

  /**
   * Marks the domain's entries whose page intersects [start, end) as stale from {@code tsNs} on
   * (entries already stale keep their earlier time): their mapping was removed or changed, but
   * nothing invalidated them, so a later hit reaches memory the device no longer owns.
   */
  void markStaleRange(int domain, long start, long end, long tsNs) {
    forRange(domain, start, end, tsNs);
  }

  /**
   * Drops ({@code staleTs == FRESH}) or marks stale the domain's entries whose page intersects
   * [start, end): probes each page of the range at each size that has entries, or scans the whole
   * cache when the range has more pages than the cache has entries.
   */
  private void forRange(int domain, long start, long end, long staleTs) {
    long pages4k = ((end - 1) >>> 12) - (start >>> 12) + 1;
    if (pages4k > cache.capacity()) {
      for (int slot = 0; slot < cache.capacity(); slot++) {
        if (cache.isValid(slot)) {
          long tag = cache.tagAt(slot);
          int shift = PageSizes.shift(codeOf(tag));
          long pageStart = vpnOf(tag) << shift;
          if (domainOf(tag) == domain && pageStart < end && pageStart + (1L << shift) > start) {
            dropOrMark(slot, staleTs);
          }
        }
      }
      return;
    }
    for (int code = 0; code < 3; code++) {
      if (entriesBySize[code] == 0) {
        continue;
      }
      int shift = PageSizes.shift(code);
      for (long vpn = start >>> shift; vpn <= (end - 1) >>> shift; vpn++) {
        int slot = cache.probe(tag(domain, code, vpn), vpn);
        if (slot >= 0) {
          dropOrMark(slot, staleTs);
        }
      }
    }
  }

  private void dropOrMark(int slot, long staleTs) {
    if (staleTs == FRESH) {
      drop(slot);
    } else {
      markStale(slot, staleTs);
    }
  }

  private void markStale(int slot, long tsNs) {
    if (staleSince[slot] == FRESH) {
      staleSince[slot] = tsNs;
    }
  }

  /** Drops the entry of the last successful {@link #lookup}. */
  void dropHit() {
    drop(hitSlot);
  }

  private void drop(int slot) {
    entriesBySize[codeOf(cache.tagAt(slot))]--;
    cache.invalidateSlot(slot);
  }
}
