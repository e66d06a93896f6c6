package io.iommusim.translator.pagetable;

import static io.iommusim.translator.pagetable.IoPageTable.SIZE_1G;
import static io.iommusim.translator.pagetable.IoPageTable.SIZE_2M;
import static io.iommusim.translator.pagetable.IoPageTable.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-derived expectations; each test's comment shows the arithmetic. */
class IoPageTableTest {
  private static final int R = 1;
  private static final int W = 2;
  private static final int RW = 3;

  private final WalkResult out = new WalkResult();

  @Test
  void levelsFollowAddressWidth() {
    // level = agaw + 2, width = 30 + 9·agaw: 39 → agaw 1 → 3, 48 → 2 → 4, 57 → 3 → 5.
    assertEquals(3, new IoPageTable(39).levels());
    assertEquals(4, new IoPageTable(48).levels());
    assertEquals(5, new IoPageTable(57).levels());
    assertEquals(48, new IoPageTable(48).addressWidth());
    // 30 (2-level) is architecturally valid but not supported by the model; others are nonsense.
    for (int width : new int[] {0, 30, 40, 47, 64}) {
      assertThrows(IllegalArgumentException.class, () -> new IoPageTable(width), "width " + width);
    }
  }

  @Test
  void indexArithmetic() {
    // 0x0000_7FFF_FFFF_F000 = 2^47 − 2^12: bits 12..46 set, bit 47 clear.
    //   level 1 = bits 12..20 → 9 ones → 511
    //   level 2 = bits 21..29 → 511
    //   level 3 = bits 30..38 → 511
    //   level 4 = bits 39..47 → bits 39..46 set, 47 clear → 0b0_1111_1111 = 255
    //   level 5 = bits 48..56 → 0
    long iova = 0x0000_7FFF_FFFF_F000L;
    assertEquals(511, IoPageTable.indexAt(iova, 1));
    assertEquals(511, IoPageTable.indexAt(iova, 2));
    assertEquals(511, IoPageTable.indexAt(iova, 3));
    assertEquals(255, IoPageTable.indexAt(iova, 4));
    assertEquals(0, IoPageTable.indexAt(iova, 5));

    // Built from indices: (3 << 39) | (5 << 30) | (7 << 21) | (9 << 12) | 0xABC; the page offset is ignored.
    long built = (3L << 39) | (5L << 30) | (7L << 21) | (9L << 12) | 0xABC;
    assertEquals(9, IoPageTable.indexAt(built, 1));
    assertEquals(7, IoPageTable.indexAt(built, 2));
    assertEquals(5, IoPageTable.indexAt(built, 3));
    assertEquals(3, IoPageTable.indexAt(built, 4));

    // Bit 56 is the top bit of a 57-bit address: level-5 index bits 48..56 → bit 8 of the index → 256.
    assertEquals(256, IoPageTable.indexAt(1L << 56, 5));

    assertEquals(SIZE_4K, IoPageTable.entrySpan(1));
    assertEquals(SIZE_2M, IoPageTable.entrySpan(2));
    assertEquals(SIZE_1G, IoPageTable.entrySpan(3));
    assertEquals(1L << 39, IoPageTable.entrySpan(4));
  }

  @Test
  void map4kAndWalk() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x1000_0000L, SIZE_4K, 0xABC_D000L, RW, SIZE_4K);
    // Offset 0x123 is carried over: 0xABC_D000 + 0x123. Leaf at level 1 → 4 − 1 + 1 = 4 entries read.
    assertEquals(WalkResult.OK, table.walk(0x1000_0123L, out));
    assertEquals(WalkResult.OK, out.status());
    assertEquals(1, out.level());
    assertEquals(SIZE_4K, out.pageSize());
    assertEquals(0xABC_D123L, out.physAddress());
    assertEquals(RW, out.perm());
    assertEquals(4, out.entriesRead());
    // A fresh 4K map in an empty 4-level table creates levels 3, 2 and 1 below the root → 4 tables.
    assertEquals(4, table.tables());
    assertEquals(1, table.pagesMapped());
  }

  @Test
  void map2mAndWalk() {
    IoPageTable table = new IoPageTable(48);
    // iova 1 GiB + 2 MiB, phys 4 GiB + 2 MiB, both 2 MiB aligned.
    table.map(0x4020_0000L, SIZE_2M, 0x1_0020_0000L, R, SIZE_2M);
    // Offset inside the 2 MiB page: 0x1_2345 → phys 0x1_0020_0000 + 0x1_2345 = 0x1_0021_2345.
    assertEquals(WalkResult.OK, table.walk(0x4020_0000L + 0x1_2345L, out));
    assertEquals(2, out.level());
    assertEquals(SIZE_2M, out.pageSize());
    assertEquals(0x1_0021_2345L, out.physAddress());
    assertEquals(R, out.perm());
    assertEquals(3, out.entriesRead()); // 4 − 2 + 1
    assertEquals(512, table.pagesMapped()); // 2 MiB / 4 KiB
    // The leaf is a PS entry at level 2.
    long pte = table.entry(out.table(), out.index());
    assertTrue(IoPageTable.isLeaf(pte, 2));
    assertEquals(0x1_0020_0000L, IoPageTable.leafAddress(pte));
  }

  @Test
  void map1gAndWalk() {
    IoPageTable table = new IoPageTable(48);
    // iova 512 GiB (level-4 index 1), phys 256 GiB.
    table.map(0x80_0000_0000L, SIZE_1G, 0x40_0000_0000L, W, SIZE_1G);
    assertEquals(WalkResult.OK, table.walk(0x80_1234_5678L, out));
    assertEquals(3, out.level());
    assertEquals(SIZE_1G, out.pageSize());
    assertEquals(0x40_1234_5678L, out.physAddress()); // 256 GiB + 0x1234_5678
    assertEquals(W, out.perm());
    assertEquals(2, out.entriesRead()); // 4 − 3 + 1

    // In a 3-level table the 1 GiB leaf sits in the root: 3 − 3 + 1 = 1 entry read, no extra table.
    IoPageTable small = new IoPageTable(39);
    small.map(SIZE_1G, SIZE_1G, 0, RW, SIZE_1G);
    assertEquals(WalkResult.OK, small.walk(SIZE_1G + 0x10, out));
    assertEquals(1, out.entriesRead());
    assertEquals(0x10, out.physAddress());
    assertEquals(1, small.tables());
  }

  @Test
  void fiveLevelWalkReadsFiveEntries() {
    IoPageTable table = new IoPageTable(57);
    table.map(1L << 56, SIZE_4K, 0x5000, RW, SIZE_4K);
    assertEquals(WalkResult.OK, table.walk((1L << 56) + 8, out));
    assertEquals(5, out.entriesRead());
    assertEquals(0x5008, out.physAddress());
  }

  @Test
  void tableLevelAccessorsAllowAManualWalk() {
    IoPageTable table = new IoPageTable(48);
    long iova = 0x7FFF_FFFF_F000L;
    table.map(iova, SIZE_4K, 0x1234_5000L, R, SIZE_4K);
    // New non-leaf entries carry R|W; the leaf carries the mapped perm.
    int current = table.rootTable();
    assertEquals(IoPageTable.ROOT_TABLE, current);
    for (int level = 4; level > 1; level--) {
      long pte = table.entry(current, IoPageTable.indexAt(iova, level));
      assertTrue(IoPageTable.isPresent(pte));
      assertFalse(IoPageTable.isLeaf(pte, level));
      assertEquals(RW, IoPageTable.perm(pte));
      assertEquals(0, table.stamp(current, IoPageTable.indexAt(iova, level)));
      current = IoPageTable.nextTable(pte);
      assertNotEquals(IoPageTable.ROOT_TABLE, current);
    }
    long leaf = table.entry(current, 511);
    assertTrue(IoPageTable.isLeaf(leaf, 1));
    assertEquals(0x1234_5000L, IoPageTable.leafAddress(leaf));
    assertEquals(R, IoPageTable.perm(leaf));
    assertEquals(1, table.stamp(current, 511));
    // Level 1 ignores PS; level 4 never treats PS as a leaf.
    assertTrue(IoPageTable.isLeaf(0, 1));
    assertFalse(IoPageTable.isLeaf(IoPageTable.PTE_PAGE_SIZE | 3, 4));
    assertFalse(IoPageTable.isPresent(IoPageTable.PTE_PAGE_SIZE | 0x1000));
  }

  @Test
  void permissionsAreAndedAlongTheWalk() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x20_0000L, SIZE_4K, 0x9000, RW, SIZE_4K);
    table.map(0x20_1000L, SIZE_4K, 0xA000, R, SIZE_4K);

    // Leaf R under all-RW parents → R.
    table.walk(0x20_1000L, out);
    assertEquals(R, out.perm());

    // Level-4 entry → R: RW leaf ANDs to R.
    table.setTablePermission(0x20_0000L, 4, R);
    table.walk(0x20_0000L, out);
    assertEquals(WalkResult.OK, out.status());
    assertEquals(R, out.perm());

    // Level 2 → W as well: R & W = 0, still a translation (present entries all along) but no access.
    table.setTablePermission(0x20_0000L, 2, W);
    table.walk(0x20_0000L, out);
    assertEquals(WalkResult.OK, out.status());
    assertEquals(0, out.perm());
    assertEquals(0x9000, out.physAddress());

    // Level 4 back to RW: RW & RW & W & RW = W.
    table.setTablePermission(0x20_0000L, 4, RW);
    table.walk(0x20_0000L, out);
    assertEquals(W, out.perm());

    // Level 3 → 0: not present there, after reading level 4 and 3 = 2 entries.
    table.setTablePermission(0x20_0000L, 3, 0);
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x20_0000L, out));
    assertEquals(3, out.level());
    assertEquals(2, out.entriesRead());
    assertEquals(0, out.perm());
    // The pointer survives perm 0, so it can be restored and the subtree is back.
    table.setTablePermission(0x20_0000L, 3, RW);
    table.walk(0x20_0000L, out);
    assertEquals(WalkResult.OK, out.status());
    assertEquals(W, out.perm()); // level 2 is still W

    // No table entry at level 1 (out of range), at a leaf, or in an empty region.
    assertThrows(IllegalArgumentException.class, () -> table.setTablePermission(0x20_0000L, 1, R));
    assertThrows(IllegalArgumentException.class, () -> table.setTablePermission(0x20_0000L, 5, R));
    assertThrows(IllegalArgumentException.class, () -> table.setTablePermission(0x20_0000L, 2, 4));
    assertThrows(IllegalArgumentException.class, () -> table.setTablePermission(1L << 40, 2, R));
    IoPageTable withSuperpage = new IoPageTable(48);
    withSuperpage.map(0, SIZE_2M, 0, RW, SIZE_2M);
    assertThrows(IllegalArgumentException.class, () -> withSuperpage.setTablePermission(0, 2, R));
  }

  @Test
  void notPresentAndBeyondWidth() {
    IoPageTable table = new IoPageTable(48);
    // Empty root: the first entry read is not present.
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0, out));
    assertEquals(4, out.level());
    assertEquals(1, out.entriesRead());
    assertEquals(IoPageTable.ROOT_TABLE, out.table());

    table.map(0, SIZE_4K, 0x5000, RW, SIZE_4K);
    // Neighbouring page: tables exist down to level 1, the level-1 entry is empty → 4 entries read.
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x1000, out));
    assertEquals(1, out.level());
    assertEquals(4, out.entriesRead());
    assertEquals(1, out.index());

    // Highest in-width address is walkable (just not mapped); 2^48 and negatives are beyond width.
    assertEquals(WalkResult.NOT_PRESENT, table.walk((1L << 48) - 1, out));
    assertEquals(WalkResult.BEYOND_WIDTH, table.walk(1L << 48, out));
    assertEquals(0, out.entriesRead());
    assertEquals(WalkResult.BEYOND_WIDTH, table.walk(-1L, out));
    assertEquals(WalkResult.BEYOND_WIDTH, table.walk(Long.MIN_VALUE, out));
    assertEquals(WalkResult.BEYOND_WIDTH, new IoPageTable(39).walk(1L << 39, out));
    assertEquals(WalkResult.NOT_PRESENT, new IoPageTable(57).walk(1L << 56, out));
  }

  @Test
  void overlapCountsAlreadyMapped4kPages() {
    IoPageTable table = new IoPageTable(48);
    table.map(0, 4 * SIZE_4K, 0x10_0000L, RW, SIZE_4K); // pages 0..3
    assertEquals(0, table.overlappingMapPages());

    // Pages 2..5: 2 and 3 were mapped → +2; the new mapping wins.
    table.map(0x2000, 4 * SIZE_4K, 0x20_0000L, R, SIZE_4K);
    assertEquals(2, table.overlappingMapPages());
    table.walk(0x2000, out);
    assertEquals(0x20_0000L, out.physAddress());
    assertEquals(R, out.perm());

    // A 2 MiB leaf over the level-1 table holding pages 0..5 (6 present) → +6, the subtree is replaced.
    table.map(0, SIZE_2M, 0x4000_0000L, W, SIZE_2M);
    assertEquals(8, table.overlappingMapPages());
    table.walk(0x5000, out);
    assertEquals(2, out.level());
    assertEquals(0x4000_5000L, out.physAddress());

    // The same 2 MiB again: all 512 pages were mapped → +512.
    table.map(0, SIZE_2M, 0x4000_0000L, W, SIZE_2M);
    assertEquals(520, table.overlappingMapPages());

    // pagesMapped = 4 + 4 + 512 + 512 = 1032; currently mapped = 1032 − 520 = 512 (one 2 MiB page).
    assertEquals(1032, table.pagesMapped());
    assertEquals(512, table.pagesCurrentlyMapped());

    // A 1 GiB leaf over a region holding one 2 MiB leaf and one 4 KiB page: 512 + 1 = 513.
    IoPageTable big = new IoPageTable(48);
    big.map(SIZE_1G, SIZE_2M, 0, RW, SIZE_2M);
    big.map(SIZE_1G + 5 * SIZE_2M, SIZE_4K, 0, RW, SIZE_4K);
    big.map(SIZE_1G, SIZE_1G, 0, RW, SIZE_1G);
    assertEquals(513, big.overlappingMapPages());
    assertEquals(262_144, big.pagesCurrentlyMapped()); // 1 GiB / 4 KiB
  }

  @Test
  void smallMapSplitsSuperpageAndKeepsTheRest() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x20_0000L, SIZE_2M, 0x4000_0000L, R, SIZE_2M); // tables: root, L3, L2 = 3
    table.map(0x20_5000L, SIZE_4K, 0x9000, RW, SIZE_4K);
    // The 2 MiB leaf became a level-1 table of 512 R leaves (one new table), page 5 then replaced.
    assertEquals(1, table.superpagesSplit());
    assertEquals(1, table.overlappingMapPages());
    assertEquals(4, table.tables());

    // Untouched page 4: phys 0x4000_0000 + 0x4000, perm R, now a 4 KiB leaf at level 1 (4 reads).
    table.walk(0x20_4000L, out);
    assertEquals(1, out.level());
    assertEquals(SIZE_4K, out.pageSize());
    assertEquals(0x4000_4000L, out.physAddress());
    assertEquals(R, out.perm());
    assertEquals(4, out.entriesRead());
    // Remapped page 5.
    table.walk(0x20_5abcL, out);
    assertEquals(0x9abc, out.physAddress());
    assertEquals(RW, out.perm());
    // Last page of the former superpage: 0x3F_F000 − 0x20_0000 = 0x1F_F000 → 0x401F_F000.
    table.walk(0x3F_F000L, out);
    assertEquals(0x401F_F000L, out.physAddress());
    // 512 + 1 mapped, 1 overlap → still 512 pages mapped.
    assertEquals(512, table.pagesCurrentlyMapped());

    // 4 KiB into a 1 GiB leaf: 1 GiB → 512 × 2 MiB (split 1), the covering 2 MiB → 512 × 4 KiB (split 2).
    IoPageTable huge = new IoPageTable(48);
    huge.map(SIZE_1G, SIZE_1G, 0, RW, SIZE_1G);
    huge.map(SIZE_1G + 0x20_3000L, SIZE_4K, 0x7777_7000L, R, SIZE_4K);
    assertEquals(2, huge.superpagesSplit());
    // A sibling 2 MiB region stays a 2 MiB leaf: iova 1 GiB + 4 MiB → phys 4 MiB, 3 reads.
    huge.walk(SIZE_1G + 0x40_0000L, out);
    assertEquals(2, out.level());
    assertEquals(0x40_0000L, out.physAddress());
    assertEquals(3, out.entriesRead());
    // Inside the split 2 MiB: page 2 keeps 1 GiB-base + 0x20_2000 = 0x20_2000.
    huge.walk(SIZE_1G + 0x20_2000L, out);
    assertEquals(1, out.level());
    assertEquals(0x20_2000L, out.physAddress());
    huge.walk(SIZE_1G + 0x20_3000L, out);
    assertEquals(0x7777_7000L, out.physAddress());
    assertEquals(R, out.perm());

    // A 2 MiB map into a 1 GiB leaf splits once.
    IoPageTable mid = new IoPageTable(39);
    mid.map(0, SIZE_1G, 0, RW, SIZE_1G);
    mid.map(SIZE_2M, SIZE_2M, SIZE_1G, R, SIZE_2M);
    assertEquals(1, mid.superpagesSplit());
    mid.walk(SIZE_2M, out);
    assertEquals(SIZE_1G, out.physAddress());
    mid.walk(2 * SIZE_2M, out);
    assertEquals(2 * SIZE_2M, out.physAddress());
  }

  @Test
  void unmapInsideSuperpageRemovesItWhole() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x20_0000L, SIZE_2M, 0x4000_0000L, RW, SIZE_2M);
    table.unmap(0x20_1000L, SIZE_4K);
    // The whole 2 MiB leaf is gone: 512 pages unmapped, one unmap beyond its range.
    assertEquals(512, table.pagesUnmapped());
    assertEquals(1, table.superpageUnmapsBeyondRange());
    assertEquals(0, table.unmapOfUnmappedPages());
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x20_0000L, out));
    assertEquals(2, out.level());
    assertEquals(3, out.entriesRead());
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x3F_F000L, out));
    assertEquals(0, table.pagesCurrentlyMapped());

    // Exactly the superpage's range: a normal unmap, not "beyond range".
    table.map(0x20_0000L, SIZE_2M, 0x4000_0000L, RW, SIZE_2M);
    table.unmap(0x20_0000L, SIZE_2M);
    assertEquals(1, table.superpageUnmapsBeyondRange());
    assertEquals(1024, table.pagesUnmapped());

    // A range straddling two 2 MiB leaves partially (last page of one, first of the next): both go,
    // 2 × 512 pages, 2 beyond-range unmaps.
    table.map(0, 2 * SIZE_2M, 0, RW, SIZE_2M);
    table.unmap(SIZE_2M - SIZE_4K, 2 * SIZE_4K);
    assertEquals(3, table.superpageUnmapsBeyondRange());
    assertEquals(2048, table.pagesUnmapped());

    // After a split the pieces are independent: unmapping page 7 removes only that 4 KiB leaf.
    IoPageTable split = new IoPageTable(48);
    split.map(0, SIZE_2M, 0, RW, SIZE_2M);
    split.map(0x3000, SIZE_4K, 0x3000, RW, SIZE_4K);
    split.unmap(0x7000, SIZE_4K);
    assertEquals(1, split.pagesUnmapped());
    assertEquals(0, split.superpageUnmapsBeyondRange());
    assertEquals(WalkResult.NOT_PRESENT, split.walk(0x7000, out));
    assertEquals(WalkResult.OK, split.walk(0x8000, out));

    // Unmapping part of a 1 GiB leaf removes the whole GiB: 262144 pages.
    IoPageTable huge = new IoPageTable(39);
    huge.map(SIZE_1G, SIZE_1G, 0, RW, SIZE_1G);
    huge.unmap(SIZE_1G + SIZE_2M, SIZE_4K);
    assertEquals(262_144, huge.pagesUnmapped());
    assertEquals(1, huge.superpageUnmapsBeyondRange());
  }

  @Test
  void unmapOfUnmappedPagesIsCountedNotThrown() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x1000, SIZE_4K, 0x1000, RW, SIZE_4K);
    // [0, 0x4000) = pages 0..3: page 1 mapped, 0, 2, 3 not.
    table.unmap(0, 4 * SIZE_4K);
    assertEquals(1, table.pagesUnmapped());
    assertEquals(3, table.unmapOfUnmappedPages());
    // Again: all 4 unmapped now → +4.
    table.unmap(0, 4 * SIZE_4K);
    assertEquals(7, table.unmapOfUnmappedPages());
    // A GiB where no table exists is counted arithmetically: 2^30 / 2^12 = 262144.
    table.unmap(0x100_0000_0000L, SIZE_1G);
    assertEquals(7 + 262_144, table.unmapOfUnmappedPages());
    assertEquals(1, table.pagesUnmapped());
    // Emptied tables stay: root, L3, L2, L1 = 4.
    assertEquals(4, table.tables());
    // Up to the top of the address space is fine.
    table.unmap((1L << 48) - SIZE_4K, SIZE_4K);
    assertEquals(7 + 262_144 + 1, table.unmapOfUnmappedPages());
  }

  @Test
  void aHiddenTableIsSeenByTheNextMapAndUnmapInTheSameBlock() {
    // 4 KiB maps and unmaps in one 2 MiB block skip the upper levels; hiding the block's table
    // (setTablePermission 0 on its level-2 pointer) must end that at once
    IoPageTable table = new IoPageTable(48);
    table.map(0x20_0000L, SIZE_4K, 0x1000, RW, SIZE_4K);
    table.map(0x20_1000L, SIZE_4K, 0x2000, RW, SIZE_4K);
    table.unmap(0x20_0000L, SIZE_4K);
    assertEquals(1, table.pagesUnmapped());
    table.setTablePermission(0x20_0000L, 2, 0);
    // the walk stops at the hidden pointer: the page at 0x201000 is no longer reachable
    table.unmap(0x20_1000L, SIZE_4K);
    assertEquals(1, table.pagesUnmapped());
    assertEquals(1, table.unmapOfUnmappedPages());
    assertEquals(4, table.tables());
    // a map through the hidden pointer installs a fresh level-1 table (Linux's pfn_to_dma_pte)
    table.map(0x20_2000L, SIZE_4K, 0x3000, RW, SIZE_4K);
    assertEquals(5, table.tables());
    assertEquals(WalkResult.OK, table.walk(0x20_2000L, out));
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x20_1000L, out), "the old table is detached");
    table.unmap(0x20_2000L, SIZE_4K);
    assertEquals(2, table.pagesUnmapped());
  }

  @Test
  void aSuperpageOverTheBlockIsSeenByTheNextSmallUnmap() {
    IoPageTable table = new IoPageTable(48);
    table.map(0x40_0000L, SIZE_4K, 0x1000, RW, SIZE_4K);
    table.unmap(0x40_1000L, SIZE_4K); // nothing there: counted, and the block's table is remembered
    assertEquals(1, table.unmapOfUnmappedPages());
    table.map(0x40_0000L, SIZE_2M, 0x20_0000L, RW, SIZE_2M); // replaces the level-1 table
    table.unmap(0x40_1000L, SIZE_4K); // removes the whole 2 MiB leaf
    assertEquals(512, table.pagesUnmapped());
    assertEquals(1, table.superpageUnmapsBeyondRange());
    assertEquals(WalkResult.NOT_PRESENT, table.walk(0x40_0000L, out));
  }

  @Test
  void stampsAreFreshPerLeafWrite() {
    IoPageTable table = new IoPageTable(48);
    assertEquals(0, table.lastStamp());
    table.map(0, 3 * SIZE_4K, 0, RW, SIZE_4K); // stamps 1, 2, 3
    assertEquals(1, stampAt(table, 0));
    assertEquals(2, stampAt(table, 0x1000));
    assertEquals(3, stampAt(table, 0x2000));
    // Rewriting page 1 (even identically) → 4; the others keep theirs.
    table.map(0x1000, SIZE_4K, 0x1000, RW, SIZE_4K);
    assertEquals(4, stampAt(table, 0x1000));
    assertEquals(1, stampAt(table, 0));
    // Unmap clears the stamp; the level-1 entry reads 0.
    table.unmap(0x2000, SIZE_4K);
    table.walk(0x2000, out);
    assertEquals(0, out.stamp());
    assertEquals(0, table.stamp(out.table(), out.index()));

    // 2 MiB leaf → 5; splitting it writes 512 leaves → 6..517 (index order); page 3 then → 518.
    table.map(SIZE_2M, SIZE_2M, 0, R, SIZE_2M);
    assertEquals(5, stampAt(table, SIZE_2M));
    table.map(SIZE_2M + 0x3000, SIZE_4K, 0, RW, SIZE_4K);
    assertEquals(6, stampAt(table, SIZE_2M));
    assertEquals(8, stampAt(table, SIZE_2M + 0x2000));
    assertEquals(517, stampAt(table, 2 * SIZE_2M - SIZE_4K));
    assertEquals(518, stampAt(table, SIZE_2M + 0x3000));
    assertEquals(518, table.lastStamp());
    // The former leaf entry (level-2 index 1) is now a table pointer: stamp 0.
    int level3 = IoPageTable.nextTable(table.entry(table.rootTable(), 0));
    int level2 = IoPageTable.nextTable(table.entry(level3, 0));
    assertFalse(IoPageTable.isLeaf(table.entry(level2, 1), 2));
    assertEquals(0, table.stamp(level2, 1));

    // Stamps are per object.
    IoPageTable other = new IoPageTable(48);
    other.map(0, SIZE_4K, 0, RW, SIZE_4K);
    assertEquals(1, stampAt(other, 0));
  }

  private long stampAt(IoPageTable table, long iova) {
    assertEquals(WalkResult.OK, table.walk(iova, out), () -> "walk 0x" + Long.toHexString(iova));
    assertEquals(out.stamp(), table.stamp(out.table(), out.index()));
    return out.stamp();
  }

  @Test
  void invalidMapsAndUnmapsAreRejectedWithoutSideEffects() {
    IoPageTable table = new IoPageTable(48);
    // Misaligned iova, size, phys for 4 KiB.
    assertThrows(IllegalArgumentException.class, () -> table.map(0x800, SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, 0x1800, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, 0x10, RW, SIZE_4K));
    // 4 KiB-aligned but not 2 MiB / 1 GiB aligned.
    assertThrows(IllegalArgumentException.class, () -> table.map(SIZE_4K, SIZE_2M, 0, RW, SIZE_2M));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, 0, RW, SIZE_2M));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_2M, SIZE_2M, RW, SIZE_1G));
    // Zero / negative sizes, bad page size, bad perm.
    assertThrows(IllegalArgumentException.class, () -> table.map(0, 0, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, -SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, 8192, 0, RW, 8192));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, 0, 0, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, 0, 4, SIZE_4K));
    // Beyond the address width (also via overflow) or the 52-bit physical field.
    assertThrows(IllegalArgumentException.class, () -> table.map(1L << 48, SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class,
        () -> table.map((1L << 48) - SIZE_4K, 2 * SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class,
        () -> table.map(SIZE_4K, Long.MAX_VALUE & -SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(-SIZE_4K, SIZE_4K, 0, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, 1L << 52, RW, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.map(0, SIZE_4K, -SIZE_4K, RW, SIZE_4K));
    // Unmap: 4 KiB alignment, positive size, in width.
    assertThrows(IllegalArgumentException.class, () -> table.unmap(0x800, SIZE_4K));
    assertThrows(IllegalArgumentException.class, () -> table.unmap(0, 0x800));
    assertThrows(IllegalArgumentException.class, () -> table.unmap(0, 0));
    assertThrows(IllegalArgumentException.class, () -> table.unmap(1L << 48, SIZE_4K));

    assertEquals(1, table.tables());
    assertEquals(0, table.pagesMapped());
    assertEquals(0, table.unmapOfUnmappedPages());
    assertEquals(0, table.lastStamp());

    // The largest legal map: the last 4 KiB page and phys 2^52 − 4 KiB.
    table.map((1L << 48) - SIZE_4K, SIZE_4K, (1L << 52) - SIZE_4K, RW, SIZE_4K);
    table.walk((1L << 48) - 1, out);
    assertEquals((1L << 52) - 1, out.physAddress());
  }

  @Test
  void tablePoolGrows() {
    IoPageTable table = new IoPageTable(48);
    // One 4 KiB page in each of 40 distinct GiBs under level-4 entry 0:
    // root + one level-3 table + 40 level-2 + 40 level-1 = 82 tables (pool starts at 16).
    for (int gib = 0; gib < 40; gib++) {
      table.map(gib * SIZE_1G, SIZE_4K, gib * SIZE_4K, RW, SIZE_4K);
    }
    assertEquals(82, table.tables());
    for (int gib = 0; gib < 40; gib++) {
      table.walk(gib * SIZE_1G + 1, out);
      assertEquals(gib * SIZE_4K + 1, out.physAddress());
    }
    // A 4 KiB run crossing level-1 table boundaries: 1026 pages from 2 MiB − 4 KiB = 1 page of 2 MiB
    // region 0, 512 of region 1, 512 of region 2, 1 of region 3 → 4 level-1 tables.
    IoPageTable run = new IoPageTable(39);
    run.map(SIZE_2M - SIZE_4K, 1026 * SIZE_4K, 0, RW, SIZE_4K);
    assertEquals(1 + 1 + 4, run.tables()); // root (level 3), one level-2, four level-1
    run.walk(SIZE_2M - SIZE_4K + 1024 * SIZE_4K, out);
    assertEquals(1024 * SIZE_4K, out.physAddress());
  }
}
