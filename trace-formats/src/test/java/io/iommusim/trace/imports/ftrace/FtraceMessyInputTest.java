package io.iommusim.trace.imports.ftrace;

import static io.iommusim.trace.imports.ImportTestSupport.R;
import static io.iommusim.trace.imports.ImportTestSupport.RW;
import static io.iommusim.trace.imports.ImportTestSupport.attach;
import static io.iommusim.trace.imports.ImportTestSupport.map;
import static io.iommusim.trace.imports.ImportTestSupport.resource;
import static io.iommusim.trace.imports.ImportTestSupport.unmap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A capture pasted into a mail: prose around it, quote markers, lines wrapped at a space and inside a
 * token, a signature, old and new kernel formats mixed, hex with and without 0x, a corrupt range, an
 * unknown direction, CRLF. Every line is either in an event or in the report.
 */
class FtraceMessyInputTest {
  private static final String DEV = "c2:00.0";

  private static ImportTestSupport.Result run(boolean strict) {
    return ImportTestSupport.run(new FtraceImporter(), resource(FtraceMessyInputTest.class, "messy-mail.txt"),
        Map.of(), strict, false, Map.of());
  }

  @Test
  void events() {
    assertEquals(List.of(
        // lines 6+7 (wrapped at a space) give the device, never seen before: attached to an inferred domain
        attach(327_747_703_000L, DEV, 1, -1),
        // ... and claim lines 4+5, the iommu:map wrapped before its range end
        map(327_747_700_000L, 1, 0xfe980000L, 0x123456000L, 4096, R),
        // 5.15-era iommu:map without the range end; the dma event writes its hex with 0x
        map(330_000_000_000L, 1, 0xfd000000L, 0x110000000L, 8192, RW),
        // iommu:unmap with hex without 0x, old format
        unmap(330_500_000_000L, 1, 0xfd000000L, 8192),
        // line 16 broken inside the device name: joined without a space
        map(333_000_000_000L, 1, 0xfa000000L, 0x130000000L, 4096, R),
        map(334_000_000_000L, 1, 0xf9000000L, 0x140000000L, 4096, R)), run(false).lines()); // CRLF
  }

  @Test
  void everyLineAccountedFor() {
    ImportTestSupport.Result r = run(false);
    ImportReport rep = r.report();
    assertEquals(18, rep.lines());
    assertEquals(11, rep.eventLines());
    assertEquals(2, rep.ignoredLines());
    assertEquals(5, rep.unparsedLines());
    assertArrayEquals(new long[] {1}, rep.unparsed().get(FtraceParser.NOT_FTRACE).lines());
    // the corrupt map swallows the signature lines after it: they may have been its wrapped rest
    assertArrayEquals(new long[] {12, 13, 14}, rep.unparsed().get("map: range end is not iova + size").lines());
    assertArrayEquals(new long[] {15}, rep.unparsed().get("dma_map_page: unknown dir").lines());
    assertEquals(3, rep.note("wrapped lines re-joined").count());
    assertEquals(6, rep.note("wrapped lines re-joined").amount());
    assertEquals(5, rep.note("mail quote markers (>) removed").count());
    assertEquals(List.of(
        "1\tnot an ftrace event line\tHi all, here is the capture from my box (kernel 6.12 and 5.15 mixed):",
        "12\tmap: range end is not iova + size\t     kworker/1:0-20    [001] ....   331.000000: map: IOMMU: "
            + "iova=0x00000000fc000000 - 0x00000000fc009000 paddr=0x0000000120000000 size=4096",
        "13\tmap: range end is not iova + size\t-- ",
        "14\tmap: range end is not iova + size\tregards",
        "15\tdma_map_page: unknown dir\t     kworker/1:0-20    [001] ....   332.000000: dma_map_page: 0000:c2:00.0 "
            + "dir=SIDEWAYS dma_addr=fb000000 size=4096 phys_addr=1 attrs="), r.rejects());
  }

  @Test
  void strictStopsAtTheProse() {
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> run(true));
    assertEquals(1, e.line());
    assertEquals("in.txt:1: cannot import this ftrace line (not an ftrace event line); --strict stops at the first "
        + "unparsed line: 'Hi all, here is the capture from my box (kernel 6.12 and 5.15 mixed):'", e.getMessage());
  }
}
