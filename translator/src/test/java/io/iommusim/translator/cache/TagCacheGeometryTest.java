package io.iommusim.translator.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Construction, set placement, invalid-way-first filling, invalidation and clearing. */
class TagCacheGeometryTest {

  /** murmur3 fmix64, written out again here so the test does not trust TagCache.mix64. */
  private static long fmix64(long k) {
    k = (k ^ (k >>> 33)) * 0xff51afd7ed558ccdL;
    k = (k ^ (k >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return k ^ (k >>> 33);
  }

  @Test
  void geometryIsResolved() {
    TagCache fully = new TagCache(1024, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0);
    assertEquals(1024, fully.entries());
    assertEquals(1024, fully.ways());
    assertEquals(1, fully.sets());
    assertEquals(1024, fully.capacity());
    assertEquals(0, fully.setOf(0x1234_5678_9abcL));

    TagCache setAssociative = new TagCache(2048, 4, ReplacementPolicy.FIFO, SetIndexing.LOW_BITS, 0);
    assertEquals(512, setAssociative.sets());
    assertEquals(4, setAssociative.ways());
    assertEquals(2, setAssociative.slotSet(11)); // slot = set * ways + way: 11 = 2 * 4 + 3
    assertEquals(3, setAssociative.slotWay(11));
  }

  @Test
  void invalidGeometryIsRejectedWithAClearMessage() {
    IllegalArgumentException e;
    e = assertThrows(IllegalArgumentException.class,
        () -> new TagCache(0, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0));
    assertTrue(e.getMessage().contains("entries"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new TagCache(-4, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new TagCache(8, -1, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new TagCache(8, 16, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0));
    e = assertThrows(IllegalArgumentException.class,
        () -> new TagCache(10, 4, ReplacementPolicy.LRU, SetIndexing.HASH, 0));
    assertTrue(e.getMessage().contains("multiple"), e.getMessage());
    // 12 / 4 = 3 sets: fine with HASH, not with LOW_BITS.
    e = assertThrows(IllegalArgumentException.class,
        () -> new TagCache(12, 4, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0));
    assertTrue(e.getMessage().contains("power-of-two number of sets"), e.getMessage());
    assertEquals(3, new TagCache(12, 4, ReplacementPolicy.LRU, SetIndexing.HASH, 0).sets());
    // PLRU needs power-of-two ways: 12 entries fully associative, or 3-way.
    e = assertThrows(IllegalArgumentException.class,
        () -> new TagCache(12, 0, ReplacementPolicy.PLRU, SetIndexing.LOW_BITS, 0));
    assertTrue(e.getMessage().contains("plru"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new TagCache(12, 3, ReplacementPolicy.PLRU, SetIndexing.HASH, 0));
  }

  @Test
  void lowBitsPlacement() {
    // 8 entries, 2 ways → 4 sets; index 5 = 0b101 → set 5 & 3 = 1, slots 2 and 3.
    TagCache cache = new TagCache(8, 2, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0);
    assertEquals(1, cache.setOf(5));
    assertEquals(3, cache.setOf(-1)); // all ones & 3
    assertEquals(2, cache.insert(0x50, 5));
    assertEquals(3, cache.insert(0x51, 13)); // 13 & 3 = 1
    // Set 1 is full; a third tag evicts within slots 2..3 (LRU: 0x50) and leaves the other sets alone.
    assertEquals(2, cache.insert(0x52, 1));
    assertEquals(0x50, cache.lastEvictedTag());
    assertEquals(2, cache.size());
    // The same tag under other index bits is another entry in another set.
    assertEquals(-1, cache.probe(0x52, 2));
    assertEquals(4, cache.insert(0x52, 2));
  }

  @Test
  void hashPlacementMatchesAnIndependentFmix64() {
    TagCache powerOfTwoSets = new TagCache(256, 4, ReplacementPolicy.LRU, SetIndexing.HASH, 0);
    TagCache threeSets = new TagCache(12, 4, ReplacementPolicy.LRU, SetIndexing.HASH, 0);
    long[] samples = {0, 1, 2, 5, 0x1000, 0x7fff_ffffL, -1, Long.MIN_VALUE, 0xdead_beef_cafeL};
    for (long bits : samples) {
      assertEquals((int) Long.remainderUnsigned(fmix64(bits), 64), powerOfTwoSets.setOf(bits));
      assertEquals((int) Long.remainderUnsigned(fmix64(bits), 3), threeSets.setOf(bits));
      assertEquals(fmix64(bits), TagCache.mix64(bits));
    }
    // Inserted tags land in the computed set's slot range.
    for (long bits = 0; bits < 300; bits++) {
      int slot = powerOfTwoSets.insert(bits, bits);
      assertEquals(Long.remainderUnsigned(fmix64(bits), 64), powerOfTwoSets.slotSet(slot));
    }
    // Known anchor: fmix64(0) = 0 (every step maps 0 to 0).
    assertEquals(0, powerOfTwoSets.setOf(0));
  }

  @Test
  void invalidWaysAreFilledFirstLowestIndexFirst() {
    // 4-way LRU: A B C D in slots 0..3; invalidate B (1) and D (3) → recency A C. E takes slot 1, F slot 3
    // without evicting (recency A C E F); G then evicts the LRU way, A in slot 0.
    TagCache cache = new TagCache(4, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0);
    for (long tag = 0xA; tag <= 0xD; tag++) {
      cache.insert(tag, 0);
    }
    assertTrue(cache.invalidate(0xB, 0));
    cache.invalidateSlot(3);
    assertEquals(2, cache.size());
    assertEquals(1, cache.insert(0xE, 0));
    assertFalse(cache.lastInsertEvicted());
    assertEquals(3, cache.insert(0xF, 0));
    assertFalse(cache.lastInsertEvicted());
    assertEquals(0, cache.insert(0x10, 0));
    assertTrue(cache.lastInsertEvicted());
    assertEquals(0xA, cache.lastEvictedTag());
  }

  @Test
  void invalidWaysFirstInAWideHashIndexedSet() {
    // 64 ways > LINEAR_SCAN_MAX_WAYS exercises the free-way heap: freed slots 40, 5, 17 come back 5, 17, 40.
    for (ReplacementPolicy policy : ReplacementPolicy.values()) {
      TagCache cache = new TagCache(64, 0, policy, SetIndexing.LOW_BITS, 0);
      for (int i = 0; i < 64; i++) {
        assertEquals(i, cache.insert(1000 + i, 0), policy.text());
      }
      cache.invalidateSlot(40);
      cache.invalidateSlot(5);
      assertTrue(cache.invalidate(1017, 0));
      assertEquals(5, cache.insert(1, 0), policy.text());
      assertEquals(17, cache.insert(2, 0), policy.text());
      assertEquals(40, cache.insert(3, 0), policy.text());
      assertFalse(cache.lastInsertEvicted());
      assertEquals(64, cache.size());
    }
  }

  @Test
  void anyTagValueIsAllowedAndValidityIsSeparate() {
    for (int entries : new int[] {4, 64}) { // linear scan and hash index
      TagCache cache = new TagCache(entries, 0, ReplacementPolicy.LRU, SetIndexing.LOW_BITS, 0);
      assertEquals(-1, cache.probe(0, 0), "fresh slots hold tag 0 but are invalid");
      assertEquals(-1, cache.lookup(-1, 0));
      int zero = cache.insert(0, 0);
      int minusOne = cache.insert(-1, 0);
      int min = cache.insert(Long.MIN_VALUE, 0);
      assertEquals(zero, cache.lookup(0, 0));
      assertEquals(minusOne, cache.lookup(-1, 0));
      assertEquals(min, cache.lookup(Long.MIN_VALUE, 0));
      cache.invalidateSlot(zero);
      assertEquals(-1, cache.probe(0, 0));
      assertEquals(minusOne, cache.probe(-1, 0));
    }
  }

  @Test
  void invalidateAndClear() {
    for (int ways : new int[] {2, 32}) {
      TagCache cache = new TagCache(64, ways, ReplacementPolicy.FIFO, SetIndexing.LOW_BITS, 0);
      int slot = cache.insert(42, 3);
      assertTrue(cache.isValid(slot));
      assertEquals(42, cache.tagAt(slot));
      assertFalse(cache.invalidate(42, 2), "wrong set");
      assertFalse(cache.invalidate(43, 3), "absent tag");
      assertTrue(cache.invalidate(42, 3));
      assertFalse(cache.isValid(slot));
      assertFalse(cache.invalidate(42, 3), "already gone");
      cache.invalidateSlot(slot); // no-op on an invalid slot
      assertEquals(0, cache.size());

      for (int i = 0; i < 64; i++) {
        cache.insert(i, i);
      }
      assertEquals(64, cache.size());
      cache.clear();
      assertEquals(0, cache.size());
      for (int s = 0; s < 64; s++) {
        assertFalse(cache.isValid(s));
        assertEquals(0, cache.occupancy(cache.slotSet(s)));
      }
      assertEquals(-1, cache.probe(7, 7));
      // After clear the cache behaves like a new one: set 1 fills from its way 0.
      assertEquals(ways, cache.insert(99, 1));
    }
  }

  @Test
  void enumTextRoundTrips() {
    for (ReplacementPolicy policy : ReplacementPolicy.values()) {
      assertEquals(policy, ReplacementPolicy.fromText(policy.text()));
    }
    for (SetIndexing indexing : SetIndexing.values()) {
      assertEquals(indexing, SetIndexing.fromText(indexing.text()));
    }
    assertEquals(ReplacementPolicy.FLUSH_ON_FULL, ReplacementPolicy.fromText(" Flush-On-Full "));
    assertEquals("plru", ReplacementPolicy.PLRU.text());
    assertEquals("low-bits", SetIndexing.LOW_BITS.text());
    assertNull(ReplacementPolicy.fromText("rr"));
    assertNull(ReplacementPolicy.fromText(null));
    assertNull(SetIndexing.fromText("modulo"));
  }
}
