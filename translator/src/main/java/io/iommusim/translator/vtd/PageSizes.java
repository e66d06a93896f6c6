package io.iommusim.translator.vtd;

/** The three VT-d leaf sizes and their codes in cache tags: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB. */
public final class PageSizes {
  public static final long SIZE_4K = 1L << 12;
  public static final long SIZE_2M = 1L << 21;
  public static final long SIZE_1G = 1L << 30;

  private PageSizes() {}

  public static int shift(int code) {
    return 12 + 9 * code;
  }

  public static long size(int code) {
    return 1L << shift(code);
  }

  /** Code of a page size in bytes; -1 when it is not a VT-d leaf size. */
  public static int codeOf(long pageSize) {
    if (pageSize == SIZE_4K) {
      return 0;
    }
    if (pageSize == SIZE_2M) {
      return 1;
    }
    return pageSize == SIZE_1G ? 2 : -1;
  }

  /** Code of the leaf size at a page-table level (1 → 4 KiB, 2 → 2 MiB, 3 → 1 GiB). */
  public static int codeOfLevel(int level) {
    return level - 1;
  }
}
