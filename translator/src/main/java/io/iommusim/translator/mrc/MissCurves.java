package io.iommusim.translator.mrc;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stack-distance histograms of one key stream, one per set count, and the LRU miss curves they imply.
 * Filled by {@link StackDistanceCounter}; also the unit of merging and serialisation (it holds no
 * per-key state).
 *
 * <p>For set count {@code S} the histogram has {@code maxWays(S) + 1 = maxEntries / S + 1} buckets:
 * bucket {@code d - 1} counts accesses at per-set stack distance {@code d} for {@code d} in
 * {@code 1..maxWays(S)}, the last bucket counts the rest (first accesses, accesses after an
 * invalidation, distances beyond {@code maxWays(S)}). Every histogram sums to {@link #accesses()}. An
 * LRU cache of {@code S} sets of {@code W} ways (LOW_BITS indexing) misses {@code accesses - sum of the
 * first W buckets}; {@code S = 1} is the fully associative cache of {@code W} entries.
 *
 * <p>Not thread safe.
 */
public final class MissCurves {
  private final int maxEntries;
  private final int[] setCounts;
  /** {@code histograms[i]} belongs to {@code setCounts[i]}; length {@code maxEntries / setCounts[i] + 1}. */
  final long[][] histograms;
  long accesses;

  /** Receives one point of a miss curve; see {@link #forEachPoint}. */
  @FunctionalInterface
  public interface PointConsumer {
    void accept(int sets, int ways, int entries, long accesses, long misses);
  }

  /**
   * Empty histograms.
   *
   * @param maxEntries largest cache (sets × ways) of every curve, at least 1
   * @param setCounts distinct powers of two, each at most {@code maxEntries}, ascending; 1 is the
   *     fully associative curve
   */
  public MissCurves(int maxEntries, int... setCounts) {
    validate(maxEntries, setCounts);
    this.maxEntries = maxEntries;
    this.setCounts = setCounts.clone();
    this.histograms = new long[setCounts.length][];
    for (int i = 0; i < setCounts.length; i++) {
      histograms[i] = new long[maxEntries / setCounts[i] + 1];
    }
  }

  static void validate(int maxEntries, int[] setCounts) {
    Objects.requireNonNull(setCounts, "setCounts");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("mrc max entries must be at least 1, got " + maxEntries);
    }
    if (setCounts.length == 0) {
      throw new IllegalArgumentException("mrc needs at least one set count");
    }
    for (int i = 0; i < setCounts.length; i++) {
      int s = setCounts[i];
      if (s < 1 || Integer.bitCount(s) != 1 || s > maxEntries) {
        throw new IllegalArgumentException("mrc set counts must be powers of two in 1..max entries ("
            + maxEntries + "), got " + s);
      }
      if (i > 0 && s <= setCounts[i - 1]) {
        throw new IllegalArgumentException(
            "mrc set counts must be distinct and ascending, got " + Arrays.toString(setCounts));
      }
    }
  }

  public int maxEntries() {
    return maxEntries;
  }

  public int[] setCounts() {
    return setCounts.clone();
  }

  /** Accesses counted (the same for every set count). */
  public long accesses() {
    return accesses;
  }

  /** Widest associativity on the curve of {@code sets}: {@code maxEntries / sets}. */
  public int maxWays(int sets) {
    return histograms[indexOf(sets)].length - 1;
  }

  /** Misses of an LRU cache of {@code sets} sets (one of {@link #setCounts()}) and {@code ways} ways. */
  public long misses(int sets, int ways) {
    long[] h = histograms[indexOf(sets)];
    if (ways < 1 || ways >= h.length) {
      throw new IllegalArgumentException(
          "ways must be in 1.." + (h.length - 1) + " for " + sets + " sets, got " + ways);
    }
    long hits = 0;
    for (int d = 0; d < ways; d++) {
      hits += h[d];
    }
    return accesses - hits;
  }

  /** {@code curve[w - 1]} = misses with {@code w} ways, for {@code w} in {@code 1..maxWays(sets)}. */
  public long[] missCurve(int sets) {
    long[] h = histograms[indexOf(sets)];
    long[] curve = new long[h.length - 1];
    long misses = accesses;
    for (int d = 0; d < curve.length; d++) {
      misses -= h[d];
      curve[d] = misses;
    }
    return curve;
  }

  /**
   * Every point of every curve, set counts ascending, then ways ascending: the rows of table
   * {@code mrc} for one scope (the caller adds scope, unit, domain, sid and the miss ratio).
   */
  public void forEachPoint(PointConsumer consumer) {
    for (int i = 0; i < setCounts.length; i++) {
      long[] h = histograms[i];
      long misses = accesses;
      for (int w = 1; w < h.length; w++) {
        misses -= h[w - 1];
        consumer.accept(setCounts[i], w, setCounts[i] * w, accesses, misses);
      }
    }
  }

  /** A copy of the histogram of {@code sets} (layout in the class comment). */
  public long[] histogram(int sets) {
    return histograms[indexOf(sets)].clone();
  }

  /**
   * Adds {@code other}'s histograms to these: the curves of the two streams' caches summed (for
   * combining the partial results of one scope). Both must have the same geometry.
   */
  public void merge(MissCurves other) {
    if (other.maxEntries != maxEntries || !Arrays.equals(other.setCounts, setCounts)) {
      throw new IllegalArgumentException("cannot merge mrc histograms of " + maxEntries + " entries, sets "
          + Arrays.toString(setCounts) + " with " + other.maxEntries + " entries, sets "
          + Arrays.toString(other.setCounts));
    }
    accesses += other.accesses;
    for (int i = 0; i < histograms.length; i++) {
      long[] mine = histograms[i];
      long[] theirs = other.histograms[i];
      for (int d = 0; d < mine.length; d++) {
        mine[d] += theirs[d];
      }
    }
  }

  /**
   * Compact serialisation: {@code [maxEntries, n, S_0..S_{n-1}, accesses, histogram(S_0)...,
   * histogram(S_{n-1})]}. {@link #fromLongArray} reverses it.
   */
  public long[] toLongArray() {
    int n = setCounts.length;
    int length = 3 + n;
    for (long[] h : histograms) {
      length += h.length;
    }
    long[] out = new long[length];
    out[0] = maxEntries;
    out[1] = n;
    for (int i = 0; i < n; i++) {
      out[2 + i] = setCounts[i];
    }
    out[2 + n] = accesses;
    int at = 3 + n;
    for (long[] h : histograms) {
      System.arraycopy(h, 0, out, at, h.length);
      at += h.length;
    }
    return out;
  }

  public static MissCurves fromLongArray(long[] data) {
    int n = Math.toIntExact(data[1]);
    int[] sets = new int[n];
    for (int i = 0; i < n; i++) {
      sets[i] = Math.toIntExact(data[2 + i]);
    }
    MissCurves curves = new MissCurves(Math.toIntExact(data[0]), sets);
    curves.accesses = data[2 + n];
    int at = 3 + n;
    for (long[] h : curves.histograms) {
      System.arraycopy(data, at, h, 0, h.length);
      at += h.length;
    }
    if (at != data.length) {
      throw new IllegalArgumentException("mrc histogram array has " + data.length + " longs, expected " + at);
    }
    return curves;
  }

  int indexOf(int sets) {
    for (int i = 0; i < setCounts.length; i++) {
      if (setCounts[i] == sets) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no mrc curve for " + sets + " sets; configured: " + Arrays.toString(setCounts));
  }

  @Override
  public String toString() {
    return "MissCurves[" + accesses + " accesses, max " + maxEntries + " entries, sets "
        + Arrays.toString(setCounts) + "]";
  }
}
