package io.iommusim.translator.settings;

import io.iommusim.translator.cache.ReplacementPolicy;
import io.iommusim.translator.cache.SetIndexing;
import io.iommusim.translator.cache.TagCache;

/** Geometry and policy of one translation cache ({@code <prefix>.entries/ways/policy/index}). */
public final class CacheSettings implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  public final String prefix;
  public final int entries;
  public final int ways;
  public final ReplacementPolicy policy;
  public final SetIndexing indexing;

  CacheSettings(String prefix, int entries, int ways, ReplacementPolicy policy, SetIndexing indexing) {
    this.prefix = prefix;
    this.entries = entries;
    this.ways = ways;
    this.policy = policy;
    this.indexing = indexing;
  }

  public boolean enabled() {
    return entries > 0;
  }

  /** A new, empty cache of this geometry; null when the cache is disabled (entries = 0). */
  public TagCache newCache(long randomSeed) {
    return enabled() ? new TagCache(entries, ways, policy, indexing, randomSeed) : null;
  }

  static CacheSettings parse(Settings s, String prefix, boolean mayBeDisabled) {
    int entries = ModelSettings.intIn(s, prefix + ".entries", mayBeDisabled ? 0 : 1, 1 << 20);
    int ways = ModelSettings.intIn(s, prefix + ".ways", 0, 1 << 20);
    String policyText = s.get(prefix + ".policy");
    ReplacementPolicy policy = ReplacementPolicy.fromText(policyText);
    if (policy == null) {
      throw new SettingsException(prefix + ".policy: '" + policyText + "' is not one of lru, fifo, random, plru, flush-on-full");
    }
    String indexText = s.get(prefix + ".index");
    SetIndexing indexing = SetIndexing.fromText(indexText);
    if (indexing == null) {
      throw new SettingsException(prefix + ".index: '" + indexText + "' is not one of low-bits, hash");
    }
    CacheSettings c = new CacheSettings(prefix, entries, ways, policy, indexing);
    if (entries > 0) {
      try {
        c.newCache(0); // the cache validates its own geometry; report it under this key
      } catch (IllegalArgumentException e) {
        throw new SettingsException(prefix + ": " + e.getMessage());
      }
    }
    return c;
  }
}
