package io.iommusim.translator.mrc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.translator.cache.ReplacementPolicy;
import io.iommusim.translator.cache.SetIndexing;
import io.iommusim.translator.cache.TagCache;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Exactness: on generated streams of over a million accesses with invalidations (single keys, whole
 * domains, global flushes), the curves equal the miss counts of full {@link TagCache} LRU simulations
 * (LOW_BITS indexing, the same index bits) of each geometry checked.
 */
class StackDistanceCrossCheckTest {
  private static final int ACCESS = 0;
  private static final int INVALIDATE = 1;
  private static final int INVALIDATE_DOMAIN = 2;
  private static final int FLUSH = 3;
  private static final long DOMAIN_MASK = -1L << 47;

  /** A precomputed stream: op kind, key (IOTLB-style tag domain << 47 | vpn), index bits. */
  private static final class Stream {
    final int[] ops;
    final long[] keys;
    final long[] bits;
    int accesses;

    Stream(int length) {
      ops = new int[length];
      keys = new long[length];
      bits = new long[length];
    }
  }

  /**
   * Skewed keys: 4 domains; vpn = hot^3 skew over {@code pages} pages, with bursts of sequential
   * pages (streaming DMA) and occasional far pages. {@code indexIsVpn}: index bits = vpn as the IOTLB
   * does; else a fixed scramble of the key (keys and index bits unrelated, still a function).
   */
  private static Stream generate(long seed, int length, int pages, double invalidateRate, boolean indexIsVpn) {
    SplittableRandom random = new SplittableRandom(seed);
    Stream s = new Stream(length);
    long sequential = 0;
    int burst = 0;
    List<Long> recent = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      double r = random.nextDouble();
      int domain = (int) Math.floor(Math.pow(random.nextDouble(), 2) * 4);
      long vpn;
      if (burst > 0) {
        burst--;
        vpn = sequential++;
      } else if (random.nextInt(200) == 0) {
        burst = random.nextInt(4, 300);
        sequential = random.nextInt(pages * 4);
        vpn = sequential++;
      } else {
        double u = random.nextDouble();
        vpn = (long) (u * u * u * pages);
      }
      long key = ((long) domain << 47) | vpn;
      long index = indexIsVpn ? vpn : TagCache.mix64(key * 31 + 7);
      if (r < invalidateRate && !recent.isEmpty()) {
        long victim = recent.get(random.nextInt(recent.size()));
        s.ops[i] = INVALIDATE;
        s.keys[i] = victim;
        s.bits[i] = indexIsVpn ? victim & ~DOMAIN_MASK : TagCache.mix64(victim * 31 + 7);
      } else if (r < invalidateRate + 0.0002) {
        s.ops[i] = INVALIDATE_DOMAIN;
        s.keys[i] = (long) random.nextInt(4) << 47;
      } else if (r < invalidateRate + 0.00022) {
        s.ops[i] = FLUSH;
      } else {
        s.ops[i] = ACCESS;
        s.keys[i] = key;
        s.bits[i] = index;
        s.accesses++;
        if (recent.size() < 512) {
          recent.add(key);
        } else {
          recent.set(random.nextInt(512), key);
        }
      }
    }
    return s;
  }

  /** A full LRU simulation of one geometry. */
  private static final class Sim {
    final int sets;
    final int ways;
    final TagCache cache;
    long misses;

    Sim(int sets, int ways) {
      this.sets = sets;
      this.ways = ways;
      this.cache = new TagCache(sets * ways, ways, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 1);
    }

    void apply(int op, long key, long bits) {
      switch (op) {
        case ACCESS:
          if (cache.lookup(key, bits) < 0) {
            misses++;
            cache.insert(key, bits);
          }
          break;
        case INVALIDATE:
          cache.invalidate(key, bits);
          break;
        case INVALIDATE_DOMAIN:
          for (int slot = 0; slot < cache.capacity(); slot++) {
            if (cache.isValid(slot) && (cache.tagAt(slot) & DOMAIN_MASK) == key) {
              cache.invalidateSlot(slot);
            }
          }
          break;
        default:
          cache.clear();
      }
    }
  }

  private static void replay(Stream s, StackDistanceCounter counter, List<Sim> simList) {
    Sim[] sims = simList.toArray(new Sim[0]); // no iterator per operation (noAllocationInSteadyState)
    for (int i = 0; i < s.ops.length; i++) {
      int op = s.ops[i];
      switch (op) {
        case ACCESS:
          counter.access(s.keys[i], s.bits[i]);
          break;
        case INVALIDATE:
          counter.invalidate(s.keys[i], s.bits[i]);
          break;
        case INVALIDATE_DOMAIN:
          counter.invalidateMatching(DOMAIN_MASK, s.keys[i]);
          break;
        default:
          counter.invalidateAll();
      }
      for (Sim sim : sims) {
        sim.apply(op, s.keys[i], s.bits[i]);
      }
    }
  }

  private static void assertCurvesMatch(StackDistanceCounter counter, List<Sim> sims, Stream s) {
    MissCurves curves = counter.curves();
    assertEquals(s.accesses, curves.accesses());
    for (Sim sim : sims) {
      assertEquals(sim.misses, curves.misses(sim.sets, sim.ways),
          sim.sets + " sets x " + sim.ways + " ways");
    }
  }

  /** Every point of every curve (max 64 entries), 1.2 M operations, heavy invalidation. */
  @Test
  void everyGeometryUpTo64EntriesMatchesTagCache() {
    Stream s = generate(11, 1_200_000, 400, 0.03, true);
    int[] setCounts = {1, 2, 8, 64};
    StackDistanceCounter counter = new StackDistanceCounter(64, setCounts);
    List<Sim> sims = new ArrayList<>();
    for (int sets : setCounts) {
      for (int ways = 1; ways <= 64 / sets; ways++) {
        sims.add(new Sim(sets, ways));
      }
    }
    replay(s, counter, sims);
    assertTrue(s.accesses >= 1_000_000, "accesses " + s.accesses);
    assertCurvesMatch(counter, sims, s);
    // The curve must not be trivial: misses fall with size, and not all the way to the cold misses.
    long[] fa = counter.curves().missCurve(1);
    assertTrue(fa[0] > fa[15] && fa[15] > fa[63], java.util.Arrays.toString(fa));
  }

  /** Default geometry (4096 entries, sets 1, 8, 16, 64), 1.1 M operations over ~20 k pages. */
  @Test
  void defaultGeometryMatchesTagCacheAtSelectedSizes() {
    Stream s = generate(23, 1_100_000, 20_000, 0.01, true);
    StackDistanceCounter counter = new StackDistanceCounter();
    List<Sim> sims = new ArrayList<>();
    for (int w : new int[] {1, 3, 64, 500, 1000, 2048, 4095, 4096}) {
      sims.add(new Sim(1, w));
    }
    for (int w : new int[] {1, 4, 100, 512}) {
      sims.add(new Sim(8, w));
    }
    for (int w : new int[] {2, 16, 256}) {
      sims.add(new Sim(16, w));
    }
    for (int w : new int[] {1, 8, 64}) {
      sims.add(new Sim(64, w));
    }
    replay(s, counter, sims);
    assertTrue(s.accesses >= 1_000_000, "accesses " + s.accesses);
    assertCurvesMatch(counter, sims, s);
  }

  /** Index bits unrelated to the key (but a function of it); few keys, so no pruning; 1 M operations. */
  @Test
  void scrambledIndexBitsMatchTagCache() {
    Stream s = generate(5, 1_100_000, 120, 0.05, false);
    int[] setCounts = {1, 4, 16};
    StackDistanceCounter counter = new StackDistanceCounter(256, setCounts);
    List<Sim> sims = new ArrayList<>();
    for (int w : new int[] {1, 2, 5, 17, 60, 128, 200, 256}) {
      sims.add(new Sim(1, w));
    }
    for (int w = 1; w <= 64; w++) {
      sims.add(new Sim(4, w));
    }
    for (int w = 1; w <= 16; w++) {
      sims.add(new Sim(16, w));
    }
    replay(s, counter, sims);
    assertTrue(s.accesses >= 1_000_000, "accesses " + s.accesses);
    assertCurvesMatch(counter, sims, s);
  }

  /** Two halves of a stream counted separately and merged give the sum of the halves' simulations. */
  @Test
  void mergedHalvesEqualTheSumOfSeparateSimulations() {
    Stream s = generate(8, 200_000, 300, 0.02, true);
    StackDistanceCounter first = new StackDistanceCounter(32, 1, 4);
    StackDistanceCounter second = new StackDistanceCounter(32, 1, 4);
    Sim a = new Sim(4, 3);
    Sim b = new Sim(4, 3);
    for (int i = 0; i < s.ops.length; i++) {
      boolean firstHalf = i < s.ops.length / 2;
      StackDistanceCounter counter = firstHalf ? first : second;
      Sim sim = firstHalf ? a : b;
      if (s.ops[i] == ACCESS) {
        counter.access(s.keys[i], s.bits[i]);
      } else if (s.ops[i] == INVALIDATE) {
        counter.invalidate(s.keys[i], s.bits[i]);
      } else if (s.ops[i] == INVALIDATE_DOMAIN) {
        counter.invalidateMatching(DOMAIN_MASK, s.keys[i]);
      } else {
        counter.invalidateAll();
      }
      sim.apply(s.ops[i], s.keys[i], s.bits[i]);
    }
    MissCurves merged = MissCurves.fromLongArray(first.curves().toLongArray());
    merged.merge(MissCurves.fromLongArray(second.curves().toLongArray()));
    assertEquals(a.misses + b.misses, merged.misses(4, 3));
  }

  /** Once its arrays have grown, the counter allocates nothing per access or invalidation. */
  @Test
  void noAllocationInSteadyState() {
    Stream s = generate(3, 300_000, 20_000, 0.01, true);
    StackDistanceCounter counter = new StackDistanceCounter();
    List<Sim> none = List.of();
    replay(s, counter, none);
    replay(s, counter, none);
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(thread);
    replay(s, counter, none);
    long allocated = bean.getThreadAllocatedBytes(thread) - before;
    assertTrue(allocated < 16_384, allocated + " bytes allocated in 300 k operations");
  }
}
