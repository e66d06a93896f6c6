package io.iommusim.trace.generate;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The pcie-bench random-window experiment (iommu-semantics §5.1): one device DMAs fixed-size transfers
 * at uniformly random, transfer-aligned offsets inside a buffer ("window") mapped once up front, so the
 * IOTLB working set is window / page_size pages. Sweeping {@code window} with 4 KiB pages reproduces the
 * throughput knee once the window outgrows the IOTLB reach; with 2 MiB pages it stays flat.
 *
 * <p>Events: {@code attach} of 01:00.0 to domain 1, one {@code map} of the whole window
 * (addr = base, size = window, page_size leaves, perm rw, phys = 256 GiB, aligned to any leaf size),
 * then only DMAs. Offsets are multiples of {@code transfer}, a power of two no larger than the page, so
 * no DMA crosses a page and each is exactly one translation.
 *
 * <p>Timing: setup at ts 0; DMA i (from 0) at {@code (i + 1) * gap_ns} — a constant issue rate, the
 * benchmark's closed loop of back-to-back requests.
 */
public final class RandomWindowWorkload implements Workload {
  public static final String NAME = "random-window";
  public static final int SID = Sid.of(0, 1, 0, 0);
  public static final int DOMAIN = 1;
  public static final long PHYS_BASE = 256L << 30;
  private static final long SETUP_EVENTS = 2;

  /** Which DMAs to issue. */
  public enum Access { READ, WRITE, MIXED }

  static final List<OptionSpec> OPTIONS = List.of(
      new OptionSpec("window", "64MiB", "bytes of the mapped buffer the DMAs fall in; a multiple of page_size"),
      new OptionSpec("page_size", "4096", "leaf size of the mapping: 4096, 2MiB or 1GiB"),
      new OptionSpec("transfer", "64", "bytes per DMA; a power of two, at most page_size"),
      new OptionSpec("access", "read", "read, write or mixed (each DMA a read or a write with probability 1/2)"),
      new OptionSpec("gap_ns", "100", "nanoseconds between consecutive DMAs"),
      new OptionSpec("base", "0x100000000", "IOVA of the window; aligned to page_size"));

  private final long window;
  private final long pageSize;
  private final long transfer;
  private final Access access;
  private final long gapNs;
  private final long base;

  public RandomWindowWorkload(long window, long pageSize, long transfer, Access access, long gapNs, long base) {
    if (pageSize != 4096 && pageSize != 2L << 20 && pageSize != 1L << 30) {
      throw new IllegalArgumentException("page_size must be 4096, 2MiB or 1GiB: " + pageSize);
    }
    if (window < pageSize || window % pageSize != 0) {
      throw new IllegalArgumentException("window must be a positive multiple of page_size " + pageSize + ": " + window);
    }
    if (transfer <= 0 || Long.bitCount(transfer) != 1 || transfer > pageSize) {
      throw new IllegalArgumentException("transfer must be a power of two no larger than page_size " + pageSize + ": " + transfer);
    }
    if (base < 0 || base % pageSize != 0 || base > (1L << 62) - window) {
      throw new IllegalArgumentException("base must be aligned to page_size " + pageSize + " and leave room for the window: 0x" + Long.toHexString(base));
    }
    if (gapNs < 0) {
      throw new IllegalArgumentException("gap_ns must not be negative: " + gapNs);
    }
    this.window = window;
    this.pageSize = pageSize;
    this.transfer = transfer;
    this.access = access;
    this.gapNs = gapNs;
    this.base = base;
  }

  static RandomWindowWorkload fromOptions(WorkloadOptions o) {
    long pageSize = o.size("page_size", 4096, 1L << 30);
    if (pageSize != 4096 && pageSize != 2L << 20 && pageSize != 1L << 30) {
      throw o.error("page_size", "expected 4096, 2MiB or 1GiB");
    }
    long window = o.size("window", pageSize, 1L << 46);
    if (window % pageSize != 0) {
      throw o.error("window", "expected a multiple of page_size (" + Sizes.format(pageSize) + ")");
    }
    long transfer = o.size("transfer", 1, pageSize);
    if (Long.bitCount(transfer) != 1) {
      throw o.error("transfer", "expected a power of two");
    }
    Access access = Access.valueOf(o.choice("access", "read", "write", "mixed").toUpperCase(java.util.Locale.ROOT));
    long gapNs = o.integer("gap_ns", 0, 1_000_000_000L);
    long base = o.size("base", 0, 1L << 56);
    if (base % pageSize != 0) {
      throw o.error("base", "expected an IOVA aligned to page_size (" + Sizes.format(pageSize) + ")");
    }
    return new RandomWindowWorkload(window, pageSize, transfer, access, gapNs, base);
  }

  @Override
  public long minimumEvents() {
    return SETUP_EVENTS;
  }

  @Override
  public void generate(long events, long seed, EventSink sink) throws IOException {
    EventEmitter.requireAtLeast(events, SETUP_EVENTS, NAME);
    EventEmitter out = new EventEmitter(sink, events);
    SplittableRandom random = new SplittableRandom(seed);
    out.attach(0, SID, DOMAIN);
    out.map(0, DOMAIN, base, window, PHYS_BASE, Perm.READ_WRITE, pageSize);
    long slots = window / transfer;
    for (long i = 0; !out.full(); i++) {
      long offset = random.nextLong(slots) * transfer;
      boolean write = access == Access.WRITE || (access == Access.MIXED && random.nextBoolean());
      out.dma((i + 1) * gapNs, write, SID, DOMAIN, base + offset, transfer);
    }
  }
}
