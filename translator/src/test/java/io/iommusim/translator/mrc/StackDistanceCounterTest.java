package io.iommusim.translator.mrc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Small sequences with stack distances worked out by hand. Keys A=1, B=2, ... */
class StackDistanceCounterTest {
  private static final long A = 1, B = 2, C = 3, D = 4, E = 5;

  /** Fully associative only, curves up to 8 entries. Index bits = key. */
  private static StackDistanceCounter fa() {
    return new StackDistanceCounter(8, 1);
  }

  private static void access(StackDistanceCounter c, long... keys) {
    for (long k : keys) {
      c.access(k, k);
    }
  }

  /** histogram(1) as {d=1, d=2, d=3, d=4, ...}, last bucket = cold or beyond 8. */
  private static long[] h(long... firstBuckets) {
    long[] out = new long[9];
    System.arraycopy(firstBuckets, 0, out, 0, firstBuckets.length);
    return out;
  }

  @Test
  void coldRepeatAndReuse() {
    StackDistanceCounter c = fa();
    // A: cold. A: depth 1 (stack A). B: cold (stack B A). A: depth 2 (stack A B).
    // C: cold (stack C A B). B: depth 3 (stack B C A). B: depth 1.
    access(c, A, A, B, A, C, B, B);
    MissCurves m = c.curves();
    assertEquals(7, m.accesses());
    // d=1: 2 (A, B repeats), d=2: 1, d=3: 1, cold: 3
    long[] expected = h(2, 1, 1);
    expected[8] = 3;
    assertArrayEquals(expected, m.histogram(1));
    assertEquals(5, m.misses(1, 1)); // only the two depth-1 accesses hit
    assertEquals(4, m.misses(1, 2));
    assertEquals(3, m.misses(1, 3)); // only the 3 cold misses
    assertEquals(3, m.misses(1, 8));
    assertArrayEquals(new long[] {5, 4, 3, 3, 3, 3, 3, 3}, m.missCurve(1));
  }

  @Test
  void cyclicScanMissesBelowItsLength() {
    StackDistanceCounter c = fa();
    // A B C A B C A B C: after the first round every access is at depth 3.
    access(c, A, B, C, A, B, C, A, B, C);
    assertEquals(9, c.curves().misses(1, 2)); // LRU thrashes on a loop longer than the cache
    assertEquals(3, c.curves().misses(1, 3));
    assertEquals(6, c.curves().histogram(1)[2]);
  }

  @Test
  void setAssociativeStacksArePerSet() {
    StackDistanceCounter c = new StackDistanceCounter(8, 1, 2);
    // index bits: A=0, B=1, C=2, D=3 -> with 2 sets: A,C in set 0; B,D in set 1.
    c.access(A, 0);
    c.access(B, 1);
    c.access(C, 2);
    c.access(D, 3);
    // Fully associative: stack D C B A, A at depth 4. Two sets: set 0 stack C A, A at depth 2.
    c.access(A, 0);
    assertEquals(1, c.curves().histogram(1)[3]);
    assertEquals(1, c.curves().histogram(2)[1]);
    // 2 sets x 1 way misses A (C took its way); 2 sets x 2 ways hits; FA needs 4 entries.
    assertEquals(5, c.curves().misses(2, 1));
    assertEquals(4, c.curves().misses(2, 2));
    assertEquals(5, c.curves().misses(1, 3));
    assertEquals(4, c.curves().misses(1, 4));
  }

  @Test
  void invalidatedKeyIsColdAndLeavesAHole() {
    StackDistanceCounter c = fa();
    access(c, A, B, C); // stack C B A
    assertTrue(c.invalidate(B, B)); // stack C [hole] A
    assertFalse(c.invalidate(B, B)); // not tracked any more
    // B: cold; the hole at depth 2 absorbs the shift: stack B C A (A stays at depth 3).
    c.access(B, B);
    // A: depth 3.
    c.access(A, A);
    long[] expected = h(0, 0, 1);
    expected[8] = 4;
    assertArrayEquals(expected, c.curves().histogram(1));
  }

  /**
   * The case where "the invalidated key just leaves the stack" would be wrong: A B C, invalidate C.
   * A 2-entry LRU cache held {B, C}; it now holds {B} and a free way, so A still misses. Removing C
   * from the stack would put A at depth 2 (a hit); the hole keeps it at depth 3.
   */
  @Test
  void holeAboveAKeyKeepsItsDepth() {
    StackDistanceCounter c = fa();
    access(c, A, B, C); // stack C B A
    c.invalidate(C, C); // stack [hole] B A
    c.access(A, A); // depth 3; the hole at 1 absorbs the shift, A's old place becomes one: A B [hole]
    assertEquals(1, c.curves().histogram(1)[2]);
    // Cache of 2: {B} + A fills the free way = {A, B}; of 3: {A, B} hit.
    // D: cold, absorbs the hole at depth 3: stack D A B. Cache of 2: evicts B -> {D, A}.
    c.access(D, D);
    // B: depth 3 -> misses with 2 entries, hits with 3 (cache of 3 = {A, B, D}).
    c.access(B, B);
    assertEquals(2, c.curves().histogram(1)[2]);
    // misses with 2 entries: A B C (cold) A D B = 6; with 3: A B C D cold = 4.
    assertEquals(6, c.curves().misses(1, 2));
    assertEquals(4, c.curves().misses(1, 3));
  }

  /**
   * A driver's map, DMA, unmap per packet with the IOVA-allocator handing out new buffers: each new
   * key takes the hole its predecessor left at the top, so A stays at depth 2 however many go by.
   */
  @Test
  void newKeysTakeTheHoleAtTheTop() {
    StackDistanceCounter c = fa();
    access(c, A); // stack A
    for (long k : new long[] {B, C, D, E}) {
      c.access(k, k); // cold; the top is a hole (or nothing, for B): stack k A
      c.invalidate(k, k); // stack [hole] A
    }
    c.access(A, A); // depth 2: the hole absorbs the move, stack A [hole]
    long[] expected = h(0, 1);
    expected[8] = 5;
    assertArrayEquals(expected, c.curves().histogram(1));
    // 1 entry: all six miss; 2 entries: {A, k} each time, so A hits at the end.
    assertEquals(6, c.curves().misses(1, 1));
    assertEquals(5, c.curves().misses(1, 2));
    c.access(B, B); // cold: takes the hole at depth 2, stack B A
    c.access(A, A); // depth 2
    assertEquals(2, c.curves().histogram(1)[1]);
  }

  @Test
  void hitWithAHoleAboveMovesTheHoleDown() {
    StackDistanceCounter c = fa();
    access(c, A, B, C, D); // stack D C B A
    c.invalidate(C, C); // D [hole] B A
    c.access(B, B); // depth 3; hole at 2 absorbs: B D [hole] A
    c.access(E, E); // cold, absorbs the hole at 3: E B D A
    c.access(A, A); // depth 4
    long[] hist = c.curves().histogram(1);
    assertEquals(1, hist[2]); // B at depth 3
    assertEquals(1, hist[3]); // A at depth 4
    assertEquals(5, hist[8]); // A B C D E cold
  }

  @Test
  void invalidationBelowTheKeyDoesNotMatter() {
    StackDistanceCounter c = fa();
    access(c, A, B, C); // C B A
    c.invalidate(A, A); // C B [hole]
    c.access(B, B); // depth 2, the hole is below it: B C [hole]
    c.access(D, D); // cold, absorbs the hole: D B C
    c.access(C, C); // depth 3
    long[] hist = c.curves().histogram(1);
    assertEquals(1, hist[1]);
    assertEquals(1, hist[2]);
  }

  @Test
  void invalidateMatchingAndInvalidateAll() {
    StackDistanceCounter c = fa();
    long domain1 = 1L << 47;
    long domain2 = 2L << 47;
    c.access(domain1 | 10, 10);
    c.access(domain2 | 10, 10);
    c.access(domain1 | 11, 11); // stack d1:11 d2:10 d1:10
    assertEquals(2, c.invalidateMatching(-1L << 47, domain1)); // [hole] d2:10 [hole]
    c.access(domain2 | 10, 10); // depth 2
    assertEquals(1, c.curves().histogram(1)[1]);
    c.access(domain1 | 10, 10); // cold
    assertEquals(4, c.curves().histogram(1)[8]);
    c.invalidateAll();
    assertEquals(0, c.trackedKeys());
    c.access(domain2 | 10, 10); // cold after the flush
    assertEquals(5, c.curves().histogram(1)[8]);
    assertEquals(6, c.curves().accesses());
  }

  @Test
  void keysDeeperThanTheCurveAreForgotten() {
    StackDistanceCounter c = new StackDistanceCounter(4, 1, 2);
    for (long k = 0; k < 10_000; k++) {
      c.access(k, k);
    }
    // Only the newest marks of each set count survive compaction: at most nextPow2(4 * maxWays) per set.
    assertTrue(c.trackedKeys() <= 32, "tracked " + c.trackedKeys());
    c.access(9_999, 9_999); // still at depth 1
    c.access(9_996, 9_996); // depth 4 fully associative, depth 2 in set 0 of 2
    assertEquals(1, c.curves().histogram(1)[3]);
    assertEquals(1, c.curves().histogram(2)[1]);
  }

  @Test
  void mergeAndSerialisation() {
    StackDistanceCounter a = new StackDistanceCounter(8, 1, 4);
    StackDistanceCounter b = new StackDistanceCounter(8, 1, 4);
    access(a, A, B, A, C);
    access(b, A, A, A);
    long[] serial = a.curves().toLongArray();
    MissCurves copy = MissCurves.fromLongArray(serial);
    assertArrayEquals(serial, copy.toLongArray());
    assertEquals(a.curves().misses(4, 2), copy.misses(4, 2));
    a.merge(b);
    assertEquals(7, a.curves().accesses());
    // a: A B A C -> misses(1,1) = 4; b: A A A -> 1. Sum 5.
    assertEquals(5, a.curves().misses(1, 1));
    assertThrows(IllegalArgumentException.class, () -> a.merge(new StackDistanceCounter(8, 1)));
    int[] rows = {0};
    a.curves().forEachPoint((sets, ways, entries, accesses, misses) -> {
      assertEquals(sets * ways, entries);
      assertEquals(a.curves().misses(sets, ways), misses);
      rows[0]++;
    });
    assertEquals(8 + 2, rows[0]);
  }

  @Test
  void rejectsBadGeometryAndChangedIndexBits() {
    assertThrows(IllegalArgumentException.class, () -> new StackDistanceCounter(8, 3));
    assertThrows(IllegalArgumentException.class, () -> new StackDistanceCounter(8, 16));
    assertThrows(IllegalArgumentException.class, () -> new StackDistanceCounter(8, 4, 1));
    assertThrows(IllegalArgumentException.class, () -> new StackDistanceCounter(0, 1));
    StackDistanceCounter c = fa();
    c.access(A, 7);
    assertThrows(IllegalArgumentException.class, () -> c.access(A, 8));
    assertThrows(IllegalArgumentException.class, () -> c.invalidate(A, 8));
    assertThrows(IllegalArgumentException.class, () -> c.curves().misses(2, 1));
    assertThrows(IllegalArgumentException.class, () -> c.curves().misses(1, 9));
  }

  @Test
  void lookupWithoutFillCountsAndReportsWhetherEveryCacheAgrees() {
    StackDistanceCounter c = fa();
    access(c, A, B);
    // A at depth 2: 2+ ways hit, 1 way misses; no cache changes, so the stacks cannot follow the hits
    assertFalse(c.lookupWithoutFill(A, A));
    // B at depth 1 (A did not move): every cache hits
    assertTrue(c.lookupWithoutFill(B, B));
    // C is in no cache: every cache misses
    assertTrue(c.lookupWithoutFill(C, C));
    c.countMiss();
    assertEquals(6, c.curves().accesses());
    // A cold, B cold, A: d=2, B: d=1, C and the counted miss: past every size
    assertArrayEquals(new long[] {1, 1, 0, 0, 0, 0, 0, 0, 4}, c.curves().histogram(1));
    access(c, A); // still at depth 2: nothing moved
    assertEquals(2, c.curves().histogram(1)[1]);
  }

  @Test
  void presenceQueries() {
    StackDistanceCounter c = new StackDistanceCounter(2, 1, 2);
    access(c, A, B, C); // FA stack C B A (A at depth 3 > 2 ways); sets of 2: odd keys A C, even B
    assertTrue(c.inSomeCache(C));
    assertFalse(c.inSomeButNotAllCaches(C)); // depth 1 everywhere
    assertTrue(c.inSomeButNotAllCaches(B)); // depth 2 fully associative: only the 2-entry cache
    // A: depth 3 fully associative (no cache), depth 2 in its set of 2, which has 1 way: no cache
    assertFalse(c.inSomeCache(A));
    assertFalse(c.inSomeCache(D));
    assertTrue(c.contains(B));
    assertFalse(c.contains(D));
  }

  @Test
  void flagsLastUntilTheKeyLeaves() {
    StackDistanceCounter c = fa();
    access(c, A, B, C);
    assertTrue(c.flag(A));
    assertFalse(c.flag(D)); // not tracked
    assertEquals(2, c.flagWhere(k -> k >= B)); // B and C
    assertEquals(3, c.flaggedKeys());
    access(c, A); // an access keeps the flag
    assertTrue(c.isFlagged(A));
    c.invalidate(B, B);
    assertFalse(c.isFlagged(B));
    assertEquals(2, c.flaggedKeys());
    assertEquals(1, c.invalidateWhere(k -> k == C));
    assertEquals(1, c.flaggedKeys());
    c.invalidateAll();
    assertEquals(0, c.flaggedKeys());
    assertFalse(c.isFlagged(A));
  }

  @Test
  void heldIdsStayBoundedOverManyDistinctKeys() {
    StackDistanceCounter c = new StackDistanceCounter(64, 1, 8);
    for (long k = 0; k < 200_000; k++) {
      c.access(k * 7919, k);
    }
    // marks: at most nextPow2(2 * maxWays) per set (128 fully associative, 8 x 16 with 8 sets);
    // held ids stay within a small multiple of that however many keys went by
    assertTrue(c.trackedKeys() <= 128 + 128, "tracked " + c.trackedKeys());
    assertTrue(c.heldIds() <= 4 * 256, "held " + c.heldIds());
    c.access(199_999L * 7919, 199_999);
    assertEquals(1, c.curves().histogram(1)[0]);
  }
}
