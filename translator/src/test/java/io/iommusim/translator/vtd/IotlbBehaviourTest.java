package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.IOTLB_EVICTIONS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_FULL_FLUSHES;
import static io.iommusim.translator.stats.DeviceCounter.PAGE_WALKS;
import static io.iommusim.translator.stats.DeviceCounter.WALK_MEMORY_READS;
import static io.iommusim.translator.vtd.Sim.G1;
import static io.iommusim.translator.vtd.Sim.K4;
import static io.iommusim.translator.vtd.Sim.M2;
import static io.iommusim.translator.vtd.Sim.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOTLB hits, misses and replacement, visible through the counters of one-page reads. */
class IotlbBehaviourTest {
  private static final int DEV = 0x0300;
  private static final int DOM = 1;
  // three 4 KiB pages; page numbers 1, 2, 3
  private static final long PA = 0x1000;
  private static final long PB = 0x2000;
  private static final long PC = 0x3000;
  private static final long PD = 0x4000;

  private static Sim sim(String... settings) {
    Sim s = new Sim(settings);
    s.attach(DEV, DOM).map(DOM, 0, 0x100000, RW); // pages 0..255 mapped
    return s;
  }

  private static List<String> run(Sim s, long... pages) {
    List<String> out = new ArrayList<>();
    for (long p : pages) {
      out.add(s.probe(DEV, p));
    }
    return out;
  }

  @Test
  void lruTwoEntries() {
    Sim s = sim("iotlb.entries=2", "iotlb.policy=lru");
    // A miss [A]; B miss [A,B]; A hit → [B,A]; C miss evicts LRU B → [A,C]; A hit → [C,A];
    // B miss evicts C → [A,B]; C miss evicts A → [B,C]; B hit
    assertEquals(List.of("miss", "miss", "hit", "miss", "hit", "miss", "miss", "hit"),
        run(s, PA, PB, PA, PC, PA, PB, PC, PB));
    assertEquals(3, s.dev(DEV, IOTLB_EVICTIONS)); // C, B, C inserts each evicted one
  }

  @Test
  void fifoTwoEntries() {
    Sim s = sim("iotlb.entries=2", "iotlb.policy=fifo");
    // A miss [A]; B miss [A,B]; A hit (no reorder) [A,B]; C miss evicts oldest A → [B,C];
    // A miss evicts B → [C,A]; B miss evicts C → [A,B]; C miss evicts A → [B,C]; B hit
    assertEquals(List.of("miss", "miss", "hit", "miss", "miss", "miss", "miss", "hit"),
        run(s, PA, PB, PA, PC, PA, PB, PC, PB));
    assertEquals(4, s.dev(DEV, IOTLB_EVICTIONS));
  }

  @Test
  void lruThreeEntries() {
    Sim s = sim("iotlb.entries=3", "iotlb.policy=lru");
    // A,B,C miss [A,B,C]; A hit [B,C,A]; D miss evicts B [C,A,D]; C hit [A,D,C];
    // B miss evicts A [D,C,B]; A miss evicts D [C,B,A]
    assertEquals(List.of("miss", "miss", "miss", "hit", "miss", "hit", "miss", "miss"),
        run(s, PA, PB, PC, PA, PD, PC, PB, PA));
  }

  @Test
  void fifoThreeEntries() {
    Sim s = sim("iotlb.entries=3", "iotlb.policy=fifo");
    // A,B,C miss [A,B,C]; A hit; D miss evicts A [B,C,D]; C hit; B hit; A miss evicts B [C,D,A]
    assertEquals(List.of("miss", "miss", "miss", "hit", "miss", "hit", "hit", "miss"),
        run(s, PA, PB, PC, PA, PD, PC, PB, PA));
  }

  @Test
  void lruFourEntriesHoldsFourPages() {
    Sim s = sim("iotlb.entries=4", "iotlb.policy=lru");
    // four pages fit; the fifth (page 5) evicts the LRU one, which is B after A was re-used
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "miss", "miss", "hit"),
        run(s, PA, PB, PC, PD, PA, 0x5000, PB, PA));
    // [A,B,C,D] → A hit [B,C,D,A] → 5 evicts B [C,D,A,5] → B evicts C [D,A,5,B] → A hit
  }

  @Test
  void setAssociativeLowBitsPlacement() {
    // 4 entries, 2 ways → 2 sets; set = page number & 1. Pages 2, 4, 6 share set 0; page 1 is set 1.
    Sim s = sim("iotlb.entries=4", "iotlb.ways=2", "iotlb.policy=lru", "iotlb.index=low-bits");
    // 2 miss set0 [2]; 4 miss set0 [2,4]; 1 miss set1 [1]; 6 miss: set 0 full → evict LRU 2 → [4,6];
    // 1 hit; 4 hit set0 [6,4]; 2 miss evicts 6 → [4,2]; 6 miss evicts 4 → [2,6]
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "hit", "miss", "miss"),
        run(s, 0x2000, 0x4000, 0x1000, 0x6000, 0x1000, 0x4000, 0x2000, 0x6000));
    assertEquals(3, s.dev(DEV, IOTLB_EVICTIONS));

    // the same sequence fully associative: all four pages fit, every re-use hits
    Sim f = sim("iotlb.entries=4", "iotlb.ways=0", "iotlb.policy=lru");
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "hit", "hit", "hit"),
        run(f, 0x2000, 0x4000, 0x1000, 0x6000, 0x1000, 0x4000, 0x2000, 0x6000));
    assertEquals(0, f.dev(DEV, IOTLB_EVICTIONS));
  }

  @Test
  void directMappedCollision() {
    // 4 entries, 1 way → 4 sets, set = page number & 3: pages 1 and 5 collide, page 2 does not
    Sim s = sim("iotlb.entries=4", "iotlb.ways=1");
    assertEquals(List.of("miss", "miss", "miss", "miss", "hit", "miss"),
        run(s, 0x1000, 0x2000, 0x5000, 0x1000, 0x2000, 0x5000));
  }

  @Test
  void twoMegabytePageTakesOneEntry() {
    Sim s = new Sim("iotlb.entries=2");
    s.attach(DEV, DOM).map(DOM, M2, M2, RW, M2); // one 2 MiB leaf at 2 MiB
    s.map(DOM, 0x1000, K4, RW); // and a 4 KiB page
    // 512 reads at every 4 KiB offset of the 2 MiB page: the first misses, the other 511 hit
    for (int i = 0; i < 512; i++) {
      s.read(DEV, M2 + i * K4 + 8, 4);
    }
    assertEquals(1, s.misses(DEV));
    assertEquals(511, s.hits(DEV));
    assertEquals(1, s.dev(DEV, PAGE_WALKS));
    // the 4 KiB page takes the second entry: both stay (2 entries hold 512 + 1 pages)
    assertEquals("miss", s.probe(DEV, 0x1000));
    assertEquals("hit", s.probe(DEV, M2 + 0x1F_F000));
    assertEquals("hit", s.probe(DEV, 0x1000));
    assertEquals(0, s.dev(DEV, IOTLB_EVICTIONS));
    // a 2 MiB leaf in a 4-level table is read at level 2: 3 entries on the cold walk; the 4 KiB
    // page's walk hits the PDPTE cache (filled by the first walk, same 1 GiB region) → 2 reads
    assertEquals(3 + 2, s.dev(DEV, WALK_MEMORY_READS));
  }

  @Test
  void oneGigabytePageTakesOneEntry() {
    Sim s = new Sim("iotlb.entries=1");
    s.attach(DEV, DOM).map(DOM, G1, G1, RW, G1);
    for (int i = 0; i < 16; i++) {
      s.read(DEV, G1 + i * (G1 / 16) + 0x1000, 4); // 16 addresses spread over the 1 GiB page
    }
    assertEquals(1, s.misses(DEV));
    assertEquals(15, s.hits(DEV));
    // a 1 GiB leaf is at level 3: cold walk reads the PML4E and the PDPTE = 2
    assertEquals(2, s.dev(DEV, WALK_MEMORY_READS));
  }

  @Test
  void flushOnFull() {
    Sim s = sim("iotlb.entries=2", "iotlb.policy=flush-on-full");
    // A miss {A}; B miss {A,B}; C miss: full → flush #1 → {C}; A miss {C,A}; B miss: full →
    // flush #2 → {B}; C miss {B,C}; B hit
    assertEquals(List.of("miss", "miss", "miss", "miss", "miss", "miss", "hit"),
        run(s, PA, PB, PC, PA, PB, PC, PB));
    assertEquals(2, s.dev(DEV, IOTLB_FULL_FLUSHES));
    assertEquals(0, s.dev(DEV, IOTLB_EVICTIONS)); // a flush is not an eviction
    // after the flush only what was inserted since is cached: A was flushed at #2
    assertEquals("miss", s.probe(DEV, PA)); // {B,C} full → flush #3 → {A}
    assertEquals(3, s.dev(DEV, IOTLB_FULL_FLUSHES));
  }
}
