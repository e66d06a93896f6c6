package io.iommusim.trace.imports;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a mapping into runs of one page size, as Linux's {@code iommu_pgsize()} does: at each address the
 * largest supported page size to which both the IOVA and the physical address are aligned and that the
 * rest of the range still covers.
 */
public final class PageRuns {
  public static final long SIZE_4K = 4096;
  public static final long SIZE_2M = 2L << 20;
  public static final long SIZE_1G = 1L << 30;

  /** One run: {@code size} bytes at {@code iova}/{@code phys} in pages of {@code pageSize}. */
  public record Run(long iova, long phys, long size, long pageSize) {}

  private PageRuns() {}

  /**
   * @param sizes supported page sizes, ascending, the first 4096; iova, phys and size must be 4 KiB aligned
   * @param physKnown false when {@code phys} is a placeholder: then only 4 KiB pages are used
   */
  public static List<Run> split(long iova, long phys, long size, long[] sizes, boolean physKnown) {
    List<Run> runs = new ArrayList<>();
    long done = 0;
    while (done < size) {
      long a = iova + done;
      long p = phys + done;
      long page = SIZE_4K;
      if (physKnown) {
        for (int i = sizes.length - 1; i > 0; i--) {
          long s = sizes[i];
          if ((a & (s - 1)) == 0 && (p & (s - 1)) == 0 && size - done >= s) {
            page = s;
            break;
          }
        }
      }
      Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && last.pageSize() == page) {
        runs.set(runs.size() - 1, new Run(last.iova(), last.phys(), last.size() + page, page));
      } else {
        runs.add(new Run(a, p, page, page));
      }
      done += page;
    }
    return runs;
  }
}
