package io.iommusim.pipeline.job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sweep's console summary: for each (unit, domain) and each IOTLB size ({@code iotlb.entries})
 * in the sweep, the configuration with the lowest IOTLB miss ratio. The ratio
 * {@code iotlb_misses / (iotlb_hits + iotlb_misses)} is compared exactly (as a fraction); ties go to
 * the lower {@code latency_sum_ns}, then to the earlier configuration of the sweep. Configurations
 * in which the domain made no IOTLB lookup are not ranked; a domain with none in any configuration
 * (e.g. domain -1, requests without a context) gets no line.
 */
public final class BestConfigs {
  private BestConfigs() {}

  /** One configuration's figures for one domain. */
  public static final class Candidate {
    final int unit;
    final int domain;
    final int entries;
    final int configIndex;
    final String configId;
    final long hits;
    final long misses;
    final long latencySumNs;

    public Candidate(int unit, int domain, int entries, int configIndex, String configId, long hits, long misses,
        long latencySumNs) {
      this.unit = unit;
      this.domain = domain;
      this.entries = entries;
      this.configIndex = configIndex;
      this.configId = configId;
      this.hits = hits;
      this.misses = misses;
      this.latencySumNs = latencySumNs;
    }
  }

  /** The winner of one (unit, domain, entries) group. */
  public static final class Best {
    public final int unit;
    public final int domain;
    public final int entries;
    public final int configIndex;
    public final String configId;
    public final long hits;
    public final long misses;
    /** Configurations ranked in this group (those with IOTLB lookups in the domain). */
    public final int ranked;
    /** Configurations whose miss ratio equals the winner's (the winner included). */
    public final int tied;

    Best(Candidate c, int ranked, int tied) {
      this.unit = c.unit;
      this.domain = c.domain;
      this.entries = c.entries;
      this.configIndex = c.configIndex;
      this.configId = c.configId;
      this.hits = c.hits;
      this.misses = c.misses;
      this.ranked = ranked;
      this.tied = tied;
    }

    public double missRatio() {
      return (double) misses / (hits + misses);
    }
  }

  /** Miss ratio a/(a+b) against c/(c+d), exactly: compares a·(c+d) with c·(a+b) in 128 bits. */
  static int compareMissRatio(Candidate x, Candidate y) {
    return compareProducts(x.misses, y.hits + y.misses, y.misses, x.hits + x.misses);
  }

  /** Compares a·b with c·d for non-negative longs. */
  private static int compareProducts(long a, long b, long c, long d) {
    long hi1 = Math.multiplyHigh(a, b);
    long hi2 = Math.multiplyHigh(c, d);
    if (hi1 != hi2) {
      return Long.compare(hi1, hi2);
    }
    return Long.compareUnsigned(a * b, c * d);
  }

  private static final Comparator<Candidate> ORDER = ((Comparator<Candidate>) BestConfigs::compareMissRatio)
      .thenComparingLong(c -> c.latencySumNs)
      .thenComparingInt(c -> c.configIndex);

  /** The best configuration per (unit, domain, entries), in that order. */
  public static List<Best> rank(List<Candidate> candidates) {
    Map<List<Integer>, List<Candidate>> groups = new TreeMap<>(Comparator
        .<List<Integer>>comparingInt(k -> k.get(0)).thenComparingInt(k -> k.get(1)).thenComparingInt(k -> k.get(2)));
    for (Candidate c : candidates) {
      if (c.hits + c.misses > 0) {
        groups.computeIfAbsent(List.of(c.unit, c.domain, c.entries), k -> new ArrayList<>()).add(c);
      }
    }
    List<Best> best = new ArrayList<>();
    for (List<Candidate> group : groups.values()) {
      group.sort(ORDER);
      Candidate winner = group.get(0);
      int tied = 0;
      for (Candidate c : group) {
        if (compareMissRatio(c, winner) == 0) {
          tied++;
        }
      }
      best.add(new Best(winner, group.size(), tied));
    }
    return best;
  }
}
