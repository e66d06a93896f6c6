package io.iommusim.translator.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each replacement policy on tiny access sequences, expected values worked out by hand. */
class TagCachePolicyTest {
  private static final long A = 0xA, B = 0xB, C = 0xC, D = 0xD, E = 0xE, F = 0xF, G = 0x10, H = 0x11;

  private static TagCache fullyAssociative(int entries, ReplacementPolicy policy) {
    return new TagCache(entries, 0, policy, SetIndexing.LOW_BITS, 1);
  }

  /** Inserts each tag (all misses) into a fully associative cache; index bits are irrelevant there. */
  private static void fill(TagCache cache, long... tagsInOrder) {
    for (long tag : tagsInOrder) {
      assertEquals(-1, cache.lookup(tag, 0));
      cache.insert(tag, 0);
    }
  }

  private static void assertEvicts(TagCache cache, long newTag, long victimTag, int victimSlot) {
    assertEquals(-1, cache.lookup(newTag, 0));
    int slot = cache.insert(newTag, 0);
    assertTrue(cache.lastInsertEvicted());
    assertEquals(victimTag, cache.lastEvictedTag());
    assertEquals(victimSlot, cache.lastEvictedSlot());
    assertEquals(victimSlot, slot, "the new tag takes the victim's slot");
    assertEquals(newTag, cache.tagAt(slot));
    assertEquals(-1, cache.probe(victimTag, 0));
  }

  @Test
  void lruEvictsLeastRecentlyUsed() {
    // A B C D fill slots 0..3; hitting A leaves recency (old→new) B C D A; E evicts B (slot 1),
    // leaving C D A E; F then evicts C (slot 2).
    TagCache cache = fullyAssociative(4, ReplacementPolicy.LRU);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.lookup(A, 0));
    assertEvicts(cache, E, B, 1);
    assertEvicts(cache, F, C, 2);
  }

  @Test
  void lruProbeIsNotAUse() {
    // Probing A does not refresh it, so recency stays A B C D and E evicts A (slot 0).
    TagCache cache = fullyAssociative(4, ReplacementPolicy.LRU);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.probe(A, 0));
    assertEvicts(cache, E, A, 0);
  }

  @Test
  void fifoEvictsOldestFillAndIgnoresHits() {
    // A B C D fill slots 0..3; the hit on A does not reorder, so E evicts A (slot 0), then F evicts B (slot 1).
    TagCache cache = fullyAssociative(4, ReplacementPolicy.FIFO);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.lookup(A, 0));
    assertEvicts(cache, E, A, 0);
    assertEvicts(cache, F, B, 1);
  }

  @Test
  void plruFollowsTreeBitsTracedByHand() {
    // Nodes: 1 root, 2 = left (ways 0,1), 3 = right (ways 2,3). Bit 0: victim left, 1: victim right.
    // An access points each node on its path away from the accessed way. Bits below as (n1,n2,n3):
    //   start                      (0,0,0)
    //   insert A → way 0: n1=1,n2=1 (1,1,0)
    //   insert B → way 1: n1=1,n2=0 (1,0,0)
    //   insert C → way 2: n1=0,n3=1 (0,0,1)
    //   insert D → way 3: n1=0,n3=0 (0,0,0)
    //   hit A    → way 0: n1=1,n2=1 (1,1,0)
    //   insert E: victim n1=1→node 3, n3=0→left: way 2 (C). touch 2: n1=0,n3=1 (0,1,1)   [LRU would evict B]
    //   insert F: victim n1=0→node 2, n2=1→right: way 1 (B). touch 1: n1=1,n2=0 (1,0,1)
    //   insert G: victim n1=1→node 3, n3=1→right: way 3 (D). touch 3: n1=0,n3=0 (0,0,0)
    //   insert H: victim n1=0→node 2, n2=0→left: way 0 (A).
    TagCache cache = fullyAssociative(4, ReplacementPolicy.PLRU);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.lookup(A, 0));
    assertEvicts(cache, E, C, 2);
    assertEvicts(cache, F, B, 1);
    assertEvicts(cache, G, D, 3);
    assertEvicts(cache, H, A, 0);
    assertEquals(H, cache.tagAt(0));
    assertEquals(F, cache.tagAt(1));
    assertEquals(E, cache.tagAt(2));
    assertEquals(G, cache.tagAt(3));
  }

  @Test
  void plruProbeLeavesBitsAlone() {
    // After filling A..D the bits are (0,0,0); a probe of A changes nothing, so the victim is way 0 (A).
    TagCache cache = fullyAssociative(4, ReplacementPolicy.PLRU);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.probe(A, 0));
    assertEvicts(cache, E, A, 0);
  }

  @Test
  void plruSingleWayAlwaysEvictsWayZero() {
    TagCache cache = new TagCache(4, 1, ReplacementPolicy.PLRU, SetIndexing.LOW_BITS, 0);
    cache.insert(A, 2);
    assertEquals(2, cache.insert(B, 2));
    assertEquals(A, cache.lastEvictedTag());
  }

  @Test
  void randomVictimsComeFromTheSeedOnlyWhenNeeded() {
    // 8 entries, 2 ways, 4 sets. Filling (no victim needed) must not draw; afterwards every insert into
    // the full set 1 takes way SplittableRandom(42).nextInt(2) in sequence: slot = 2 + way.
    TagCache cache = new TagCache(8, 2, ReplacementPolicy.RANDOM, SetIndexing.LOW_BITS, 42);
    for (int set = 0; set < 4; set++) {
      cache.insert(100 + set, set);
      cache.insert(200 + set, set);
    }
    SplittableRandom expected = new SplittableRandom(42);
    for (int i = 0; i < 50; i++) {
      long tag = 1000 + i;
      int slot = cache.insert(tag, 1);
      assertEquals(2 + expected.nextInt(2), slot);
      assertTrue(cache.lastInsertEvicted());
      assertEquals(1, cache.slotSet(cache.lastEvictedSlot()));
    }
    for (int set = 0; set < 4; set++) {
      if (set != 1) {
        assertEquals(2, cache.occupancy(set), "other sets untouched");
      }
    }
  }

  @Test
  void randomSameSeedSameVictims() {
    TagCache first = new TagCache(64, 4, ReplacementPolicy.RANDOM, SetIndexing.HASH, 7);
    TagCache second = new TagCache(64, 4, ReplacementPolicy.RANDOM, SetIndexing.HASH, 7);
    SplittableRandom accesses = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      long tag = accesses.nextInt(200);
      int hitFirst = first.lookup(tag, tag);
      assertEquals(hitFirst, second.lookup(tag, tag));
      if (hitFirst < 0) {
        int slot = first.insert(tag, tag);
        assertEquals(slot, second.insert(tag, tag));
        assertEquals(first.setOf(tag), first.slotSet(slot), "victim in the tag's set");
        assertEquals(first.lastEvictedSlot(), second.lastEvictedSlot());
      }
    }
  }

  @Test
  void flushOnFullEmptiesTheWholeFullyAssociativeCache() {
    // QEMU: 4 entries hold A..D; E finds the cache full → flush everything (flush 1), E goes to slot 0.
    TagCache cache = fullyAssociative(4, ReplacementPolicy.FLUSH_ON_FULL);
    fill(cache, A, B, C, D);
    assertEquals(0, cache.flushes());
    assertEquals(0, cache.insert(E, 0));
    assertTrue(cache.lastInsertFlushed());
    assertFalse(cache.lastInsertEvicted());
    assertEquals(-1, cache.lastEvictedSlot());
    assertEquals(1, cache.flushes());
    assertEquals(4, cache.flushedEntries());
    assertEquals(1, cache.size());
    for (long gone : new long[] {A, B, C, D}) {
      assertEquals(-1, cache.probe(gone, 0));
    }
    // F G H fill slots 1..3 without flushing; the 5th distinct tag flushes again (E F G H dropped).
    fill(cache, F, G, H);
    assertFalse(cache.lastInsertFlushed());
    assertEquals(1, cache.flushes());
    assertEquals(0, cache.insert(A, 0));
    assertEquals(2, cache.flushes());
    assertEquals(8, cache.flushedEntries());
  }

  @Test
  void flushOnFullTriggersOnTheTargetSetAndEmptiesAllSets() {
    // 8 entries, 2 ways → 4 sets. Set 0 holds 2 tags, set 1 holds 1. A third tag for set 0 flushes the
    // whole cache (set 1 too) and lands in set 0, way 0 = slot 0.
    TagCache cache = new TagCache(8, 2, ReplacementPolicy.FLUSH_ON_FULL, SetIndexing.LOW_BITS, 0);
    cache.insert(A, 0);
    cache.insert(B, 4);
    cache.insert(C, 1);
    assertEquals(0, cache.flushes());
    assertEquals(0, cache.insert(D, 8));
    assertEquals(1, cache.flushes());
    assertEquals(3, cache.flushedEntries());
    assertEquals(1, cache.size());
    assertEquals(-1, cache.probe(C, 1));
    assertEquals(0, cache.probe(D, 8));
  }

  @Test
  void flushOnFullCountsOnlyInsertFlushesNotClear() {
    TagCache cache = fullyAssociative(2, ReplacementPolicy.FLUSH_ON_FULL);
    fill(cache, A, B);
    cache.clear();
    assertEquals(0, cache.flushes());
    // An invalidation makes room, so no flush either.
    fill(cache, A, B);
    assertTrue(cache.invalidate(A, 0));
    cache.insert(C, 0);
    assertEquals(0, cache.flushes());
  }
}
