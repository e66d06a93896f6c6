package io.iommusim.translator.vtd;

import io.iommusim.translator.cache.TagCache;
import io.iommusim.translator.settings.ModelSettings;

/**
 * One set of translation caches: the IOTLB, the paging-structure caches and the context cache.
 * With {@code partition.by=device} every device owns one; with {@code partition.by=unit} all devices
 * behind a unit share the unit's.
 */
public final class TranslationCaches {
  final int unit;
  final Iotlb iotlb;
  /** Indexed by level (2..5); null where the level is disabled or beyond the address width. */
  final PagingStructureCache[] psc = new PagingStructureCache[6];
  /** The lowest enabled level, or 0 when no paging-structure cache is enabled. */
  final int lowestPscLevel;
  /** Null when context_cache.entries = 0. */
  final TagCache contextCache;
  /**
   * The context entry each context-cache slot holds, as it was when cached: a hit translates with
   * this (in trace mode it can differ from the device's current context until an inv_context).
   * Only present entries are cached.
   */
  final DomainState[] cachedDomain;
  final int[] cachedDomainId;
  final boolean[] cachedPassthrough;

  /**
   * @param ownerSeed distinguishes owners so that random replacement draws differ per cache set but
   *     stay reproducible
   */
  public TranslationCaches(ModelSettings s, int unit, long ownerSeed) {
    this.unit = unit;
    long seed = mix(s.randomSeed ^ mix(ownerSeed));
    this.iotlb = new Iotlb(s.iotlb, seed);
    int lowest = 0;
    for (int level = s.levels(); level >= 2; level--) {
      if (s.psc[level].enabled()) {
        psc[level] = new PagingStructureCache(level, s.psc[level], mix(seed + level));
        lowest = level;
      }
    }
    this.lowestPscLevel = lowest;
    this.contextCache = s.contextCache.newCache(mix(seed + 7));
    int contexts = contextCache == null ? 0 : contextCache.capacity();
    this.cachedDomain = new DomainState[contexts];
    this.cachedDomainId = new int[contexts];
    this.cachedPassthrough = new boolean[contexts];
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  public Iotlb iotlb() {
    return iotlb;
  }

  void invalidateDomain(int domain) {
    iotlb.invalidateDomain(domain);
    for (PagingStructureCache c : psc) {
      if (c != null) {
        c.invalidateDomain(domain);
      }
    }
  }

  void invalidateRange(int domain, long start, long end) {
    iotlb.invalidateRange(domain, start, end);
    for (PagingStructureCache c : psc) {
      if (c != null) {
        c.invalidateRange(domain, start, end);
      }
    }
  }

  void clearTranslations() {
    iotlb.clear();
    for (PagingStructureCache c : psc) {
      if (c != null) {
        c.clear();
      }
    }
  }

  void invalidateContext(int sid) {
    if (contextCache != null) {
      contextCache.invalidate(sid, sid);
    }
  }

  void clearContexts() {
    if (contextCache != null) {
      contextCache.clear();
    }
  }
}
