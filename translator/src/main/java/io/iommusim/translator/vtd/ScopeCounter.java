package io.iommusim.translator.vtd;

import io.iommusim.translator.cache.TagCache;
import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.StackDistanceCounter;

/**
 * The stack-distance counter of one miss-ratio-curve scope, fed IOTLB tags ({@link Iotlb#tag}): the
 * lookups of its scope and the invalidations its scope's IOTLB would receive. Also counts the
 * <em>divergent</em> lookups: those where IOTLBs of different sizes on the curve would do different
 * things that one LRU stack per set cannot follow (README, "Miss-ratio curves"). Not thread safe.
 */
final class ScopeCounter {
  final CurveKey key;
  final StackDistanceCounter counter;
  private final boolean hashIndex;
  long divergentLookups;
  /** Bit per page-size code this counter has ever been accessed with: the sizes a key can be tracked at. */
  private int sizesSeen;
  private final InRange inRange = new InRange();

  ScopeCounter(CurveKey key, int maxEntries, int[] setCounts, boolean hashIndex) {
    this.key = key;
    this.counter = new StackDistanceCounter(maxEntries, setCounts);
    this.hashIndex = hashIndex;
  }

  /** The counter's index bits of a page number: the IOTLB's set index input ({@code iotlb.index}). */
  long indexBits(long vpn) {
    return hashIndex ? TagCache.mix64(vpn) : vpn;
  }

  /**
   * A lookup that ends with the tag in the IOTLB: a hit, or a miss whose walk fills it. Divergent
   * only when some IOTLBs on the curve hold an entry for the address that the page table no longer
   * backs (flagged stale) and would answer from it: a stale entry of another page size, which they
   * would hit instead of filling this tag; or, for a device with a device TLB, a stale copy of this
   * tag, whose cached permission may differ from what the others fill the device TLB with. Also
   * divergent when {@code runDiverged} (see {@link IotlbCurves#lookup}).
   */
  void fill(long tag, long bits, int code, int domain, long iova, boolean ats, boolean runDiverged) {
    sizesSeen |= 1 << code;
    if (runDiverged
        || (counter.flaggedKeys() != 0 && (ats || sizesSeen != 1 << code) && splitsOnFill(tag, code, domain, iova, ats))) {
      divergentLookups++;
    }
    counter.access(tag, bits);
  }

  private boolean splitsOnFill(long tag, int code, int domain, long iova, boolean ats) {
    for (int c = 0; c < 3; c++) {
      if (c != code && (sizesSeen & (1 << c)) != 0) {
        long other = Iotlb.tag(domain, c, iova >>> PageSizes.shift(c));
        if (counter.isFlagged(other) && counter.inSomeCache(other)) {
          return true;
        }
      }
    }
    return ats && counter.isFlagged(tag) && counter.inSomeButNotAllCaches(tag);
  }

  /**
   * A lookup that fills nothing (the translation faults). The IOTLBs holding an entry for the address
   * hit it, the others miss and stay as they were. Exact when no IOTLB on the curve holds one, or
   * every IOTLB of a set count holds it at the top of its set; divergent when a set count's IOTLBs
   * disagree, or when entries of two page sizes are held.
   */
  void noFill(int domain, long iova, boolean runDiverged) {
    int found = 0;
    long first = 0;
    long firstBits = 0;
    for (int c = 0; c < 3; c++) { // the IOTLB's probe order
      if ((sizesSeen & (1 << c)) != 0) {
        long vpn = iova >>> PageSizes.shift(c);
        long t = Iotlb.tag(domain, c, vpn);
        if (counter.inSomeCache(t) && found++ == 0) {
          first = t;
          firstBits = indexBits(vpn);
        }
      }
    }
    boolean diverged = runDiverged;
    if (found == 0) {
      counter.countMiss();
    } else if (!counter.lookupWithoutFill(first, firstBits) || found > 1) {
      diverged = true;
    }
    if (diverged) {
      divergentLookups++;
    }
  }

  /** Global invalidation, or a domain-selective one when every tag is the domain's. */
  void clear() {
    counter.invalidateAll();
  }

  void invalidateDomain(int domain) {
    counter.invalidateMatching(Iotlb.DOMAIN_FIELD, Iotlb.tag(domain, 0, 0));
  }

  /** Drops the domain's tags whose page intersects [start, end), as {@link Iotlb#invalidateRange}. */
  void invalidateRange(int domain, long start, long end) {
    forRange(domain, start, end, false);
  }

  /** Flags the domain's tags whose page intersects [start, end): their mapping was removed or changed. */
  void markStale(int domain, long start, long end) {
    forRange(domain, start, end, true);
  }

  /** Probes each page of the range at each size seen, or scans the held keys when that is fewer. */
  private void forRange(int domain, long start, long end, boolean flag) {
    if (counter.heldIds() == 0 || end <= start) {
      return;
    }
    long probes = 0;
    for (int c = 0; c < 3; c++) {
      if ((sizesSeen & (1 << c)) != 0) {
        int shift = PageSizes.shift(c);
        probes += ((end - 1) >>> shift) - (start >>> shift) + 1;
      }
    }
    if (probes > counter.heldIds()) {
      inRange.set(domain, start, end);
      if (flag) {
        counter.flagWhere(inRange);
      } else {
        counter.invalidateWhere(inRange);
      }
      return;
    }
    for (int c = 0; c < 3; c++) {
      if ((sizesSeen & (1 << c)) == 0) {
        continue;
      }
      int shift = PageSizes.shift(c);
      for (long vpn = start >>> shift; vpn <= (end - 1) >>> shift; vpn++) {
        long t = Iotlb.tag(domain, c, vpn);
        if (flag) {
          counter.flag(t);
        } else {
          counter.invalidate(t, indexBits(vpn));
        }
      }
    }
  }

  /** Tags of one domain whose page intersects [start, end); reused, so a scan allocates nothing. */
  private static final class InRange implements StackDistanceCounter.KeyPredicate {
    private int domain;
    private long start;
    private long end;

    void set(int d, long s, long e) {
      domain = d;
      start = s;
      end = e;
    }

    @Override
    public boolean test(long tag) {
      int shift = PageSizes.shift(Iotlb.codeOf(tag));
      long pageStart = Iotlb.vpnOf(tag) << shift;
      return Iotlb.domainOf(tag) == domain && pageStart < end && pageStart + (1L << shift) > start;
    }
  }
}
