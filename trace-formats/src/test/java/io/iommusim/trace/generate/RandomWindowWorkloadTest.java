package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomWindowWorkloadTest {
  private static List<TraceEvent> run(Map<String, String> options, long events) throws IOException {
    return CollectingSink.run(Workloads.create("random-window", options), events, 99);
  }

  @Test
  void defaultsMapSixtyFourMibOfFourKibPagesAtFourGibThenReadSixtyFourBytes() throws IOException {
    List<TraceEvent> ev = run(Map.of(), 10_002);
    assertEquals(EventKind.ATTACH, ev.get(0).kind);
    assertEquals(Sid.of(0, 1, 0, 0), ev.get(0).sid);
    assertEquals(1, ev.get(0).domain);
    TraceEvent map = ev.get(1);
    assertEquals(EventKind.MAP, map.kind);
    assertEquals(0x1_0000_0000L, map.addr);
    assertEquals(64L << 20, map.size);
    assertEquals(4096, map.pageSize);
    assertEquals(0, map.phys % (1L << 30), "phys aligned for any leaf size");
    for (int i = 2; i < ev.size(); i++) {
      TraceEvent d = ev.get(i);
      assertEquals(EventKind.DMA_READ, d.kind);
      assertEquals(64, d.size);
      assertEquals(100L * (i - 1), d.tsNs, "constant issue rate");
      assertTrue(d.addr >= 0x1_0000_0000L && d.addr + 64 <= 0x1_0000_0000L + (64L << 20), "inside the window: " + d);
      assertEquals(0, d.addr % 64, "aligned to the transfer");
    }
  }

  @Test
  void hugePagesWritesAndEveryPageOfASmallWindowGetsHit() throws IOException {
    // 8 MiB of 2 MiB pages = 4 pages; 4 KiB transfers; 20 000 uniform DMAs hit each page ~5000 times
    List<TraceEvent> ev = run(Map.of("window", "8MiB", "page_size", "2MiB", "transfer", "4KiB", "access", "write",
        "gap_ns", "7", "base", "0x40000000"), 20_002);
    assertEquals(2L << 20, ev.get(1).pageSize);
    assertEquals(0x4000_0000L, ev.get(1).addr);
    assertEquals(1, ev.stream().filter(e -> e.kind == EventKind.MAP).count(), "one contiguous range, one map");
    long[] perPage = new long[4];
    for (TraceEvent d : ev.subList(2, ev.size())) {
      assertEquals(EventKind.DMA_WRITE, d.kind);
      assertEquals(4096, d.size);
      long offset = d.addr - 0x4000_0000L;
      assertTrue(offset >= 0 && offset < (8L << 20));
      assertEquals(offset / (2L << 20), (offset + 4095) / (2L << 20), "never crosses a page");
      perPage[(int) (offset >> 21)]++;
    }
    for (long n : perPage) {
      assertTrue(n > 4500 && n < 5500, "uniform over pages: " + n);
    }
    assertEquals(7L * 20_000, ev.get(ev.size() - 1).tsNs);
  }

  @Test
  void mixedAccessIssuesBothKindsAboutEqually() throws IOException {
    List<TraceEvent> ev = run(Map.of("access", "mixed", "window", "1MiB"), 10_002);
    long writes = ev.stream().filter(e -> e.kind == EventKind.DMA_WRITE).count();
    long reads = ev.stream().filter(e -> e.kind == EventKind.DMA_READ).count();
    assertEquals(10_000, reads + writes);
    // binomial(10000, 1/2): 5 standard deviations = 250
    assertTrue(Math.abs(writes - 5000) < 250, "writes " + writes);
  }
}
