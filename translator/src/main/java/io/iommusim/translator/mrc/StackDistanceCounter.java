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
 * indexing (a caller modelling HASH indexing passes {@code TagCache.mix64} of its index bits). A key
 * must come with the same {@code indexBits} for as long as it is tracked (IOTLB tags contain the page
 * number that is their index, so they always do); a tracked key seen with other index bits throws
 * {@link IllegalArgumentException}.
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
 * clock; the stack is the marks in decreasing time order, so the depth of a key last marked at
 * {@code t} is {@code marks - rank(t) + 1}, {@code rank(t)} = marks at times ≤ t. The marks of a set
 * are a bitmap over its timestamps with two prefix counts: per block of 512 timestamps (8 words, one
 * cache line) the marks in the earlier blocks, and per word the marks in the earlier words of its
 * block. {@code rank} is then two loads and one popcount. Unmarking decrements the counts after the
 * mark (fixed-length loops over the block's 8 words and the set's blocks, so no branch depends on
 * the data); marking the newest time only sets a bit (and writes the count of a word or block the
 * clock enters). The fully associative set at the default 4096 ways has 8 Ki timestamps: a 1 KiB
 * bitmap and 16 + 128 counts, so the rank structure stays in L1 (a Fenwick tree over the timestamps
 * themselves needs 32 KiB and two walks of 13 scattered loads per access). A max-heap per set holds
 * the hole timestamps (the shallowest hole is the newest). The key whose mark is the newest of its set
 * (depth 1) changes nothing and costs no rank query. When the newest mark of the set is a hole (the
 * set's last key was invalidated since: a driver's map, DMA, unmap), the accessed key takes that time
 * and its old time, if any, becomes the hole: the same stack as the general case with {@code h = 1},
 * without touching the bitmap or the clock. Key → id is a primitive open-addressing map
 * (linear probing, backward-shift deletion, key and id side by side) looked up once per access for all
 * set counts; per id, its index bits and one timestamp per set count share one small record. Each set
 * count keeps its per-set arrays flat ({@code set << shift | index}, one capacity for all its sets).
 * No allocation except when an array grows.
 *
 * <h2>Compaction and memory bound</h2>
 * When a set's clock reaches its capacity, its live marks are renumbered {@code 1..k} in order (read
 * from the bitmap) and its bitmap and counts rebuilt, O(capacity / 64 + k). Positions never move up
 * (an access shifts the marks above its old one down and leaves those below in place), so a mark
 * deeper than {@code maxWays = maxEntries / S} stays deeper forever: it can only produce distances
 * past the curve. Compaction therefore drops all but the newest {@code maxWays} marks (a dropped key's
 * next access counts as past the curve, which it is, and it then absorbs a hole only if one is among
 * the kept positions, all of which are above its true depth). The capacity of a set count is the next
 * power of two ≥ 2k (and ≥ k + 2) after any of its sets compacts to k marks, so compactions are at
 * least half the capacity in accesses to the set apart (amortized O(1)), and each set holds at most
 * {@code nextPow2(2 * maxWays)} marks (from 16 up, grown on demand); a larger factor measured slower
 * (bigger arrays, more marks past the curve). A key is forgotten once no set count keeps its mark: its
 * id is released lazily, when the id arrays are full, so a key that comes back soon is not removed
 * from and re-inserted into the map; the ids stay within 4/3 of the keys with marks. Memory is thus
 * O(setCounts × maxEntries) whatever the trace length or number of distinct keys: about 4.3 bytes per
 * timestamp slot (id, bitmap, prefix counts), 4 per hole, and per id a record of 4 × stride bytes,
 * 13 more (key, state, free list) and two map slots of 16 bytes. Measured: 2.4 MiB per counter at the
 * defaults (4096 entries, 4 set counts) once thousands of distinct keys went by.
 *
 * <h2>Flags and lookups without a fill</h2>
 * A caller may {@link #flag} tracked keys (the translator flags IOTLB tags whose mapping changed
 * while they stayed cached); a flag lasts until the key is invalidated or forgotten. A lookup that
 * fills nothing on a miss (a faulting translation) is counted with {@link #lookupWithoutFill}.
 *
 * <p>Not thread safe. Use one counter per scope (unit, domain, device).
 */
public final class StackDistanceCounter {
  /** Default of {@code mrc.max_entries}. */
  public static final int DEFAULT_MAX_ENTRIES = 4096;

  /** Default of {@code mrc.sets}. */
  public static final int[] DEFAULT_SET_COUNTS = {1, 8, 16, 64};

  /** A condition on keys, for {@link #invalidateWhere} and {@link #flagWhere}. */
  @FunctionalInterface
  public interface KeyPredicate {
    boolean test(long key);
  }

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private static final int MIN_CAPACITY = 16;
  /** After compaction to k marks a set's capacity is at least GROWTH * k (next power of two). */
  private static final int GROWTH = 2;
  /** timeToId value of a hole; keys are stored as id + 1. */
  private static final int HOLE = -1;
  /** log2 of the timestamps per block of the rank structure: 512 = 8 bitmap words = one cache line. */
  private static final int BLOCK_SHIFT = 9;
  private static final int WORDS_PER_BLOCK_SHIFT = BLOCK_SHIFT - 6;
  private static final int NO_MARK = Integer.MAX_VALUE;

  private static final byte LIVE = 1;
  private static final byte FLAGGED = 2;

  private final MissCurves curves;
  private final int levelCount;
  private final Level[] levels;
  /**
   * Ints per id in {@link #rec}: the index bits (low, high), then one timestamp per set count;
   * a power of two, so a record rarely spans two cache lines.
   */
  private final int stride;

  // key map: table[2b] = key, table[2b + 1] = id + 1 (0 = empty bucket); one cache line per probe
  private long[] table;
  private int mapMask;
  private int mapShift;
  private int mapSize;

  // per id
  /** What an access reads, in one place: {@code rec[id * stride + 2 + level]} is the key's mark in that level, 0 if none. */
  private int[] rec;
  private long[] idKey;
  private byte[] idState;
  private int[] freeIds;
  private int freeCount;
  private int idLimit;
  private int flaggedCount;

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
    this.stride = Integer.highestOneBit(2 + levelCount - 1) << 1;
    this.levels = new Level[levelCount];
    for (int i = 0; i < levelCount; i++) {
      levels[i] = new Level(i, setCounts[i], maxEntries / setCounts[i], curves.histograms[i]);
    }
    int ids = 64;
    rec = new int[ids * stride];
    idKey = new long[ids];
    idState = new byte[ids];
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

  /** Keys currently tracked: with a mark in at least one set count. O(ids). */
  public int trackedKeys() {
    int count = 0;
    for (int id = 0; id < idLimit; id++) {
      if ((idState[id] & LIVE) != 0 && hasMark(id)) {
        count++;
      }
    }
    return count;
  }

  /** One lookup of {@code key}, filled on a miss (as every cache geometry would). */
  public void access(long key, long indexBits) {
    int id = findOrAdd(key, indexBits);
    curves.accesses++;
    int times = id * stride + 2;
    int[] r = rec;
    // One loop body for every set count (a call per set count was not inlined: the JIT found the
    // method too big once compiled); compaction and holes are the rare paths.
    for (int l = 0; l < levelCount; l++) {
      Level lv = levels[l];
      int slot = times + l;
      int set = (int) (indexBits & lv.setMask);
      int previous = r[slot];
      int end = lv.clock[set];
      if (previous != 0 && previous == end) {
        lv.histogram[0]++; // the newest mark of its set: depth 1, nothing moves
        continue;
      }
      int distance = NO_MARK;
      if (lv.holeCount[set] > 0 && lv.holeHeap[set][0] == end) {
        // The newest position of the set is a hole (typically: the last key accessed there was
        // invalidated since). It absorbs the move in place: nothing shifts, so the key takes the
        // hole's time, its old time becomes the hole, and the clock does not advance.
        int base = set << lv.timeShift;
        if (previous != 0) {
          distance = lv.marks[set] - lv.rank(set, previous) + 1;
          lv.timeToId[base + previous] = HOLE;
          lv.replaceNewestHole(set, previous);
        } else {
          lv.popHole(set);
        }
        lv.timeToId[base + end] = id + 1;
        r[slot] = end;
        lv.histogram[distance <= lv.maxWays ? distance - 1 : lv.maxWays]++;
        continue;
      }
      if (end == lv.capacity - 1) {
        lv.compact(set);
        previous = r[slot];
        end = lv.clock[set];
      }
      if (previous != 0) {
        distance = lv.marks[set] - lv.rank(set, previous) + 1;
      }
      int removed = lv.holeCount[set] > 0 ? lv.absorbingHole(set, previous) : previous;
      // timeToId is read only at marked times, so the unmarked slot keeps its stale id
      if (removed != 0) {
        lv.unmark(set, removed);
      } else {
        lv.marks[set]++;
      }
      int now = end + 1;
      lv.clock[set] = now;
      lv.mark(set, now);
      lv.timeToId[(set << lv.timeShift) + now] = id + 1;
      r[slot] = now;
      lv.histogram[distance <= lv.maxWays ? distance - 1 : lv.maxWays]++;
    }
  }

  /** A lookup that misses in every cache of every curve and fills nothing (no stack changes). */
  public void countMiss() {
    curves.accesses++;
    for (Level level : levels) {
      level.histogram[level.maxWays]++;
    }
  }

  /** Ids in use or held for reuse: the cost of an {@link #invalidateWhere} or {@link #flagWhere} scan. */
  public int heldIds() {
    return idLimit;
  }

  /**
   * One lookup of {@code key} that fills nothing on a miss (a translation that faults): every cache
   * holding the key hits, every other one misses, and no stack changes. Returns whether that is
   * exactly what LRU caches of every geometry do: false when, for some set count, the key sits at a
   * depth {@code d} with {@code 2 ≤ d ≤ maxWays} — the caches of {@code d} ways and more hit and
   * would move it to the top of its set, the smaller ones miss and stay as they are, and one stack
   * per set cannot follow both (the counts of this lookup are still exact).
   */
  public boolean lookupWithoutFill(long key, long indexBits) {
    int id = find(key);
    if (id >= 0) {
      checkIndexBits(id, key, indexBits);
    }
    curves.accesses++;
    boolean exact = true;
    for (int l = 0; l < levelCount; l++) {
      Level level = levels[l];
      int d = id < 0 ? NO_MARK : level.depth(id);
      if (d <= level.maxWays) {
        level.histogram[d - 1]++;
        exact &= d == 1;
      } else {
        level.histogram[level.maxWays]++;
      }
    }
    return exact;
  }

  /** Whether {@code key} is in some cache of some curve (at depth ≤ maxWays for some set count). */
  public boolean inSomeCache(long key) {
    int id = find(key);
    if (id < 0) {
      return false;
    }
    for (Level level : levels) {
      if (level.depth(id) <= level.maxWays) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether caches of one set count disagree about {@code key}: for some set count it sits at a depth
   * {@code d} with {@code 2 ≤ d ≤ maxWays}, so the caches of {@code d} ways and more hold it and the
   * smaller ones do not.
   */
  public boolean inSomeButNotAllCaches(long key) {
    int id = find(key);
    if (id < 0) {
      return false;
    }
    for (Level level : levels) {
      int d = level.depth(id);
      if (d >= 2 && d <= level.maxWays) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code key} is tracked (has a mark in some set count). */
  public boolean contains(long key) {
    int id = find(key);
    return id >= 0 && hasMark(id);
  }

  /** Flags {@code key} if tracked (see the class comment); returns whether it was tracked. */
  public boolean flag(long key) {
    int id = find(key);
    if (id < 0 || !hasMark(id)) {
      return false;
    }
    flagId(id);
    return true;
  }

  /** Flags every tracked key that satisfies {@code condition}; returns how many. O(tracked keys). */
  public int flagWhere(KeyPredicate condition) {
    int count = 0;
    for (int id = 0; id < idLimit; id++) {
      if ((idState[id] & LIVE) != 0 && hasMark(id) && condition.test(idKey[id])) {
        flagId(id);
        count++;
      }
    }
    return count;
  }

  private void flagId(int id) {
    if ((idState[id] & FLAGGED) == 0) {
      idState[id] |= FLAGGED;
      flaggedCount++;
    }
  }

  /** Whether {@code key} is tracked and flagged. */
  public boolean isFlagged(long key) {
    int id = find(key);
    return id >= 0 && (idState[id] & FLAGGED) != 0;
  }

  /** Tracked keys that are flagged. */
  public int flaggedKeys() {
    return flaggedCount;
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
      if ((idState[id] & LIVE) != 0 && (idKey[id] & mask) == value) {
        dropKey(id);
        count++;
      }
    }
    return count;
  }

  /** Invalidates every tracked key that satisfies {@code condition}; returns how many. O(tracked keys). */
  public int invalidateWhere(KeyPredicate condition) {
    int count = 0;
    for (int id = 0; id < idLimit; id++) {
      if ((idState[id] & LIVE) != 0 && condition.test(idKey[id])) {
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
    Arrays.fill(table, 0L);
    mapSize = 0;
    Arrays.fill(idState, 0, idLimit, (byte) 0);
    Arrays.fill(rec, 0, idLimit * stride, 0);
    idLimit = 0;
    freeCount = 0;
    flaggedCount = 0;
  }

  private long indexBitsOf(int id) {
    int base = id * stride;
    return (rec[base] & 0xFFFF_FFFFL) | ((long) rec[base + 1] << 32);
  }

  private void dropKey(int id) {
    int times = id * stride + 2;
    int setBits = rec[id * stride];
    for (int l = 0; l < levelCount; l++) {
      int t = rec[times + l];
      if (t != 0) {
        levels[l].makeHole(setBits & levels[l].setMask, t);
        rec[times + l] = 0;
      }
    }
    release(id);
  }

  private void checkIndexBits(int id, long key, long indexBits) {
    if (indexBitsOf(id) != indexBits) {
      throw new IllegalArgumentException("key 0x" + Long.toHexString(key) + " came with index bits 0x"
          + Long.toHexString(indexBits) + " but is tracked with 0x" + Long.toHexString(indexBitsOf(id)));
    }
  }

  private boolean hasMark(int id) {
    int times = id * stride + 2;
    for (int l = 0; l < levelCount; l++) {
      if (rec[times + l] != 0) {
        return true;
      }
    }
    return false;
  }

  private void release(int id) {
    mapRemove(idKey[id]);
    if ((idState[id] & FLAGGED) != 0) {
      flaggedCount--;
    }
    idState[id] = 0;
    freeIds[freeCount++] = id;
  }

  // key map --------------------------------------------------------------------------------------------

  private int bucket(long key) {
    return (int) ((key * GOLDEN_GAMMA) >>> mapShift);
  }

  private int find(long key) {
    for (int b = bucket(key); ; b = (b + 1) & mapMask) {
      long v = table[2 * b + 1];
      if (v == 0) {
        return -1;
      }
      if (table[2 * b] == key) {
        return (int) v - 1;
      }
    }
  }

  private int findOrAdd(long key, long indexBits) {
    int b = bucket(key);
    for (; ; b = (b + 1) & mapMask) {
      long v = table[2 * b + 1];
      if (v == 0) {
        return add(key, indexBits, b);
      }
      if (table[2 * b] == key) {
        int id = (int) v - 1;
        int base = id * stride;
        if (rec[base] != (int) indexBits || rec[base + 1] != (int) (indexBits >>> 32)) {
          checkIndexBits(id, key, indexBits);
        }
        return id;
      }
    }
  }

  /** Adds {@code key}, absent, whose probe sequence reached the empty bucket {@code b}. */
  private int add(long key, long indexBits, int b) {
    int held = mapSize;
    int id = newId();
    if (mapSize != held) { // newId's sweep removed keys: the probe sequence's first empty slot moved
      b = bucket(key);
      while (table[2 * b + 1] != 0) {
        b = (b + 1) & mapMask;
      }
    }
    idKey[id] = key;
    idState[id] = LIVE;
    rec[id * stride] = (int) indexBits;
    rec[id * stride + 1] = (int) (indexBits >>> 32);
    table[2 * b] = key;
    table[2 * b + 1] = id + 1;
    if (++mapSize * 2 > mapMask + 1) {
      allocateMap((mapMask + 1) * 2);
    }
    return id;
  }

  /**
   * A free id. Keys whose last mark compaction dropped keep their id (and map entry) until the id
   * arrays are full: a key that comes back soon costs no map removal and re-insertion. Then one sweep
   * releases every key without a mark, and the arrays grow only if that freed less than a quarter,
   * so sweeps cost O(1) per new key and the ids stay within 4/3 of the keys with marks.
   */
  private int newId() {
    if (freeCount == 0 && idLimit == idKey.length) {
      for (int id = 0; id < idLimit; id++) {
        if ((idState[id] & LIVE) != 0 && !hasMark(id)) {
          release(id);
        }
      }
      if (freeCount * 4 < idLimit) {
        int n = idKey.length * 2;
        rec = Arrays.copyOf(rec, n * stride);
        idKey = Arrays.copyOf(idKey, n);
        idState = Arrays.copyOf(idState, n);
        freeIds = Arrays.copyOf(freeIds, n);
      }
    }
    if (freeCount > 0) {
      return freeIds[--freeCount];
    }
    return idLimit++;
  }

  private void allocateMap(int size) {
    long[] old = table;
    table = new long[2 * size];
    mapMask = size - 1;
    mapShift = 64 - Integer.numberOfTrailingZeros(size);
    if (old != null) {
      for (int i = 0; i < old.length; i += 2) {
        if (old[i + 1] != 0) {
          int b = bucket(old[i]);
          while (table[2 * b + 1] != 0) {
            b = (b + 1) & mapMask;
          }
          table[2 * b] = old[i];
          table[2 * b + 1] = old[i + 1];
        }
      }
    }
  }

  private void mapRemove(long key) {
    int hole = bucket(key);
    while (table[2 * hole] != key || table[2 * hole + 1] == 0) {
      hole = (hole + 1) & mapMask;
    }
    for (int b = (hole + 1) & mapMask; ; b = (b + 1) & mapMask) {
      if (table[2 * b + 1] == 0) {
        break;
      }
      int home = bucket(table[2 * b]);
      if (((b - home) & mapMask) >= ((b - hole) & mapMask)) {
        table[2 * hole] = table[2 * b];
        table[2 * hole + 1] = table[2 * b + 1];
        hole = b;
      }
    }
    table[2 * hole + 1] = 0;
    mapSize--;
  }

  // one set count ----------------------------------------------------------------------------------------

  /**
   * The stacks of all sets of one set count. Timestamps of a set run 1..capacity-1 (0 = no mark); the
   * arrays are flat, set {@code s} owning {@code [s << shift, (s + 1) << shift)} of each.
   */
  private final class Level {
    final int level;
    final int sets;
    final int setMask;
    final int maxWays;
    final long[] histogram;
    int capacity;
    int timeShift;
    /** log2 of bitmap words per set (0 when the capacity is 64 or less). */
    int wordShift;
    /** Blocks of 512 timestamps per set, at least 1. */
    int blocks;
    /** Bitmap words per block: 8, or the words of a whole set when it has fewer. */
    int wordsPerBlock;
    /** Mark bitmap: bit {@code t & 63} of word {@code (set << wordShift) + (t >>> 6)}. */
    long[] bits;
    /**
     * Per set and block, the set's marks in the blocks before it: {@code [set * blocks + b]}, valid for
     * the blocks up to the clock's (a block's entry is written when the clock enters it).
     */
    int[] blockPrefix;
    /**
     * Per bitmap word, the marks in the earlier words of its block: {@code [(set << wordShift) + w]},
     * valid up to the clock's word (written when the clock enters it).
     */
    int[] wordPrefix;
    /**
     * id + 1 of the key marked at each time, or {@link #HOLE}: {@code [(set << timeShift) + t]}. Read
     * only at marked times; an unmarked time keeps whatever it held.
     */
    int[] timeToId;
    /** Per set: max-heap of hole timestamps in {@code [0, holeCount)}, grown on demand. */
    final int[][] holeHeap;
    final int[] holeCount;
    final int[] clock;
    final int[] marks;

    Level(int level, int sets, int maxWays, long[] histogram) {
      this.level = level;
      this.sets = sets;
      this.setMask = sets - 1;
      this.maxWays = maxWays;
      this.histogram = histogram;
      allocate(Math.min(MIN_CAPACITY, capacityFor(maxWays)));
      holeHeap = new int[sets][];
      holeCount = new int[sets];
      clock = new int[sets];
      marks = new int[sets];
    }

    /** Capacity after compacting to {@code k} marks: a power of two ≥ 2k, leaving room for at least one more. */
    private int capacityFor(int k) {
      int needed = Math.max(GROWTH * k, k + 2);
      return Integer.highestOneBit(needed - 1) << 1;
    }

    private void allocate(int newCapacity) {
      capacity = newCapacity;
      timeShift = Integer.numberOfTrailingZeros(newCapacity);
      wordShift = Math.max(0, timeShift - 6);
      blocks = Math.max(1, newCapacity >>> BLOCK_SHIFT);
      wordsPerBlock = Math.min(1 << WORDS_PER_BLOCK_SHIFT, 1 << wordShift);
      bits = new long[sets << wordShift];
      blockPrefix = new int[sets * blocks];
      wordPrefix = new int[sets << wordShift];
      timeToId = new int[sets << timeShift];
    }

    /**
     * The mark an access of the key marked at {@code previous} removes: the shallowest hole if it is
     * above the key (it absorbs the shift, and the key's old position becomes a hole), else the key's
     * own mark.
     */
    private int absorbingHole(int set, int previous) {
      int hole = holeHeap[set][0];
      if (hole <= previous) {
        return previous;
      }
      if (previous != 0) {
        timeToId[(set << timeShift) + previous] = HOLE;
        replaceNewestHole(set, previous);
      } else {
        popHole(set);
      }
      return hole;
    }

    /** Depth of the key's mark in its set, {@link #NO_MARK} if it has none. */
    int depth(int id) {
      int t = rec[id * stride + 2 + level];
      if (t == 0) {
        return NO_MARK;
      }
      int set = rec[id * stride] & setMask;
      return marks[set] - rank(set, t) + 1;
    }

    /** Marks of {@code set} at times ≤ t (t ≤ the set's clock): two prefix counts and one popcount. */
    private int rank(int set, int t) {
      int word = (set << wordShift) + (t >>> 6);
      return blockPrefix[set * blocks + (t >>> BLOCK_SHIFT)] + wordPrefix[word]
          + Long.bitCount(bits[word] & (-1L >>> (63 - (t & 63))));
    }

    /** Sets the mark of the newest time {@code now}; the caller has counted it in {@code marks}. */
    private void mark(int set, int now) {
      int word = (set << wordShift) + (now >>> 6);
      bits[word] |= 1L << now;
      if ((now & 63) == 0) { // the clock enters a new word (and maybe a new block)
        int before = marks[set] - 1;
        int block = set * blocks + (now >>> BLOCK_SHIFT);
        if ((now & ((1 << BLOCK_SHIFT) - 1)) == 0) {
          blockPrefix[block] = before;
        }
        wordPrefix[word] = before - blockPrefix[block];
      }
    }

    /** Removes the mark at {@code t}. */
    private void unmark(int set, int t) {
      int word = t >>> 6;
      int wordBase = set << wordShift;
      bits[wordBase + word] &= ~(1L << t);
      // Every later word of the block, and every later block, loses one mark before it. Fixed trip
      // counts (words and blocks beyond the clock's are rewritten when the clock enters them) keep the
      // loop branches predictable.
      int inBlock = word & (wordsPerBlock - 1);
      int first = wordBase + word - inBlock;
      for (int k = 0; k < wordsPerBlock; k++) {
        wordPrefix[first + k] -= (inBlock - k) >>> 31;
      }
      int base = set * blocks;
      int block = t >>> BLOCK_SHIFT;
      for (int b = 0; b < blocks; b++) {
        blockPrefix[base + b] -= (block - b) >>> 31;
      }
    }

    void makeHole(int set, int time) {
      timeToId[(set << timeShift) + time] = HOLE;
      pushHole(set, time);
    }

    /**
     * Renumbers the newest {@code min(marks, maxWays)} marks of {@code set} to {@code 1..k}, drops the
     * older ones, grows the level to a capacity of at least 4k and rebuilds bitmap, block tree and hole
     * heap.
     */
    private void compact(int set) {
      int base = set << timeShift;
      int wordBase = set << wordShift;
      int words = 1 << wordShift;
      int keep = Math.min(marks[set], maxWays);
      int skip = marks[set] - keep;
      int[] times = rec;
      int[] ids = timeToId;
      int written = 0;
      for (int w = 0; w < words; w++) {
        long word = bits[wordBase + w];
        while (word != 0) {
          int t = (w << 6) | Long.numberOfTrailingZeros(word);
          word &= word - 1;
          int v = ids[base + t];
          if (skip > 0) {
            skip--;
            if (v > 0) {
              times[(v - 1) * stride + 2 + level] = 0; // a key without marks is released lazily (newId)
            }
            continue;
          }
          // written ≤ t: the slot was read already (earlier time) or is this one
          ids[base + ++written] = v;
          if (v > 0) {
            times[(v - 1) * stride + 2 + level] = written;
          }
        }
      }
      if (capacityFor(written) > capacity) {
        grow(capacityFor(written));
      }
      fillMarks(set, written);
      rebuildBlockPrefix(set);
      // Descending times form a valid max-heap.
      base = set << timeShift;
      int holes = 0;
      for (int t = written; t >= 1; t--) {
        if (timeToId[base + t] == HOLE) {
          ensureHeap(set, holes + 1);
          holeHeap[set][holes++] = t;
        }
      }
      holeCount[set] = holes;
      clock[set] = written;
      marks[set] = written;
    }

    /** Moves every set into arrays of {@code newCapacity} timestamps per set. */
    private void grow(int newCapacity) {
      long[] oldBits = bits;
      int[] oldIds = timeToId;
      int oldTimeShift = timeShift;
      int oldWords = 1 << wordShift;
      int oldWordShift = wordShift;
      int oldCapacity = capacity;
      allocate(newCapacity);
      for (int s = 0; s < sets; s++) {
        System.arraycopy(oldIds, s << oldTimeShift, timeToId, s << timeShift, oldCapacity);
        System.arraycopy(oldBits, s << oldWordShift, bits, s << wordShift, oldWords);
        rebuildBlockPrefix(s);
      }
    }

    /** Marks exactly the times 1..count of {@code set}. */
    private void fillMarks(int set, int count) {
      int wordBase = set << wordShift;
      int words = 1 << wordShift;
      for (int w = 0; w < words; w++) {
        int first = Math.max(1, w << 6);
        int last = Math.min(count, (w << 6) + 63);
        long word = 0;
        if (first <= last) {
          word = (-1L >>> (63 - (last & 63))) & (-1L << (first & 63));
        }
        bits[wordBase + w] = word;
      }
    }

    private void rebuildBlockPrefix(int set) {
      int wordBase = set << wordShift;
      int count = 0;
      for (int b = 0; b < blocks; b++) {
        blockPrefix[set * blocks + b] = count;
        int inBlock = 0;
        for (int w = 0; w < wordsPerBlock; w++) {
          wordPrefix[wordBase + b * wordsPerBlock + w] = inBlock;
          inBlock += Long.bitCount(bits[wordBase + b * wordsPerBlock + w]);
        }
        count += inBlock;
      }
    }

    /** O(sets × words): every mark goes, so later marks start from an empty bitmap. */
    void reset() {
      Arrays.fill(holeCount, 0);
      Arrays.fill(clock, 0);
      Arrays.fill(marks, 0);
      Arrays.fill(bits, 0L);
    }

    private void ensureHeap(int set, int size) {
      int[] heap = holeHeap[set];
      if (heap == null || heap.length < size) {
        holeHeap[set] = heap == null ? new int[Math.max(8, size)] : Arrays.copyOf(heap, Math.max(size, 2 * heap.length));
      }
    }

    /** Replaces the newest hole by the older hole {@code time}: one sift-down instead of a pop and a push. */
    private void replaceNewestHole(int set, int time) {
      siftDownFromTop(holeHeap[set], holeCount[set], time);
    }

    private void popHole(int set) {
      int n = --holeCount[set];
      if (n > 0) {
        siftDownFromTop(holeHeap[set], n, holeHeap[set][n]);
      }
    }

    /** Puts {@code time} at the root of the max-heap {@code heap[0, n)} and sifts it down. */
    private static void siftDownFromTop(int[] heap, int n, int time) {
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= n) {
          break;
        }
        if (child + 1 < n && heap[child + 1] > heap[child]) {
          child++;
        }
        if (heap[child] <= time) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = time;
    }

    private void pushHole(int set, int time) {
      ensureHeap(set, holeCount[set] + 1);
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
