package io.iommusim.trace.imports.debugfs;

import static io.iommusim.trace.imports.text.Expect.K4;
import static io.iommusim.trace.imports.text.Expect.M2;
import static io.iommusim.trace.imports.text.Expect.RW;
import static io.iommusim.trace.imports.text.Expect.attach;
import static io.iommusim.trace.imports.text.Expect.fixture;
import static io.iommusim.trace.imports.text.Expect.irte;
import static io.iommusim.trace.imports.text.Expect.map;
import static io.iommusim.trace.imports.text.Expect.render;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A dump pasted into a mail reply: quoted, wrapped at a space and inside numbers, the PASID columns of
 * a row pushed to their own line, hex without 0x, CRLF, regset and invalidation-queue sections, shell
 * and file-name lines, and interleaved junk. Every line is accounted for; the events are hand-worked.
 */
class IntelDebugfsMessyInputTest {
  private static final IntelDebugfsImporter IMPORTER = new IntelDebugfsImporter();

  @Test
  void everyLineEndsUpAsEventsOrInTheReport() {
    String text = fixture(getClass(), "messy.txt");
    ImportTestSupport.Result r = ImportTestSupport.run(IMPORTER, text, Map.of());
    assertEquals(List.of(
        attach(0, 0, "00:02.0", 1),             // lines 9-10: the PASID columns on their own line
        attach(0, 0, "00:03.0", 2),             // lines 11-12: cut inside the context entry's low word
        attach(0, 0, "00:04.0", 4),             // line 13: hex without 0x
        map(0, 0, 1, 0x1000, 0x200001000L, 0x2000, RW, K4), // lines 21-22 re-joined, 23 without 0x
        map(0, 0, 1, 0x400000, 0x300200000L, M2, RW, M2),    // line 25 (CRLF)
        map(0, 0, 2, 0x10000, 0x600010000L, K4, RW, K4),     // line 28: 00:03.0's table, DID 2
        irte(0, 0, 0, 0x0000010000220001L, 0x40010),
        irte(0, 0, 2, 0x0000010000240001L, 0x40018)),        // lines 42-43 re-joined
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(44, rep.lines());
    assertEquals(13, rep.eventLines());
    assertEquals(23, rep.ignoredLines());
    assertEquals(8, rep.unparsedLines());
    assertArrayEquals(new long[] {1, 2, 4, 15}, rep.unparsed().get(DebugfsDecoder.NOT_DEBUGFS).lines());
    assertArrayEquals(new long[] {14}, rep.unparsed().get(DebugfsParser.CONTEXT_NOT_PRESENT).lines());
    assertArrayEquals(new long[] {24}, rep.unparsed().get(DebugfsDecoder.ROW_NO_PS).lines());
    assertArrayEquals(new long[] {41}, rep.unparsed().get(DebugfsParser.IRTE_INCONSISTENT).lines());
    assertArrayEquals(new long[] {44}, rep.unparsed().get(DebugfsParser.ROW_OUTSIDE).lines());
    assertEquals(1, rep.ignoredCount(DebugfsDecoder.BASE_ADDRESS));
    assertEquals(3, rep.ignoredCount(DebugfsDecoder.REGSET));
    assertEquals(4, rep.ignoredCount(DebugfsDecoder.INVALIDATION_QUEUE));
    assertEquals(1, rep.ignoredCount(DebugfsDecoder.SHELL));
    assertEquals(1, rep.ignoredCount(DebugfsDecoder.FILE_NAME));
    assertEquals(4, rep.ignoredCount(DebugfsDecoder.HEADER)); // lines 8, 19, 20 (a wrapped header), 39
    assertEquals(3, rep.note("wrapped lines re-joined").count());
    assertEquals(8, r.rejects().size());
    // the rejects file has the line as parsed: without the mail quote marker
    assertEquals("41\t" + DebugfsParser.IRTE_INCONSISTENT + "\t" + text.split("\n")[40].substring(2),
        r.rejects().get(6));
  }

  @Test
  void invalidationLatencyStatisticsAreRecognised() {
    String perf = String.join("\n",
        "IOMMU: dmar0 Register Base Address: fed90000",
        "                  <0.1us   0.1us-1us    1us-10us  10us-100us   100us-1ms    1ms-10ms      >=10ms"
            + "     min(us)     max(us) average(us)",
        "   inv_iotlb           0          12         340           5           0           0           0"
            + "           0          23           2",
        "     inv_iec           0           3           1           0           0           0           0"
            + "           0           4           1",
        "");
    ImportReport rep = ImportTestSupport.run(IMPORTER, perf, Map.of()).report();
    assertEquals(4, rep.lines());
    assertEquals(3, rep.ignoredCount(DebugfsDecoder.PERF_LATENCY));
    assertEquals(0, rep.unparsedLines());
  }

  @Test
  void strictStopsAtTheFirstUnparsedLine() {
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ImportTestSupport.run(IMPORTER,
        fixture(getClass(), "messy.txt"), Map.of(), true, false, Map.of()));
    assertTrue(e.getMessage().contains("in.txt:1"), e.getMessage());
    assertTrue(e.getMessage().contains(DebugfsDecoder.NOT_DEBUGFS), e.getMessage());
  }
}
