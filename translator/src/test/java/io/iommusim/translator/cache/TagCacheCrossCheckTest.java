package io.iommusim.translator.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Randomized replays of TagCache against simple, slow, independently written reference models. Every
 * access must agree on hit or miss and on the evicted tag; where the reference tracks ways (RANDOM,
 * PLRU, FLUSH_ON_FULL) the slot must agree too. Invalidations and rare clears are mixed in so that the
 * hash index deletion and free-way heap of wide sets are exercised.
 */
class TagCacheCrossCheckTest {

  /** A reference cache that works on (tag, set) with the set already computed. */
  private interface Reference {
    boolean access(long tag, int set);

    /** Inserts a missing tag; returns the evicted tag or null. */
    Long insert(long tag, int set);

    /** Way the last insert used, or -1 if the model does not track ways. */
    default int lastWay() {
      return -1;
    }

    boolean remove(long tag, int set);

    void clear();

    int size();
  }

  /** LRU (access order) or FIFO (insertion order) on one LinkedHashMap per set. */
  private static final class LinkedHashMapReference implements Reference {
    private final List<LinkedHashMap<Long, Boolean>> sets = new ArrayList<>();
    private final int ways;

    LinkedHashMapReference(int setCount, int ways, boolean lru) {
      this.ways = ways;
      for (int i = 0; i < setCount; i++) {
        sets.add(new LinkedHashMap<>(16, 0.75f, lru));
      }
    }

    @Override
    public boolean access(long tag, int set) {
      return sets.get(set).get(tag) != null; // get() reorders only in access-order (LRU) mode
    }

    @Override
    public Long insert(long tag, int set) {
      LinkedHashMap<Long, Boolean> map = sets.get(set);
      Long evicted = null;
      if (map.size() == ways) {
        Iterator<Long> eldest = map.keySet().iterator();
        evicted = eldest.next();
        eldest.remove();
      }
      map.put(tag, Boolean.TRUE);
      return evicted;
    }

    @Override
    public boolean remove(long tag, int set) {
      return sets.get(set).remove(tag) != null;
    }

    @Override
    public void clear() {
      sets.forEach(LinkedHashMap::clear);
    }

    @Override
    public int size() {
      return sets.stream().mapToInt(LinkedHashMap::size).sum();
    }
  }

  /** Way arrays per set with lowest-invalid-first filling; subclasses choose the victim. */
  private abstract static class WayArrayReference implements Reference {
    final int ways;
    final long[][] tags;
    final boolean[][] valid;
    int lastWay = -1;

    WayArrayReference(int setCount, int ways) {
      this.ways = ways;
      tags = new long[setCount][ways];
      valid = new boolean[setCount][ways];
    }

    int find(long tag, int set) {
      for (int way = 0; way < ways; way++) {
        if (valid[set][way] && tags[set][way] == tag) {
          return way;
        }
      }
      return -1;
    }

    void used(int set, int way) {}

    abstract int victim(int set);

    @Override
    public boolean access(long tag, int set) {
      int way = find(tag, set);
      if (way >= 0) {
        used(set, way);
      }
      return way >= 0;
    }

    @Override
    public Long insert(long tag, int set) {
      Long evicted = null;
      int way = 0;
      while (way < ways && valid[set][way]) {
        way++;
      }
      if (way == ways) {
        way = victim(set);
        evicted = tags[set][way];
      }
      tags[set][way] = tag;
      valid[set][way] = true;
      used(set, way);
      lastWay = way;
      return evicted;
    }

    @Override
    public int lastWay() {
      return lastWay;
    }

    @Override
    public boolean remove(long tag, int set) {
      int way = find(tag, set);
      if (way >= 0) {
        valid[set][way] = false;
      }
      return way >= 0;
    }

    @Override
    public void clear() {
      for (boolean[] setValid : valid) {
        java.util.Arrays.fill(setValid, false);
      }
    }

    @Override
    public int size() {
      int count = 0;
      for (boolean[] setValid : valid) {
        for (boolean v : setValid) {
          count += v ? 1 : 0;
        }
      }
      return count;
    }
  }

  private static final class RandomReference extends WayArrayReference {
    private final SplittableRandom random;

    RandomReference(int setCount, int ways, long seed) {
      super(setCount, ways);
      random = new SplittableRandom(seed);
    }

    @Override
    int victim(int set) {
      return random.nextInt(ways);
    }
  }

  /** Tree PLRU over index ranges: bit true means "victim in the upper half of the range". */
  private static final class PlruReference extends WayArrayReference {
    private final boolean[][] victimInUpperHalf;

    PlruReference(int setCount, int ways) {
      super(setCount, ways);
      victimInUpperHalf = new boolean[setCount][Math.max(ways, 1)];
    }

    @Override
    void used(int set, int way) {
      int node = 1;
      int low = 0;
      int high = ways;
      while (high - low > 1) {
        int middle = (low + high) / 2;
        boolean inLowerHalf = way < middle;
        victimInUpperHalf[set][node] = inLowerHalf;
        node = inLowerHalf ? 2 * node : 2 * node + 1;
        if (inLowerHalf) {
          high = middle;
        } else {
          low = middle;
        }
      }
    }

    @Override
    int victim(int set) {
      int node = 1;
      int low = 0;
      int high = ways;
      while (high - low > 1) {
        int middle = (low + high) / 2;
        if (victimInUpperHalf[set][node]) {
          low = middle;
          node = 2 * node + 1;
        } else {
          high = middle;
          node = 2 * node;
        }
      }
      return low;
    }

    @Override
    public void clear() {
      super.clear();
      for (boolean[] bits : victimInUpperHalf) {
        java.util.Arrays.fill(bits, false);
      }
    }
  }

  /** QEMU: a full target set empties everything. */
  private static final class FlushReference implements Reference {
    private final List<Set<Long>> sets = new ArrayList<>();
    private final int ways;
    long flushes;

    FlushReference(int setCount, int ways) {
      this.ways = ways;
      for (int i = 0; i < setCount; i++) {
        sets.add(new HashSet<>());
      }
    }

    @Override
    public boolean access(long tag, int set) {
      return sets.get(set).contains(tag);
    }

    @Override
    public Long insert(long tag, int set) {
      if (sets.get(set).size() == ways) {
        flushes++;
        sets.forEach(Set::clear);
      }
      sets.get(set).add(tag);
      return null;
    }

    @Override
    public boolean remove(long tag, int set) {
      return sets.get(set).remove(tag);
    }

    @Override
    public void clear() {
      sets.forEach(Set::clear);
    }

    @Override
    public int size() {
      return sets.stream().mapToInt(Set::size).sum();
    }
  }

  private static long fmix64(long k) {
    k = (k ^ (k >>> 33)) * 0xff51afd7ed558ccdL;
    k = (k ^ (k >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return k ^ (k >>> 33);
  }

  private static int referenceSet(long indexBits, int setCount, SetIndexing indexing) {
    return indexing == SetIndexing.LOW_BITS
        ? (int) (indexBits & (setCount - 1))
        : (int) Long.remainderUnsigned(fmix64(indexBits), setCount);
  }

  /** How a drawn id becomes a (tag, index bits) pair. */
  private interface Keying {
    long tag(long id);

    long index(long id);
  }

  /** Scrambled tags (negative values, 0 and -1 included for some ids), index bits = id. */
  private static final Keying SCRAMBLED = new Keying() {
    @Override
    public long tag(long id) {
      return id == 1 ? -1 : (id - 7) * 0x9E3779B97F4A7C15L;
    }

    @Override
    public long index(long id) {
      return id;
    }
  };

  /** Few tags shared by many sets: the same tag lives in several sets at once. */
  private static final Keying SHARED_TAGS = new Keying() {
    @Override
    public long tag(long id) {
      return id % 97;
    }

    @Override
    public long index(long id) {
      return id / 97;
    }
  };

  /**
   * Replays {@code accesses} accesses over {@code distinctIds} ids (skewed towards low ids: the min of two
   * uniform draws) with ~1% invalidations and a clear every ~200k accesses; returns the hit count.
   */
  private static long replay(TagCache cache, Reference reference, SetIndexing indexing, Keying keying,
      int accesses, int distinctIds, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long hits = 0;
    long referenceHits = 0;
    for (int i = 0; i < accesses; i++) {
      long id = Math.min(random.nextInt(distinctIds), random.nextInt(distinctIds));
      long tag = keying.tag(id);
      long index = keying.index(id);
      int set = referenceSet(index, cache.sets(), indexing);
      int action = random.nextInt(200_000);
      if (action == 0) {
        cache.clear();
        reference.clear();
        continue;
      }
      if (action < 2_000) {
        assertEquals(reference.remove(tag, set), cache.invalidate(tag, index), "invalidate at access " + i);
        continue;
      }
      int slot = cache.lookup(tag, index);
      boolean referenceHit = reference.access(tag, set);
      assertEquals(referenceHit, slot >= 0, "hit/miss at access " + i);
      if (slot >= 0) {
        hits++;
        assertEquals(tag, cache.tagAt(slot));
        assertEquals(set, cache.slotSet(slot));
      } else {
        slot = cache.insert(tag, index);
        Long evicted = reference.insert(tag, set);
        assertEquals(set, cache.slotSet(slot), "insert placed outside the set at access " + i);
        assertEquals(evicted != null, cache.lastInsertEvicted(), "eviction at access " + i);
        if (evicted != null) {
          assertEquals(evicted.longValue(), cache.lastEvictedTag(), "victim at access " + i);
          assertEquals(slot, cache.lastEvictedSlot());
        }
        if (reference.lastWay() >= 0) {
          assertEquals(reference.lastWay(), cache.slotWay(slot), "way at access " + i);
        }
      }
      referenceHits += referenceHit ? 1 : 0;
    }
    assertEquals(referenceHits, hits);
    assertEquals(reference.size(), cache.size());
    // Sanity: the workload neither always hits nor always misses, so replacement really was exercised.
    assertTrue(hits > accesses / 20 && hits < accesses - accesses / 20, "hits " + hits + " of " + accesses);
    return hits;
  }

  private static long crossCheckOrdered(int entries, int ways, ReplacementPolicy policy, SetIndexing indexing,
      Keying keying, int accesses, int distinctIds, long seed) {
    TagCache cache = new TagCache(entries, ways, policy, indexing, seed);
    Reference reference = new LinkedHashMapReference(cache.sets(), cache.ways(), policy == ReplacementPolicy.LRU);
    return replay(cache, reference, indexing, keying, accesses, distinctIds, seed);
  }

  @Test
  void largeFullyAssociativeLruMatchesLinkedHashMap() {
    crossCheckOrdered(4096, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, SCRAMBLED, 1_000_000, 10_000, 11);
  }

  @Test
  void largeFullyAssociativeFifoMatchesLinkedHashMap() {
    crossCheckOrdered(4096, 0, ReplacementPolicy.FIFO, SetIndexing.LOW_BITS, SCRAMBLED, 1_000_000, 10_000, 12);
  }

  @Test
  void lruAndFifoReallyDiffer() {
    // Guards against both policies silently sharing one code path.
    long lru = crossCheckOrdered(256, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, SCRAMBLED, 100_000, 1_000, 5);
    long fifo = crossCheckOrdered(256, 0, ReplacementPolicy.FIFO, SetIndexing.LOW_BITS, SCRAMBLED, 100_000, 1_000, 5);
    assertTrue(lru != fifo, "lru " + lru + " fifo " + fifo);
  }

  @Test
  void setAssociative64x4LruMatchesPerSetReference() {
    crossCheckOrdered(256, 4, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, SCRAMBLED, 1_000_000, 1_000, 13);
  }

  @Test
  void setAssociativeFifoWithHashIndexingOnThreeSetsMatches() {
    // 48 entries / 16 ways = 3 sets: the non-power-of-two hash path, linear scan at the 16-way limit.
    crossCheckOrdered(48, 16, ReplacementPolicy.FIFO, SetIndexing.HASH, SCRAMBLED, 300_000, 150, 14);
  }

  @Test
  void wideSetsWithTagsSharedAcrossSetsMatch() {
    // 64 sets x 32 ways uses the hash index with several sets; the same tag lives in many sets.
    crossCheckOrdered(2048, 32, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, SHARED_TAGS, 500_000, 6_000, 15);
    crossCheckOrdered(1536, 32, ReplacementPolicy.FIFO, SetIndexing.HASH, SHARED_TAGS, 500_000, 4_000, 16);
  }

  @Test
  void plruMatchesRangeBasedReference() {
    int[][] geometries = {{4, 0}, {1024, 0}, {256, 8}, {1024, 64}};
    for (int[] geometry : geometries) {
      TagCache cache = new TagCache(geometry[0], geometry[1], ReplacementPolicy.PLRU, SetIndexing.HASH, 0);
      replay(cache, new PlruReference(cache.sets(), cache.ways()), SetIndexing.HASH, SCRAMBLED,
          300_000, cache.entries() * 5 / 2, 17);
    }
  }

  @Test
  void randomMatchesSeededReference() {
    int[][] geometries = {{256, 0}, {256, 4}, {4096, 64}};
    for (int[] geometry : geometries) {
      TagCache cache = new TagCache(geometry[0], geometry[1], ReplacementPolicy.RANDOM, SetIndexing.LOW_BITS, 99);
      replay(cache, new RandomReference(cache.sets(), cache.ways(), 99), SetIndexing.LOW_BITS, SCRAMBLED,
          300_000, cache.entries() * 5 / 2, 18);
    }
  }

  @Test
  void flushOnFullMatchesQemuStyleReference() {
    int[][] geometries = {{1024, 0}, {256, 4}, {2048, 32}};
    for (int[] geometry : geometries) {
      TagCache cache = new TagCache(geometry[0], geometry[1], ReplacementPolicy.FLUSH_ON_FULL, SetIndexing.LOW_BITS, 0);
      FlushReference reference = new FlushReference(cache.sets(), cache.ways());
      replay(cache, reference, SetIndexing.LOW_BITS, SCRAMBLED, 300_000, cache.entries() * 3 / 2, 19);
      assertEquals(reference.flushes, cache.flushes());
      assertTrue(cache.flushes() > 10, "flushes " + cache.flushes());
    }
  }
}
