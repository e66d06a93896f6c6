package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IovaAllocatorTest {
  @Test
  void carvesTopDownBelowFourGibAlignedToThePowerOfTwoSize() {
    IovaAllocator a = new IovaAllocator();
    assertEquals(0xFFFF_F000L, a.allocate(1500));
    assertEquals(0xFFFF_E000L, a.allocate(4096));
    // 3 pages round up to 4 (16 KiB) and align to 16 KiB: (0xFFFFE000 − 0x4000) rounded down = 0xFFFF8000
    assertEquals(0xFFFF_8000L, a.allocate(3 * 4096));
    assertEquals(4 * 4096, IovaAllocator.allocationSize(3 * 4096));
    // 33 pages are not rounded (Linux rounds only below 32 pages) and are only page aligned
    assertEquals(33 * 4096, IovaAllocator.allocationSize(33 * 4096));
  }

  @Test
  void reusesFreedIovasLastInFirstOutPerSize() {
    IovaAllocator a = new IovaAllocator();
    long x = a.allocate(4096);
    long y = a.allocate(4096);
    long big = a.allocate(8192);
    a.free(x, 4096);
    a.free(big, 8192);
    a.free(y, 4096);
    assertEquals(y, a.allocate(100));
    assertEquals(x, a.allocate(4096));
    assertEquals(big, a.allocate(5000));
    assertEquals(0xFFFF_B000L, a.allocate(4096), "nothing left to reuse: carve below 0xFFFFC000");
  }

  @Test
  void skipsTheMsiWindow() {
    IovaAllocator a = new IovaAllocator();
    assertEquals(0xFF00_0000L, a.allocate(16L << 20));
    assertEquals(0xFEF0_0000L, a.allocate(1L << 20), "ends exactly where the MSI window ends");
    assertEquals(0xFEDF_F000L, a.allocate(4096), "the next page would be 0xFEEFF000, inside 0xFEE00000–0xFEEFFFFF");
  }
}
