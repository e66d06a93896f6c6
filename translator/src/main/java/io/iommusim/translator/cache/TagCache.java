package io.iommusim.translator.cache;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Tag store and replacement state of one translation cache (IOTLB, paging-structure cache, context
 * cache, device TLB, interrupt-entry cache). Payloads live in the caller's arrays indexed by slot; this
 * class only knows which 64-bit tag sits in which slot and who goes next. Hit/miss counting is the
 * caller's job.
 *
 * <h2>Geometry</h2>
 * {@code entries = sets * ways}; {@code ways == 0} at construction means fully associative
 * ({@code ways = entries}, one set). Slot numbering is {@code slot = set * ways + way}, so the slots of
 * a set are contiguous. The set of an access comes from the caller's {@code indexBits} through
 * {@link #setOf(long)}; the tag is compared in full, so callers may (but need not) drop the index bits
 * from the tag. Any 64-bit tag is allowed, 0 and -1 included: validity is kept separately.
 *
 * <h2>Filling and replacement</h2>
 * An insert into a set that has an invalid way always takes the lowest-index invalid way, whatever the
 * policy. Only a full set consults the policy:
 * <ul>
 *   <li>{@link ReplacementPolicy#LRU}: the victim is the least recently used way of the set. Inserts and
 *       {@link #lookup} hits are uses; {@link #probe} is not.
 *   <li>{@link ReplacementPolicy#FIFO}: the victim is the way filled longest ago; hits do not reorder.
 *   <li>{@link ReplacementPolicy#RANDOM}: the victim way is {@code random.nextInt(ways)} where
 *       {@code random = new SplittableRandom(randomSeed)} is created once at construction and drawn from
 *       only when a full set needs a victim, so equal seeds and equal access sequences give equal victims.
 *       {@link #clear()} does not reset the generator.
 *   <li>{@link ReplacementPolicy#PLRU}: tree pseudo-LRU per set, {@code ways - 1} node bits, see below.
 *   <li>{@link ReplacementPolicy#FLUSH_ON_FULL}: when the target set is full, the whole cache is emptied
 *       ({@link #flushes()} + 1, {@link #flushedEntries()} + the entries dropped) and the tag then goes to
 *       way 0 of its set. Fully associative, this is QEMU's "reset the IOTLB when it holds the maximum
 *       number of entries" (VT-d and AMD-Vi: 1024, SMMUv3: 256). Such an insert reports
 *       {@link #lastInsertFlushed()}, not {@link #lastInsertEvicted()}.
 * </ul>
 *
 * <h2>PLRU convention</h2>
 * The nodes of a set's tree are numbered heap style: root 1, children of node {@code n} are {@code 2n}
 * (left, lower ways) and {@code 2n + 1} (right, higher ways); leaf {@code ways + w} is way {@code w}.
 * Node bit 0 means "the victim is in the left subtree", 1 means "in the right subtree"; all bits start
 * at 0 (first victim of a full, untouched set: way 0). An access to way {@code w} (insert or
 * {@link #lookup} hit) walks root to leaf and sets each node on the path to point away from {@code w}:
 * 1 if {@code w} is in the node's left subtree, 0 if in its right. The victim is found by following the
 * bits from the root. {@link #invalidateSlot} leaves the bits alone; {@link #clear()} zeroes them. Example
 * (4 ways, bits written root,left,right): fill A..D into ways 0..3 → 0,0,0; hit A → 1,1,0; the next victim
 * goes right (root 1) then left (node 3 is 0): way 2, whereas LRU would pick way 1.
 *
 * <h2>Cost</h2>
 * No allocation after construction. Sets of up to {@value #LINEAR_SCAN_MAX_WAYS} ways are scanned
 * linearly. Wider sets (large fully associative caches, up to millions of entries) keep an open-addressing
 * {@code (tag, set) -> slot} index (linear probing, backward-shift deletion, load factor at most 1/2)
 * and the set's invalid ways (a 64-bit word up to 64 ways, a min-heap beyond), so lookup, insert and
 * invalidate are O(1) expected, plus O(log ways) for the PLRU tree and the free-way heap. LRU/FIFO order is an int-array doubly linked list
 * per set (O(1)). {@link #clear()} is O(entries).
 *
 * <p>Not thread safe.
 */
public final class TagCache {
  /** Widest set that is searched by a linear scan; wider sets get the hash index. */
  public static final int LINEAR_SCAN_MAX_WAYS = 16;

  /** Keeps the hash index (2 * entries rounded up to a power of two) within an int-indexed array. */
  public static final int MAX_ENTRIES = 1 << 28;

  private static final int NONE = -1;
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final int entries;
  private final int ways;
  private final int sets;
  private final ReplacementPolicy policy;
  private final SetIndexing indexing;
  /** {@code sets - 1} when sets is a power of two (set = bits & mask), else 0 and HASH uses a remainder. */
  private final int setMask;
  private final boolean setsArePowerOfTwo;
  private final boolean hashIndexed;
  private final boolean keepsOrder;
  private final boolean hitsReorder;
  private final boolean usesPlru;
  private final boolean flushesOnFull;
  /** log2(ways), for the PLRU tree walk. */
  private final int plruDepth;

  private final long[] tags;
  private final boolean[] valid;
  private final int[] occupancy;
  private int size;

  // LRU/FIFO: per-set doubly linked list over slots, oldest at the head. Null for other policies.
  private final int[] olderSlot;
  private final int[] newerSlot;
  private final int[] oldestSlotOfSet;
  private final int[] newestSlotOfSet;

  // PLRU: bit (set * ways + node) for node in [1, ways); node 0 is unused. Null for other policies.
  private final long[] plruBits;

  private final SplittableRandom random;

  // Wide sets only (hashIndexed), else null.
  private final int[] hashTable;
  private final int hashMask;
  /** {@code 64 - log2(hash table size)}: {@link #homeBucket} keeps the top bits of a product. */
  private final int hashShift;
  /**
   * Sets wider than 64 ways: segment {@code [set * ways, set * ways + ways - occupancy[set])} is a min-heap of
   * the set's invalid ways. Null for sets of up to 64 ways, which use {@link #freeWayBits}.
   */
  private final int[] freeWayHeap;
  /** Wide sets of up to 64 ways (the default 64-entry IOTLB): bit w of a set's word = way w is invalid. */
  private final long[] freeWayBits;

  private long flushes;
  private long flushedEntries;
  private boolean lastInsertEvicted;
  private boolean lastInsertFlushed;
  private long lastEvictedTag;
  private int lastEvictedSlot = NONE;

  /**
   * @param entries total number of slots, 1..{@value #MAX_ENTRIES}
   * @param ways associativity; 0 means fully associative ({@code ways = entries})
   * @param policy replacement policy for full sets
   * @param indexing how {@code indexBits} choose the set (irrelevant with one set)
   * @param randomSeed seed of the {@link SplittableRandom} used by {@link ReplacementPolicy#RANDOM}
   * @throws IllegalArgumentException if {@code entries <= 0} or too large, {@code ways < 0} or
   *     {@code > entries}, {@code entries % ways != 0}, the set count is not a power of two with
   *     {@link SetIndexing#LOW_BITS}, or ways is not a power of two with {@link ReplacementPolicy#PLRU}
   */
  public TagCache(int entries, int ways, ReplacementPolicy policy, SetIndexing indexing, long randomSeed) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(indexing, "indexing");
    if (entries <= 0 || entries > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "cache entries must be in 1.." + MAX_ENTRIES + ", got " + entries);
    }
    if (ways < 0 || ways > entries) {
      throw new IllegalArgumentException(
          "cache ways must be 0 (fully associative) or 1..entries (" + entries + "), got " + ways);
    }
    int effectiveWays = ways == 0 ? entries : ways;
    if (entries % effectiveWays != 0) {
      throw new IllegalArgumentException(
          "cache entries (" + entries + ") must be a multiple of ways (" + effectiveWays + ")");
    }
    int setCount = entries / effectiveWays;
    boolean powerOfTwoSets = Integer.bitCount(setCount) == 1;
    if (indexing == SetIndexing.LOW_BITS && !powerOfTwoSets) {
      throw new IllegalArgumentException("low-bits set indexing needs a power-of-two number of sets, got "
          + setCount + " (" + entries + " entries / " + effectiveWays + " ways); use hash indexing");
    }
    if (policy == ReplacementPolicy.PLRU && Integer.bitCount(effectiveWays) != 1) {
      throw new IllegalArgumentException(
          "plru replacement needs a power-of-two number of ways, got " + effectiveWays);
    }

    this.entries = entries;
    this.ways = effectiveWays;
    this.sets = setCount;
    this.policy = policy;
    this.indexing = indexing;
    this.setsArePowerOfTwo = powerOfTwoSets;
    this.setMask = powerOfTwoSets ? setCount - 1 : 0;
    this.hashIndexed = effectiveWays > LINEAR_SCAN_MAX_WAYS;
    this.keepsOrder = policy == ReplacementPolicy.LRU || policy == ReplacementPolicy.FIFO;
    this.hitsReorder = policy == ReplacementPolicy.LRU;
    this.usesPlru = policy == ReplacementPolicy.PLRU;
    this.flushesOnFull = policy == ReplacementPolicy.FLUSH_ON_FULL;
    this.plruDepth = Integer.numberOfTrailingZeros(effectiveWays);

    this.tags = new long[entries];
    this.valid = new boolean[entries];
    this.occupancy = new int[setCount];

    if (keepsOrder) {
      olderSlot = new int[entries];
      newerSlot = new int[entries];
      oldestSlotOfSet = new int[setCount];
      newestSlotOfSet = new int[setCount];
    } else {
      olderSlot = newerSlot = oldestSlotOfSet = newestSlotOfSet = null;
    }
    plruBits = usesPlru ? new long[(entries + 63) >>> 6] : null;
    random = policy == ReplacementPolicy.RANDOM ? new SplittableRandom(randomSeed) : null;
    if (hashIndexed) {
      int tableSize = Integer.highestOneBit(entries) << 2; // > 2 * entries: load factor <= 1/2
      hashTable = new int[tableSize];
      hashMask = tableSize - 1;
      hashShift = 64 - Integer.numberOfTrailingZeros(tableSize);
      freeWayHeap = effectiveWays > 64 ? new int[entries] : null;
      freeWayBits = effectiveWays > 64 ? null : new long[setCount];
    } else {
      hashTable = null;
      hashMask = 0;
      hashShift = 0;
      freeWayHeap = null;
      freeWayBits = null;
    }
    clear();
  }

  public int entries() {
    return entries;
  }

  /** Associativity after resolving 0 (fully associative) to {@link #entries()}. */
  public int ways() {
    return ways;
  }

  public int sets() {
    return sets;
  }

  public ReplacementPolicy policy() {
    return policy;
  }

  public SetIndexing indexing() {
    return indexing;
  }

  /**
   * The set that {@code indexBits} map to. One set: always 0. {@link SetIndexing#LOW_BITS}:
   * {@code indexBits & (sets - 1)}. {@link SetIndexing#HASH}:
   * {@code Long.remainderUnsigned(mix64(indexBits), sets)} (a mask when sets is a power of two, which
   * gives the same value).
   */
  public int setOf(long indexBits) {
    if (indexing == SetIndexing.LOW_BITS) {
      return (int) (indexBits & setMask);
    }
    long mixed = mix64(indexBits);
    return setsArePowerOfTwo ? (int) (mixed & setMask) : (int) Long.remainderUnsigned(mixed, sets);
  }

  /**
   * murmur3's 64-bit finalizer (fmix64): {@code k ^= k >>> 33; k *= 0xff51afd7ed558ccdL; k ^= k >>> 33;
   * k *= 0xc4ceb9fe1a85ec53L; k ^= k >>> 33}. A bijection, so distinct index bits never collide before
   * the final reduction.
   */
  public static long mix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  /** The slot holding {@code tag} in the set of {@code indexBits}, or -1. A hit is a use (LRU, PLRU). */
  public int lookup(long tag, long indexBits) {
    int set = setOf(indexBits);
    if (keepsOrder) {
      // Repeat access to the newest way (one device's context, DMAs within one page): the order list
      // holds only valid slots and tags are unique per set, so this is the slot find() would return,
      // and reordering the newest way would change nothing.
      int newest = newestSlotOfSet[set];
      if (newest != NONE && tags[newest] == tag) {
        return newest;
      }
    }
    int slot = find(tag, set);
    if (slot >= 0) {
      if (hitsReorder) {
        unlink(slot, set);
        appendNewest(slot, set);
      } else if (usesPlru) {
        plruTouch(set, slot - set * ways);
      }
    }
    return slot;
  }

  /** Like {@link #lookup} but leaves the replacement state untouched (for invalidation, statistics, tests). */
  public int probe(long tag, long indexBits) {
    return find(tag, setOf(indexBits));
  }

  /**
   * Inserts a tag that is not present (checked only with assertions enabled) and returns its slot: the
   * lowest-index invalid way of the set if there is one, else the policy's victim (or way 0 after a
   * whole-cache flush with {@link ReplacementPolicy#FLUSH_ON_FULL}). The insert counts as a use.
   * {@link #lastInsertEvicted()}, {@link #lastEvictedTag()}, {@link #lastEvictedSlot()} and
   * {@link #lastInsertFlushed()} then describe what it displaced.
   */
  public int insert(long tag, long indexBits) {
    int set = setOf(indexBits);
    assert find(tag, set) < 0 : "tag " + Long.toHexString(tag) + " is already in set " + set;
    lastInsertEvicted = false;
    lastInsertFlushed = false;
    lastEvictedSlot = NONE;
    int base = set * ways;
    if (occupancy[set] == ways) {
      if (flushesOnFull) {
        flushes++;
        flushedEntries += size;
        clear();
        lastInsertFlushed = true;
      } else {
        int victim = base + victimWay(set, base);
        lastInsertEvicted = true;
        lastEvictedSlot = victim;
        lastEvictedTag = tags[victim];
        // Freeing the victim makes it the set's only invalid way, so the common fill path reuses it.
        remove(victim, set);
      }
    }
    int slot = base + takeLowestInvalidWay(set, base);
    tags[slot] = tag;
    valid[slot] = true;
    occupancy[set]++;
    size++;
    if (hashIndexed) {
      hashInsert(slot, set);
    }
    if (keepsOrder) {
      appendNewest(slot, set);
    } else if (usesPlru) {
      plruTouch(set, slot - base);
    }
    return slot;
  }

  /** Whether the most recent {@link #insert} displaced a valid entry of its set (not set by a flush). */
  public boolean lastInsertEvicted() {
    return lastInsertEvicted;
  }

  /** Tag displaced by the most recent insert; meaningful only if {@link #lastInsertEvicted()}. */
  public long lastEvictedTag() {
    return lastEvictedTag;
  }

  /**
   * Slot displaced by the most recent insert (equal to the slot that insert returned, whose payload
   * the caller is about to overwrite), or -1 if it evicted nothing.
   */
  public int lastEvictedSlot() {
    return lastEvictedSlot;
  }

  /** Whether the most recent {@link #insert} emptied the whole cache ({@link ReplacementPolicy#FLUSH_ON_FULL}). */
  public boolean lastInsertFlushed() {
    return lastInsertFlushed;
  }

  /** Whole-cache flushes done by {@link ReplacementPolicy#FLUSH_ON_FULL} inserts; {@link #clear()} is not counted. */
  public long flushes() {
    return flushes;
  }

  /** Valid entries discarded by those flushes, in total. */
  public long flushedEntries() {
    return flushedEntries;
  }

  /** Makes {@code slot} invalid; no-op if it already is. Replacement state of other ways is kept. */
  public void invalidateSlot(int slot) {
    if (valid[slot]) {
      remove(slot, slot / ways);
    }
  }

  /** Removes {@code tag} from the set of {@code indexBits}; returns whether it was present. */
  public boolean invalidate(long tag, long indexBits) {
    int set = setOf(indexBits);
    int slot = find(tag, set);
    if (slot < 0) {
      return false;
    }
    remove(slot, set);
    return true;
  }

  /**
   * Empties the cache and resets replacement state to that of a new cache (PLRU bits 0, LRU/FIFO order
   * empty); the RANDOM generator, {@link #flushes()} and the last-insert fields are kept.
   */
  public void clear() {
    Arrays.fill(valid, false);
    Arrays.fill(occupancy, 0);
    size = 0;
    if (keepsOrder) {
      Arrays.fill(oldestSlotOfSet, NONE);
      Arrays.fill(newestSlotOfSet, NONE);
    }
    if (usesPlru) {
      Arrays.fill(plruBits, 0L);
    }
    if (hashIndexed) {
      Arrays.fill(hashTable, NONE);
      if (freeWayBits != null) {
        Arrays.fill(freeWayBits, -1L >>> (64 - ways));
      } else {
        // Ascending order is a valid min-heap.
        for (int slot = 0; slot < entries; slot++) {
          freeWayHeap[slot] = slot % ways;
        }
      }
    }
  }

  /** Number of valid entries. */
  public int size() {
    return size;
  }

  /** Number of slots, {@link #entries()}; callers size their payload arrays with it. */
  public int capacity() {
    return entries;
  }

  /** Number of valid entries in {@code set}. */
  public int occupancy(int set) {
    return occupancy[set];
  }

  public boolean isValid(int slot) {
    return valid[slot];
  }

  /** Tag stored in {@code slot}; stale (whatever was there last) if the slot is invalid. */
  public long tagAt(int slot) {
    return tags[slot];
  }

  /** The set a slot belongs to: {@code slot / ways}. */
  public int slotSet(int slot) {
    return slot / ways;
  }

  /** The way of a slot within its set: {@code slot % ways}. */
  public int slotWay(int slot) {
    return slot % ways;
  }

  @Override
  public String toString() {
    return "TagCache[" + entries + " entries, " + sets + " sets x " + ways + " ways, " + policy + ", "
        + indexing + ", " + size + " valid]";
  }

  // ---------------------------------------------------------------------------------------------------

  private int find(long tag, int set) {
    if (hashIndexed) {
      return hashFind(tag, set);
    }
    int end = set * ways + ways;
    for (int slot = set * ways; slot < end; slot++) {
      if (tags[slot] == tag && valid[slot]) {
        return slot;
      }
    }
    return NONE;
  }

  /** Shared by invalidation and eviction: the slot becomes invalid and leaves every structure. */
  private void remove(int slot, int set) {
    if (hashIndexed) {
      hashRemove(slot, set);
      pushFreeWay(set, slot - set * ways);
    }
    if (keepsOrder) {
      unlink(slot, set);
    }
    valid[slot] = false;
    occupancy[set]--;
    size--;
  }

  private int victimWay(int set, int base) {
    switch (policy) {
      case LRU:
      case FIFO:
        return oldestSlotOfSet[set] - base;
      case RANDOM:
        return random.nextInt(ways);
      case PLRU:
        return plruVictim(set);
      default:
        throw new AssertionError(policy + " has no victim");
    }
  }

  /** Caller guarantees the set has an invalid way. */
  private int takeLowestInvalidWay(int set, int base) {
    if (hashIndexed) {
      return popFreeWay(set, base);
    }
    for (int way = 0; ; way++) {
      if (!valid[base + way]) {
        return way;
      }
    }
  }

  // LRU/FIFO order ----------------------------------------------------------------------------------

  private void appendNewest(int slot, int set) {
    int newest = newestSlotOfSet[set];
    olderSlot[slot] = newest;
    newerSlot[slot] = NONE;
    if (newest == NONE) {
      oldestSlotOfSet[set] = slot;
    } else {
      newerSlot[newest] = slot;
    }
    newestSlotOfSet[set] = slot;
  }

  private void unlink(int slot, int set) {
    int older = olderSlot[slot];
    int newer = newerSlot[slot];
    if (older == NONE) {
      oldestSlotOfSet[set] = newer;
    } else {
      newerSlot[older] = newer;
    }
    if (newer == NONE) {
      newestSlotOfSet[set] = older;
    } else {
      olderSlot[newer] = older;
    }
  }

  // PLRU tree -----------------------------------------------------------------------------------------

  private void plruTouch(int set, int way) {
    int bitBase = set * ways;
    int node = 1;
    for (int level = plruDepth - 1; level >= 0; level--) {
      int goesRight = (way >>> level) & 1;
      int bit = bitBase + node;
      if (goesRight == 0) {
        plruBits[bit >>> 6] |= 1L << bit; // accessed left: victim on the right
      } else {
        plruBits[bit >>> 6] &= ~(1L << bit);
      }
      node = (node << 1) | goesRight;
    }
  }

  private int plruVictim(int set) {
    int bitBase = set * ways;
    int node = 1;
    while (node < ways) {
      int bit = bitBase + node;
      node = (node << 1) | (int) ((plruBits[bit >>> 6] >>> bit) & 1L);
    }
    return node - ways;
  }

  // Hash index for wide sets --------------------------------------------------------------------------

  /**
   * Fibonacci hashing (the top bits of a product with 2^64 / phi): one multiply where fmix64 takes
   * two, and it spreads runs of consecutive page numbers evenly, which is what the tags hold. Only
   * the index's speed depends on it, never which slot a tag is in.
   */
  private int homeBucket(long tag, int set) {
    return (int) (((tag ^ (set * GOLDEN_GAMMA)) * GOLDEN_GAMMA) >>> hashShift);
  }

  private int hashFind(long tag, int set) {
    int base = set * ways;
    for (int bucket = homeBucket(tag, set); ; bucket = (bucket + 1) & hashMask) {
      int slot = hashTable[bucket];
      if (slot == NONE) {
        return NONE;
      }
      // The same tag may sit in several sets when callers keep index bits out of the tag.
      if (tags[slot] == tag && slot - base >= 0 && slot - base < ways) {
        return slot;
      }
    }
  }

  private void hashInsert(int slot, int set) {
    int bucket = homeBucket(tags[slot], set);
    while (hashTable[bucket] != NONE) {
      bucket = (bucket + 1) & hashMask;
    }
    hashTable[bucket] = slot;
  }

  /** Backward-shift deletion keeps probe chains unbroken without tombstones, so no rehashing is ever needed. */
  private void hashRemove(int slot, int set) {
    int hole = homeBucket(tags[slot], set);
    while (hashTable[hole] != slot) {
      hole = (hole + 1) & hashMask;
    }
    for (int bucket = (hole + 1) & hashMask; ; bucket = (bucket + 1) & hashMask) {
      int moving = hashTable[bucket];
      if (moving == NONE) {
        break;
      }
      int home = homeBucket(tags[moving], moving / ways);
      // An entry may fill the hole only if its home is not cyclically inside (hole, bucket].
      if (((bucket - home) & hashMask) >= ((bucket - hole) & hashMask)) {
        hashTable[hole] = moving;
        hole = bucket;
      }
    }
    hashTable[hole] = NONE;
  }

  // Invalid ways of wide sets: a bit set up to 64 ways, a min-heap beyond ---------------------------------

  private int popFreeWay(int set, int base) {
    if (freeWayBits != null) {
      long free = freeWayBits[set];
      freeWayBits[set] = free & (free - 1);
      return Long.numberOfTrailingZeros(free);
    }
    int count = ways - occupancy[set];
    int lowest = freeWayHeap[base];
    int last = freeWayHeap[base + count - 1];
    count--;
    int index = 0;
    while (true) {
      int child = 2 * index + 1;
      if (child >= count) {
        break;
      }
      if (child + 1 < count && freeWayHeap[base + child + 1] < freeWayHeap[base + child]) {
        child++;
      }
      if (freeWayHeap[base + child] >= last) {
        break;
      }
      freeWayHeap[base + index] = freeWayHeap[base + child];
      index = child;
    }
    if (count > 0) {
      freeWayHeap[base + index] = last;
    }
    return lowest;
  }

  /** Called before the slot's occupancy is decremented. */
  private void pushFreeWay(int set, int way) {
    if (freeWayBits != null) {
      freeWayBits[set] |= 1L << way;
      return;
    }
    int base = set * ways;
    int index = ways - occupancy[set];
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      if (freeWayHeap[base + parent] <= way) {
        break;
      }
      freeWayHeap[base + index] = freeWayHeap[base + parent];
      index = parent;
    }
    freeWayHeap[base + index] = way;
  }
}
