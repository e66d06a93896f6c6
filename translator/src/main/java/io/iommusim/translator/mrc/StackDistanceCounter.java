package io.iommusim.translator.mrc;

import java.util.Arrays;

/**
 * Exact LRU stack distances of a key stream (IOTLB tags), for a fully associative cache and for
 * set-associative caches of several set counts at once, in one pass; with invalidations. The result,
 * {@link #curves()}, gives the miss count of an LRU cache of every geometry {@code S} sets ×
 * {@code W} ways, {@code S} one of the configured set counts and {@code W} in {@code 1..maxEntries/S},
 * equal to what {@code TagCache(S * W, W, LRU, LOW_BITS)} counts on the same
 * {@link #access}/{@link #invalidate} sequence (lookup, insert on a miss; invalidate).
 *
 * <h2>Keys and sets</h2>
 * For set count {@code S} the set of an access is {@code indexBits & (S - 1)}, as TagCache's LOW_BITS
 * indexing. A key must come with the same {@code indexBits} for as long as it is tracked (IOTLB tags
 * contain the page number that is their index, so they always do); a tracked key seen with other
 * index bits throws {@link IllegalArgumentException}.
 *
 * <h2>Model: LRU stacks with holes</h2>
 * Per set, the stack orders the set's keys by recency. The usual inclusion property (an LRU cache of
 * W ways holds the top W of the stack) breaks if an invalidated key simply leaves the stack: a cache
 * of W ways that held it now has a free way, not the key that was at depth W + 1. So an invalidated
 * key leaves a <em>hole</em> at its depth, and a cache of W ways holds the keys among the top W
 * positions, holes counted. An access at depth {@code d} ({@code d = ∞} if the key is not in the
 * stack) moves the key to the top; if there is a hole above depth {@code d}, the shallowest such hole
 * {@code h} absorbs the shift (positions {@code 1..h-1} move down one, the hole disappears, and
 * the key's old position {@code d} becomes a hole), else positions {@code 1..d-1} move down one as in
 * plain LRU. Case by case (W &lt; h: evict the way at W; h ≤ W &lt; d: fill the free way; W ≥ d: hit)
 * this keeps "cache of W ways = keys in the top W positions, in recency order" for every W at once,
 * so the access misses exactly for {@code W < d}. A flush ({@link #invalidateAll}) is the empty stack
 * (holes below every key never matter).
 *
 * <h2>Algorithm</h2>
 * Every position (key or hole) of a set's stack is a <em>mark</em> at a timestamp of the set's own
 * clock; the stack is the marks in decreasing time order. A Fenwick tree over the set's timestamps
 * counts marks, so the depth of a key last marked at {@code t} is {@code 1 + marks after t}: one
 * prefix sum, O(log capacity). A max-heap per set holds the hole timestamps (the shallowest hole is
 * the newest). An access removes one mark (its old one, or the absorbing hole's) and adds one at the
 * new time: two Fenwick walks of O(log capacity) (prefix sum, unmark), an amortized O(1) append (tree
 * nodes above the clock are built only when the clock reaches them) and, only with holes, heap
 * operations. The key whose mark is the
 * newest of its set (depth 1) changes nothing and costs no tree walk. Key → id is a primitive
 * open-addressing map (linear probing, backward-shift deletion); per id one int timestamp per set
 * count, contiguous. No allocation except when an array grows.
 *
 * <h2>Compaction and memory bound</h2>
 * When a set's clock reaches its capacity, its live marks are renumbered {@code 1..k} in order and the
 * tree rebuilt, O(capacity). Positions never move up (an access shifts the marks above its old one
 * down and leaves those below in place), so a mark deeper than {@code maxWays = maxEntries / S} stays
 * deeper forever: it can only produce distances past the curve. Compaction therefore drops all but the
 * newest {@code maxWays} marks (a dropped key's next access counts as past the curve, which it is, and
 * it then absorbs a hole only if one is among the kept positions, all of which are above its true
 * depth). Capacity is the next power of two ≥ 4k, so compactions are at least 3/4 of the capacity in
 * accesses to the set apart (amortized O(1)), and each set holds at most {@code nextPow2(4 * maxWays)}
 * marks (from 16 up, grown on demand). A key
 * is forgotten once no set count keeps its mark. Memory is thus O(setCounts × maxEntries) whatever the
 * trace length or number of distinct keys: about 12 bytes per timestamp slot per set plus, per tracked
 * key, 8 + 8 + 4 × setCounts bytes and a map slot.
 *
 * <p>Not thread safe. Use one counter per scope (unit, domain, device).
 */
public final class StackDistanceCounter {
  /** Default of {@code mrc.max_entries}. */
  public static final int DEFAULT_MAX_ENTRIES = 4096;

  /** Default of {@code mrc.sets}. */
  public static final int[] DEFAULT_SET_COUNTS = {1, 8, 16, 64};

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private static final int MIN_CAPACITY = 16;
  /** After compaction to k marks a set's capacity is at least GROWTH * k (next power of two). */
  private static final int GROWTH = 4;
  /** timeToId value of a hole; keys are stored as id + 1, unmarked times as 0. */
  private static final int HOLE = -1;

  private final MissCurves curves;
  private final int levelCount;
  private final Level[] levels;

  // key -> id + 1 (0 = empty bucket)
  private long[] mapKeys;
  private int[] mapIds;
  private int mapMask;
  private int mapShift;
  private int mapSize;

  // per id
  private long[] idKey;
  private long[] idIndexBits;
  private boolean[] idLive;
  /** {@code idTime[id * levelCount + level]}: the key's mark in that level, 0 if none. */
  private int[] idTime;
  private int[] freeIds;
  private int freeCount;
  private int idLimit;

  /** Counter with {@link #DEFAULT_MAX_ENTRIES} and {@link #DEFAULT_SET_COUNTS}. */
  public StackDistanceCounter() {
    this(DEFAULT_MAX_ENTRIES, DEFAULT_SET_COUNTS);
  }

  /**
   * @param maxEntries largest cache size of the curves ({@code mrc.max_entries})
   * @param setCounts ascending distinct powers of two ≤ maxEntries ({@code mrc.sets}); 1 = fully associative
   */
  public StackDistanceCounter(int maxEntries, int... setCounts) {
    this.curves = new MissCurves(maxEntries, setCounts);
    this.levelCount = setCounts.length;
    this.levels = new Level[levelCount];
    for (int i = 0; i < levelCount; i++) {
      levels[i] = new Level(i, setCounts[i], maxEntries / setCounts[i], curves.histograms[i]);
    }
    int ids = 64;
    idKey = new long[ids];
    idIndexBits = new long[ids];
    idLive = new boolean[ids];
    idTime = new int[ids * levelCount];
    freeIds = new int[ids];
    allocateMap(128);
  }

  /** The histograms and curves so far (a live view, updated by later accesses). */
  public MissCurves curves() {
    return curves;
  }

  /** Adds {@code other}'s histograms to this counter's (see {@link MissCurves#merge}). */
  public void merge(StackDistanceCounter other) {
    curves.merge(other.curves);
  }

  /** Keys currently tracked (with a mark in at least one set count). */
  public int trackedKeys() {
    return mapSize;
  }

  /** One lookup of {@code key}, filled on a miss (as every cache geometry would). */
  public void access(long key, long indexBits) {
    int id = findOrAdd(key, indexBits);
    curves.accesses++;
    int base = id * levelCount;
    for (int l = 0; l < levelCount; l++) {
      levels[l].access(id, base + l, indexBits);
    }
  }

  /**
   * Invalidates {@code key}: in every stack it becomes a hole, and its next access is a cold miss.
   * Returns whether the key was tracked (a key not tracked is in no cache of the curves).
   */
  public boolean invalidate(long key, long indexBits) {
    int id = find(key);
    if (id < 0) {
      return false;
    }
    checkIndexBits(id, key, indexBits);
    dropKey(id);
    return true;
  }

  /**
   * Invalidates every tracked key with {@code (key & mask) == value} (e.g. all tags of one domain);
   * returns how many. O(tracked keys).
   */
  public int invalidateMatching(long mask, long value) {
    int count = 0;
    for (int id = 0; id < idLimit; id++) {
      if (idLive[id] && (idKey[id] & mask) == value) {
        dropKey(id);
        count++;
      }
    }
    return count;
  }

  /** Invalidates every key (a global flush): every stack becomes empty. Histograms are kept. */
  public void invalidateAll() {
    for (Level level : levels) {
      level.reset();
    }
    Arrays.fill(mapIds, 0);
    mapSize = 0;
    Arrays.fill(idLive, 0, idLimit, false);
    Arrays.fill(idTime, 0, idLimit * levelCount, 0);
    idLimit = 0;
    freeCount = 0;
  }

  private void dropKey(int id) {
    int base = id * levelCount;
    long bits = idIndexBits[id];
    for (int l = 0; l < levelCount; l++) {
      int t = idTime[base + l];
      if (t != 0) {
        levels[l].makeHole((int) (bits & levels[l].setMask), t);
        idTime[base + l] = 0;
      }
    }
    release(id);
  }

  private void checkIndexBits(int id, long key, long indexBits) {
    if (idIndexBits[id] != indexBits) {
      throw new IllegalArgumentException("key 0x" + Long.toHexString(key) + " came with index bits 0x"
          + Long.toHexString(indexBits) + " but is tracked with 0x" + Long.toHexString(idIndexBits[id]));
    }
  }

  /** Called by compaction of level {@code level} for a key whose mark it dropped. */
  private void maybeRelease(int id, int protectedId) {
    if (id == protectedId) {
      return;
    }
    int base = id * levelCount;
    for (int l = 0; l < levelCount; l++) {
      if (idTime[base + l] != 0) {
        return;
      }
    }
    release(id);
  }

  private void release(int id) {
    mapRemove(idKey[id]);
    idLive[id] = false;
    freeIds[freeCount++] = id;
  }

  // key map --------------------------------------------------------------------------------------------

  private int bucket(long key) {
    return (int) ((key * GOLDEN_GAMMA) >>> mapShift);
  }

  private int find(long key) {
    for (int b = bucket(key); ; b = (b + 1) & mapMask) {
      int v = mapIds[b];
      if (v == 0) {
        return -1;
      }
      if (mapKeys[b] == key) {
        return v - 1;
      }
    }
  }

  private int findOrAdd(long key, long indexBits) {
    int b = bucket(key);
    for (; ; b = (b + 1) & mapMask) {
      int v = mapIds[b];
      if (v == 0) {
        break;
      }
      if (mapKeys[b] == key) {
        int id = v - 1;
        if (idIndexBits[id] != indexBits) {
          checkIndexBits(id, key, indexBits);
        }
        return id;
      }
    }
    int id = newId();
    idKey[id] = key;
    idIndexBits[id] = indexBits;
    idLive[id] = true;
    mapKeys[b] = key;
    mapIds[b] = id + 1;
    if (++mapSize * 2 > mapIds.length) {
      allocateMap(mapIds.length * 2);
    }
    return id;
  }

  private int newId() {
    if (freeCount > 0) {
      return freeIds[--freeCount];
    }
    if (idLimit == idKey.length) {
      int n = idKey.length * 2;
      idKey = Arrays.copyOf(idKey, n);
      idIndexBits = Arrays.copyOf(idIndexBits, n);
      idLive = Arrays.copyOf(idLive, n);
      idTime = Arrays.copyOf(idTime, n * levelCount);
      freeIds = Arrays.copyOf(freeIds, n);
    }
    return idLimit++;
  }

  private void allocateMap(int size) {
    long[] oldKeys = mapKeys;
    int[] oldIds = mapIds;
    mapKeys = new long[size];
    mapIds = new int[size];
    mapMask = size - 1;
    mapShift = 64 - Integer.numberOfTrailingZeros(size);
    if (oldIds != null) {
      for (int i = 0; i < oldIds.length; i++) {
        if (oldIds[i] != 0) {
          int b = bucket(oldKeys[i]);
          while (mapIds[b] != 0) {
            b = (b + 1) & mapMask;
          }
          mapKeys[b] = oldKeys[i];
          mapIds[b] = oldIds[i];
        }
      }
    }
  }

  private void mapRemove(long key) {
    int hole = bucket(key);
    while (mapKeys[hole] != key || mapIds[hole] == 0) {
      hole = (hole + 1) & mapMask;
    }
    for (int b = (hole + 1) & mapMask; ; b = (b + 1) & mapMask) {
      if (mapIds[b] == 0) {
        break;
      }
      int home = bucket(mapKeys[b]);
      if (((b - home) & mapMask) >= ((b - hole) & mapMask)) {
        mapKeys[hole] = mapKeys[b];
        mapIds[hole] = mapIds[b];
        hole = b;
      }
    }
    mapIds[hole] = 0;
    mapSize--;
  }

  // one set count ----------------------------------------------------------------------------------------

  /** The stacks of all sets of one set count. */
  private final class Level {
    final int level;
    final int setMask;
    final int maxWays;
    final long[] histogram;
    /** Per set: Fenwick tree over timestamps 1..capacity (index 0 unused). */
    final int[][] fenwick;
    /** Per set: id + 1 of the key marked at each time, {@link #HOLE}, or 0. */
    final int[][] timeToId;
    /** Per set: max-heap of hole timestamps in {@code [0, holeCount)}. */
    final int[][] holeHeap;
    final int[] holeCount;
    final int[] clock;
    final int[] marks;

    Level(int level, int sets, int maxWays, long[] histogram) {
      this.level = level;
      this.setMask = sets - 1;
      this.maxWays = maxWays;
      this.histogram = histogram;
      int capacity = Math.min(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, GROWTH * maxWays - 1)) << 1);
      fenwick = new int[sets][capacity + 1];
      timeToId = new int[sets][capacity + 1];
      holeHeap = new int[sets][capacity];
      holeCount = new int[sets];
      clock = new int[sets];
      marks = new int[sets];
    }

    void access(int id, int slot, long indexBits) {
      int set = (int) (indexBits & setMask);
      int[] times = idTime;
      int previous = times[slot];
      if (previous != 0 && previous == clock[set]) {
        histogram[0]++; // the newest mark of its set: depth 1, nothing moves
        return;
      }
      int[] tree = fenwick[set];
      if (clock[set] == tree.length - 1) {
        compact(set, id);
        tree = fenwick[set];
        previous = times[slot];
      }
      int[] ids = timeToId[set];
      int distance = Integer.MAX_VALUE;
      if (previous != 0) {
        int before = 0;
        for (int i = previous; i > 0; i -= i & -i) {
          before += tree[i];
        }
        distance = marks[set] - before + 1;
      }
      int removed = previous;
      if (holeCount[set] > 0) {
        int hole = holeHeap[set][0];
        if (hole > previous) { // the shallowest hole is above the key: it absorbs the shift
          popHole(set);
          removed = hole;
          if (previous != 0) {
            ids[previous] = HOLE;
            pushHole(set, previous);
          }
        }
      }
      int end = clock[set];
      if (removed != 0) {
        for (int i = removed; i <= end; i += i & -i) {
          tree[i]--;
        }
        ids[removed] = 0; // the absorbing hole's time, or the key's own old time
      } else {
        marks[set]++;
      }
      // Append the mark at the new time: node now covers (now - lowbit(now), now], the new mark plus
      // its child nodes, all already up to date. Amortized O(1) (nodes above the clock are unbuilt).
      int now = end + 1;
      clock[set] = now;
      int node = 1;
      int low = now - (now & -now);
      for (int i = now - 1; i > low; i -= i & -i) {
        node += tree[i];
      }
      tree[now] = node;
      ids[now] = id + 1;
      times[slot] = now;
      histogram[distance <= maxWays ? distance - 1 : maxWays]++;
    }

    void makeHole(int set, int time) {
      timeToId[set][time] = HOLE;
      pushHole(set, time);
    }

    /**
     * Renumbers the newest {@code min(marks, maxWays)} marks of {@code set} to {@code 1..k}, drops the
     * older ones, grows the arrays to a capacity of at least 2k and rebuilds tree and hole heap.
     */
    private void compact(int set, int currentId) {
      int[] ids = timeToId[set];
      int end = clock[set];
      int keep = Math.min(marks[set], maxWays);
      int skip = marks[set] - keep;
      int[] times = idTime;
      int written = 0;
      for (int t = 1; t <= end; t++) {
        int v = ids[t];
        if (v == 0) {
          continue;
        }
        ids[t] = 0;
        if (skip > 0) {
          skip--;
          if (v > 0) {
            times[(v - 1) * levelCount + level] = 0;
            maybeRelease(v - 1, currentId);
          }
          continue;
        }
        ids[++written] = v;
        if (v > 0) {
          times[(v - 1) * levelCount + level] = written;
        }
      }
      int capacity = fenwick[set].length - 1;
      if (GROWTH * written > capacity) {
        capacity = Integer.highestOneBit(GROWTH * written - 1) << 1;
        timeToId[set] = ids = Arrays.copyOf(ids, capacity + 1);
        fenwick[set] = new int[capacity + 1];
        holeHeap[set] = new int[capacity];
      }
      // Nodes 1..written: every time is marked, so node i counts lowbit(i). Higher nodes are unbuilt.
      int[] tree = fenwick[set];
      for (int t = 1; t <= written; t++) {
        tree[t] = t & -t;
      }
      // Descending times form a valid max-heap.
      int[] heap = holeHeap[set];
      int holes = 0;
      for (int t = written; t >= 1; t--) {
        if (ids[t] == HOLE) {
          heap[holes++] = t;
        }
      }
      holeCount[set] = holes;
      clock[set] = written;
      marks[set] = written;
    }

    /** O(sets): tree nodes and times above the clock are never read before they are rewritten. */
    void reset() {
      Arrays.fill(holeCount, 0);
      Arrays.fill(clock, 0);
      Arrays.fill(marks, 0);
    }

    private void popHole(int set) {
      int[] heap = holeHeap[set];
      int n = --holeCount[set];
      int last = heap[n];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= n) {
          break;
        }
        if (child + 1 < n && heap[child + 1] > heap[child]) {
          child++;
        }
        if (heap[child] <= last) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      if (n > 0) {
        heap[i] = last;
      }
    }

    private void pushHole(int set, int time) {
      int[] heap = holeHeap[set];
      int i = holeCount[set]++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heap[parent] >= time) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = time;
    }
  }
}
