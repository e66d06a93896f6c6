package io.iommusim.translator.pagetable;

import static io.iommusim.translator.pagetable.IoPageTable.SIZE_1G;
import static io.iommusim.translator.pagetable.IoPageTable.SIZE_2M;
import static io.iommusim.translator.pagetable.IoPageTable.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-checks {@link IoPageTable} against a deliberately naive reference: a HashMap from 4 KiB page
 * number to (phys, perm, size of the leaf the page belongs to), updated page by page from the same
 * random map/unmap sequence. The reference knows nothing about tables; it only applies the rules
 * (replace on overlap, split a bigger leaf into next-level leaves, unmap removes whole leaves).
 */
class IoPageTableRandomizedTest {
  private static final int OPERATIONS = 4000;
  private static final int FULL_CHECK_EVERY = 500;
  /** Two 4 GiB windows: the bottom of the space and just under 2^47 (level-4 index 255). */
  private static final long[] WINDOW_BASES = {0L, 0x7FFF_0000_0000L};
  private static final long WINDOW_SIZE = 4 * SIZE_1G;
  /** 1 GiB leaves only go into the first 2 GiB of window 0, keeping the reference small. */
  private static final long GIANT_REGION = 2 * SIZE_1G;

  /** Reference record of one mapped 4 KiB page. */
  private static final class RefPage {
    final long phys;
    final int perm;
    long leafSize;

    RefPage(long phys, int perm, long leafSize) {
      this.phys = phys;
      this.perm = perm;
      this.leafSize = leafSize;
    }
  }

  /** The independent model. Page number = iova >>> 12. */
  private static final class Reference {
    final Map<Long, RefPage> pages = new HashMap<>();
    long pagesMapped;
    long overlappingMapPages;
    long pagesUnmapped;
    long unmapOfUnmappedPages;
    long superpagesSplit;
    long superpageUnmapsBeyondRange;

    void map(long iova, long size, long phys, int perm, long pageSize) {
      for (long offset = 0; offset < size; offset += pageSize) {
        long leafIova = iova + offset;
        long firstPage = leafIova >>> 12;
        // A bigger leaf covering this one is split level by level until the leaf size fits.
        RefPage covering = pages.get(firstPage);
        while (covering != null && covering.leafSize > pageSize) {
          splitLeafContaining(leafIova, covering.leafSize);
          covering = pages.get(firstPage);
        }
        for (long page = firstPage; page < firstPage + pageSize / SIZE_4K; page++) {
          long pagePhys = phys + offset + (page - firstPage) * SIZE_4K;
          if (pages.put(page, new RefPage(pagePhys, perm, pageSize)) != null) {
            overlappingMapPages++;
          }
        }
      }
      pagesMapped += size / SIZE_4K;
    }

    private void splitLeafContaining(long iova, long leafSize) {
      long base = iova & -leafSize;
      long childSize = leafSize / 512;
      for (long page = base >>> 12; page < (base + leafSize) >>> 12; page++) {
        pages.get(page).leafSize = childSize;
      }
      superpagesSplit++;
    }

    void unmap(long iova, long size) {
      long end = iova + size;
      long cursor = iova;
      while (cursor < end) {
        RefPage page = pages.get(cursor >>> 12);
        if (page == null) {
          unmapOfUnmappedPages++;
          cursor += SIZE_4K;
          continue;
        }
        long leafBase = cursor & -page.leafSize;
        long leafEnd = leafBase + page.leafSize;
        for (long p = leafBase >>> 12; p < leafEnd >>> 12; p++) {
          pages.remove(p);
        }
        pagesUnmapped += page.leafSize / SIZE_4K;
        if (leafBase < iova || leafEnd > end) {
          superpageUnmapsBeyondRange++;
        }
        cursor = leafEnd;
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 0x5EED_CAFEL})
  void matchesNaiveReference(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    IoPageTable table = new IoPageTable(48);
    Reference reference = new Reference();
    WalkResult out = new WalkResult();

    for (int op = 0; op < OPERATIONS; op++) {
      String description;
      long touchedIova;
      long touchedSize;
      if (random.nextInt(100) < 60) {
        long pageSize = pickPageSize(random);
        long windowBase = pageSize == SIZE_1G ? 0 : WINDOW_BASES[random.nextInt(2)];
        long region = pageSize == SIZE_1G ? GIANT_REGION : WINDOW_SIZE;
        long maxPages = pageSize == SIZE_4K ? (random.nextInt(10) == 0 ? 1024 : 64)
            : pageSize == SIZE_2M ? 4 : 1;
        long size = (1 + random.nextLong(maxPages)) * pageSize;
        long iova = windowBase + random.nextLong((region - size) / pageSize + 1) * pageSize;
        long phys = random.nextLong((1L << 40) / pageSize) * pageSize;
        int perm = 1 + random.nextInt(3);
        table.map(iova, size, phys, perm, pageSize);
        reference.map(iova, size, phys, perm, pageSize);
        description = String.format("map iova=0x%x size=0x%x phys=0x%x perm=%d page=0x%x",
            iova, size, phys, perm, pageSize);
        touchedIova = iova;
        touchedSize = size;
      } else {
        long windowBase = WINDOW_BASES[random.nextInt(2)];
        long size = random.nextInt(8) == 0
            ? (1 + random.nextLong(3)) * SIZE_2M + random.nextLong(512) * SIZE_4K
            : (1 + random.nextLong(600)) * SIZE_4K;
        long iova = windowBase + random.nextLong((WINDOW_SIZE - size) / SIZE_4K + 1) * SIZE_4K;
        table.unmap(iova, size);
        reference.unmap(iova, size);
        description = String.format("unmap iova=0x%x size=0x%x", iova, size);
        touchedIova = iova;
        touchedSize = size;
      }
      String context = "seed " + seed + " op " + op + ": " + description;

      assertCountersMatch(table, reference, context);
      // Spot checks in and around the touched range (unmap may have removed leaves beyond it).
      for (int i = 0; i < 16; i++) {
        long iova = touchedIova - SIZE_2M + random.nextLong((touchedSize + 2 * SIZE_2M) / SIZE_4K) * SIZE_4K;
        if (iova >= 0) {
          assertPageMatches(table, reference, iova + random.nextLong(SIZE_4K), out, context);
        }
      }
      if (op % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1 || op == OPERATIONS - 1) {
        assertFullyEqual(table, reference, random, out, context);
      }
    }
    // The sequence must actually have exercised the interesting paths.
    if (reference.superpagesSplit == 0 || reference.superpageUnmapsBeyondRange == 0
        || reference.overlappingMapPages == 0 || reference.unmapOfUnmappedPages == 0) {
      fail("random sequence too tame for seed " + seed + ": splits=" + reference.superpagesSplit
          + " beyond=" + reference.superpageUnmapsBeyondRange + " overlap="
          + reference.overlappingMapPages + " unmappedUnmaps=" + reference.unmapOfUnmappedPages);
    }
  }

  /**
   * Operations crowded into a few 2 MiB blocks, as a NIC's buffers are, so that consecutive maps and
   * unmaps hit the same level-1 table (the cached fast path), interleaved with the structural changes
   * that must end it: 2 MiB leaves over a block's table, their splits, superpage unmaps, 1 GiB leaves.
   */
  @ParameterizedTest
  @ValueSource(longs = {3, 4, 0xB10CL})
  void crowdedBlocksMatchNaiveReference(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    IoPageTable table = new IoPageTable(48);
    Reference reference = new Reference();
    WalkResult out = new WalkResult();
    long base = 3 * SIZE_1G - 2 * SIZE_2M; // four blocks across a 1 GiB boundary
    for (int op = 0; op < OPERATIONS; op++) {
      int roll = random.nextInt(1000);
      long iova;
      long size;
      String description;
      if (roll < 480) {
        size = (1 + random.nextInt(3)) * SIZE_4K;
        iova = base + random.nextLong((4 * SIZE_2M - size) / SIZE_4K + 1) * SIZE_4K;
        long phys = random.nextLong(1L << 28) * SIZE_4K;
        int perm = 1 + random.nextInt(3);
        table.map(iova, size, phys, perm, SIZE_4K);
        reference.map(iova, size, phys, perm, SIZE_4K);
        description = String.format("map 4K iova=0x%x size=0x%x", iova, size);
      } else if (roll < 960) {
        size = (1 + random.nextInt(3)) * SIZE_4K;
        iova = base + random.nextLong((4 * SIZE_2M - size) / SIZE_4K + 1) * SIZE_4K;
        table.unmap(iova, size);
        reference.unmap(iova, size);
        description = String.format("unmap iova=0x%x size=0x%x", iova, size);
      } else if (roll < 985) {
        size = SIZE_2M;
        iova = base + random.nextInt(4) * SIZE_2M;
        long phys = random.nextLong(1L << 19) * SIZE_2M;
        table.map(iova, size, phys, 3, SIZE_2M);
        reference.map(iova, size, phys, 3, SIZE_2M);
        description = String.format("map 2M iova=0x%x", iova);
      } else if (roll < 995) {
        size = SIZE_2M + SIZE_4K;
        iova = base + random.nextLong((4 * SIZE_2M - size) / SIZE_4K + 1) * SIZE_4K;
        table.unmap(iova, size);
        reference.unmap(iova, size);
        description = String.format("unmap across blocks iova=0x%x size=0x%x", iova, size);
      } else {
        size = SIZE_1G;
        iova = 2 * SIZE_1G; // the gigabyte holding the first two blocks
        long phys = random.nextLong(1L << 10) * SIZE_1G;
        table.map(iova, size, phys, 1, SIZE_1G);
        reference.map(iova, size, phys, 1, SIZE_1G);
        description = "map 1G at 2 GiB";
      }
      String context = "seed " + seed + " op " + op + ": " + description;
      assertCountersMatch(table, reference, context);
      for (int i = 0; i < 8; i++) {
        assertPageMatches(table, reference, base + random.nextLong(4 * SIZE_2M), out, context);
      }
    }
    assertFullyEqual(table, reference, random, out, "seed " + seed + " at the end");
    if (reference.superpagesSplit == 0 || reference.superpageUnmapsBeyondRange == 0
        || reference.overlappingMapPages == 0 || reference.unmapOfUnmappedPages == 0) {
      fail("crowded sequence too tame for seed " + seed);
    }
  }

  private static long pickPageSize(SplittableRandom random) {
    int roll = random.nextInt(100);
    return roll < 1 ? SIZE_1G : roll < 25 ? SIZE_2M : SIZE_4K;
  }

  private static void assertCountersMatch(IoPageTable table, Reference reference, String context) {
    assertEquals(reference.pagesMapped, table.pagesMapped(), () -> "pagesMapped, " + context);
    assertEquals(reference.overlappingMapPages, table.overlappingMapPages(), () -> "overlap, " + context);
    assertEquals(reference.pagesUnmapped, table.pagesUnmapped(), () -> "pagesUnmapped, " + context);
    assertEquals(reference.unmapOfUnmappedPages, table.unmapOfUnmappedPages(),
        () -> "unmapOfUnmapped, " + context);
    assertEquals(reference.superpagesSplit, table.superpagesSplit(), () -> "splits, " + context);
    assertEquals(reference.superpageUnmapsBeyondRange, table.superpageUnmapsBeyondRange(),
        () -> "beyondRange, " + context);
    assertEquals(reference.pages.size(), table.pagesCurrentlyMapped(), () -> "mapped pages, " + context);
  }

  private static void assertPageMatches(IoPageTable table, Reference reference, long iova,
      WalkResult out, String context) {
    RefPage expected = reference.pages.get(iova >>> 12);
    int status = table.walk(iova, out);
    if (expected == null) {
      assertEquals(WalkResult.NOT_PRESENT, status, () -> "0x" + Long.toHexString(iova) + " " + out + ", " + context);
      return;
    }
    String where = "0x" + Long.toHexString(iova) + " " + out + ", " + context;
    assertEquals(WalkResult.OK, status, where);
    assertEquals(expected.phys + (iova & (SIZE_4K - 1)), out.physAddress(), where);
    assertEquals(expected.perm, out.perm(), where);
    assertEquals(expected.leafSize, out.pageSize(), where);
    assertEquals(table.levels() - out.level() + 1, out.entriesRead(), where);
  }

  /** Every reference page walks right, and the table holds no page the reference lacks. */
  private static void assertFullyEqual(IoPageTable table, Reference reference,
      SplittableRandom random, WalkResult out, String context) {
    for (long page : reference.pages.keySet()) {
      assertPageMatches(table, reference, (page << 12) + random.nextLong(SIZE_4K), out, context);
    }
    // Counted through the table structure itself, independent of the counters.
    long presentPages = countPresentPages(table, table.rootTable(), table.levels());
    assertEquals(reference.pages.size(), presentPages, () -> "pages present in tables, " + context);
  }

  private static long countPresentPages(IoPageTable table, int tableId, int level) {
    long pages = 0;
    for (int index = 0; index < IoPageTable.ENTRIES_PER_TABLE; index++) {
      long pte = table.entry(tableId, index);
      if (!IoPageTable.isPresent(pte)) {
        continue;
      }
      pages += IoPageTable.isLeaf(pte, level)
          ? IoPageTable.entrySpan(level) / SIZE_4K
          : countPresentPages(table, IoPageTable.nextTable(pte), level - 1);
    }
    return pages;
  }
}
