package io.iommusim.trace.generate;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One domain's IOVA allocator, shaped like Linux's {@code dma-iommu} + {@code iova.c} so that the
 * addresses a generated trace uses have the locality a real kernel produces:
 * <ul>
 *   <li>requests are rounded up to whole 4 KiB pages, and below 32 pages up to a power of two
 *       ({@code alloc_iova_fast}), and aligned to that rounded size ({@code size_aligned});</li>
 *   <li>fresh space is carved top-down below the 32-bit DMA limit (PCI devices get a SAC address first),
 *       skipping the x86 MSI window 0xFEE00000–0xFEEFFFFF that the kernel reserves;</li>
 *   <li>a freed IOVA goes onto a LIFO stack for its size and the next request of that size takes it
 *       back, like the per-CPU rcache magazines (one CPU modelled). {@link #free} is strict-mode reuse;</li>
 *   <li>in lazy mode the driver calls {@link #deferFree} instead: the IOVA goes into the flush queue and
 *       is not handed out again until {@link #releaseDeferred} (after the IOTLB flush) returns every held
 *       IOVA to the stacks in queue order, as {@code fq_ring_free} does, so the last one queued is reused
 *       first.</li>
 * </ul>
 * State stays bounded: fresh space is carved only when no freed IOVA of that size is cached, so the
 * cached IOVAs never outnumber the peak of simultaneously live plus held allocations, and the caller
 * bounds the held ones by flushing.
 */
final class IovaAllocator {
  static final long PAGE = 4096;
  static final long DMA_LIMIT_32 = 1L << 32;
  static final long MSI_WINDOW_START = 0xFEE0_0000L;
  static final long MSI_WINDOW_END = 0xFEF0_0000L;
  /** Linux IOVA_RANGE_CACHE_MAX_SIZE: sizes below 2^(6-1) pages are rounded to a power of two. */
  private static final long ROUND_BELOW_PAGES = 1L << 5;

  private final Map<Long, LongStack> freedBySize = new HashMap<>();
  /** Lowest address carved so far; fresh allocations go just below it. */
  private long carvedDownTo = DMA_LIMIT_32;
  /** The flush queue: IOVAs unmapped in lazy mode and not yet covered by an IOTLB flush. */
  private long[] deferredIova = new long[16];
  private long[] deferredBytes = new long[16];
  private int deferredCount;

  /** The number of bytes actually reserved for a request of {@code bytes}. */
  static long allocationSize(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("allocation size must be positive: " + bytes);
    }
    long pages = (bytes + PAGE - 1) / PAGE;
    if (pages < ROUND_BELOW_PAGES) {
      pages = Long.highestOneBit(pages) == pages ? pages : Long.highestOneBit(pages) << 1;
    }
    return pages * PAGE;
  }

  /** Returns a page-aligned IOVA with {@link #allocationSize(long)} bytes free to map. */
  long allocate(long bytes) {
    long size = allocationSize(bytes);
    LongStack cached = freedBySize.get(size);
    if (cached != null && !cached.isEmpty()) {
      return cached.pop();
    }
    long alignment = Long.highestOneBit(size) == size ? size : PAGE;
    long start = (carvedDownTo - size) & -alignment;
    if (start < MSI_WINDOW_END && start + size > MSI_WINDOW_START) {
      start = (MSI_WINDOW_START - size) & -alignment;
    }
    if (start < PAGE) {
      // IOVA 0 is never handed out by Linux; running into it means the options ask for more than 4 GiB live
      throw new IllegalStateException("IOVA space below 4 GiB exhausted");
    }
    carvedDownTo = start;
    return start;
  }

  /** Returns an allocation made with the same {@code bytes}. */
  void free(long iova, long bytes) {
    freedBySize.computeIfAbsent(allocationSize(bytes), k -> new LongStack()).push(iova);
  }

  /**
   * Lazy mode: holds an allocation made with the same {@code bytes} back from reuse until
   * {@link #releaseDeferred()}.
   */
  void deferFree(long iova, long bytes) {
    if (deferredCount == deferredIova.length) {
      deferredIova = Arrays.copyOf(deferredIova, deferredCount * 2);
      deferredBytes = Arrays.copyOf(deferredBytes, deferredCount * 2);
    }
    deferredIova[deferredCount] = iova;
    deferredBytes[deferredCount] = bytes;
    deferredCount++;
  }

  /** The number of IOVAs held back by {@link #deferFree} since the last release. */
  int deferred() {
    return deferredCount;
  }

  /** Frees every held IOVA, oldest first. */
  void releaseDeferred() {
    for (int i = 0; i < deferredCount; i++) {
      free(deferredIova[i], deferredBytes[i]);
    }
    deferredCount = 0;
  }

  private static final class LongStack {
    private long[] items = new long[16];
    private int size;

    boolean isEmpty() {
      return size == 0;
    }

    void push(long v) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }

    long pop() {
      return items[--size];
    }
  }
}
