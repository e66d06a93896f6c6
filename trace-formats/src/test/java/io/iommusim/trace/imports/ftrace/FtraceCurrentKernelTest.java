package io.iommusim.trace.imports.ftrace;

import static io.iommusim.trace.imports.ImportTestSupport.R;
import static io.iommusim.trace.imports.ImportTestSupport.RW;
import static io.iommusim.trace.imports.ImportTestSupport.W;
import static io.iommusim.trace.imports.ImportTestSupport.attach;
import static io.iommusim.trace.imports.ImportTestSupport.fault;
import static io.iommusim.trace.imports.ImportTestSupport.map;
import static io.iommusim.trace.imports.ImportTestSupport.resource;
import static io.iommusim.trace.imports.ImportTestSupport.unmap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A /sys/kernel/tracing/trace capture of a current kernel (6.12: dma:* events, 5-column latency flags,
 * iommu:map/unmap with the range end): every pairing order of iommu:* and dma:* events, scatter-gather
 * lists, the header's overwrite count, a lost-events marker, an unrelated event and a page fault.
 */
class FtraceCurrentKernelTest {
  private static final String DEV = "c2:00.0";

  private static ImportTestSupport.Result run(Map<String, String> options) {
    return ImportTestSupport.run(new FtraceImporter(), resource(FtraceCurrentKernelTest.class, "trace-6.12.txt"),
        options);
  }

  @Test
  void events() {
    assertEquals(List.of(
        // attach_device_to_domain: no domain printed; group 7 is the first inferred domain, 1
        attach(1_000_200_000L, DEV, 1, -1),
        // dma_map_page claims the iommu:map before it: that page's exact phys, the iommu:map's time, TO_DEVICE = r
        map(327_747_700_000L, 1, 0xfe980000L, 0x123456000L, 4096, R),
        // dma_alloc (no dir= in 6.12): coherent, read-write, 512 KiB at the iommu:map's phys
        map(327_747_800_000L, 1, 0xfe900000L, 0x200000000L, 0x80000, RW),
        // dma_unmap_page claims the iommu:unmap before it; the page range of [fe980800, +1500)
        unmap(327_750_000_000L, 1, 0xfe980000L, 4096),
        // dma_free comes before its iommu:unmap, which is then claimed by it
        unmap(327_760_000_000L, 1, 0xfe900000L, 0x80000),
        // dma_map_sg (FROM_DEVICE = w): the three iommu:map pieces tile [ff000000, ff004000)
        map(400_000_001_000L, 1, 0xff000000L, 0x300000000L, 0x2000, W),
        map(400_000_002_000L, 1, 0xff002000L, 0x300005000L, 0x1000, W),
        map(400_000_003_000L, 1, 0xff003000L, 0x400000000L, 0x1000, W),
        // dma_unmap_sg prints only phys: the list mapped at 400.000004, one unmap per DMA entry
        unmap(400_100_000_000L, 1, 0xff000000L, 0x3000),
        unmap(400_100_000_000L, 1, 0xff003000L, 0x1000),
        // flags 0x0001 = IOMMU_FAULT_WRITE; no reason code, vendor unknown
        fault(402_000_000_000L, 0, DEV, -1, 0xff000000L, W, -1, null)), run(Map.of()).lines());
  }

  @Test
  void report() {
    ImportReport r = run(Map.of()).report();
    assertEquals(32, r.lines());
    assertEquals(16, r.eventLines());
    assertEquals(16, r.ignoredLines());
    assertEquals(0, r.unparsedLines());
    assertEquals(12, r.ignoredCount(FtraceParser.HEADER));
    assertEquals(1, r.ignoredCount(FtraceParser.GROUP_NOTED));
    assertEquals(1, r.ignoredCount(FtraceParser.LOST_MARKER));
    assertEquals(1, r.ignoredCount(Bodies.SYNC));
    assertArrayEquals(new long[] {31}, r.ignored().get(FtraceParser.OTHER_EVENT + "sched_switch").lines());
    assertEquals(17, r.note(FtraceParser.NOTE_LOST).amount());
    assertEquals(6, r.note(FtraceParser.NOTE_OVERWRITTEN).amount());
    assertEquals(8, r.note(FtraceParser.NOTE_PAIRED).count());
    assertArrayEquals(new long[] {15, 17, 19, 22, 24, 25, 26, 29}, r.note(FtraceParser.NOTE_PAIRED).lines());
    assertEquals(List.of("group 7 -> domain 1"), r.note(Devices.NOTE_INFERRED).details());
    assertEquals(1, r.note(FtraceParser.NOTE_ALLOC_NO_DIR).count());
  }

  @Test
  void faultVendorAndDomainsFromOptions() {
    ImportTestSupport.Result r = ImportTestSupport.run(new FtraceImporter(),
        resource(FtraceCurrentKernelTest.class, "trace-6.12.txt"),
        Map.of("fault-vendor", "amdvi", "domains", "x"), false, false,
        Map.of("domains", "# the NIC\n0000:c2:00.0 0x2a unit=1\n"));
    List<String> lines = r.lines();
    assertEquals(attach(1_000_200_000L, 1, DEV, 42, -1), lines.get(0));
    assertEquals(ImportTestSupport.map(327_747_700_000L, 1, 42, 0xfe980000L, 0x123456000L, 4096, R, 4096),
        lines.get(1));
    assertEquals(fault(402_000_000_000L, 1, DEV, -1, 0xff000000L, W, -1, "amdvi"), lines.get(10));
    assertEquals(null, r.report().note(Devices.NOTE_INFERRED));
  }

  @Test
  void largePagesWhenAsked() {
    // the 512 KiB allocation at IOVA fe900000 / phys 200000000 is not 2 MiB: 4 KiB pages still
    ImportTestSupport.Result r = run(Map.of("page-sizes", "4k+2m"));
    assertEquals(map(327_747_800_000L, 1, 0xfe900000L, 0x200000000L, 0x80000, RW), r.lines().get(2));
  }
}
