package io.iommusim.trace.imports;

import static io.iommusim.trace.imports.ImportTestSupport.R;
import static io.iommusim.trace.imports.ImportTestSupport.RW;
import static io.iommusim.trace.imports.ImportTestSupport.attach;
import static io.iommusim.trace.imports.ImportTestSupport.dma;
import static io.iommusim.trace.imports.ImportTestSupport.map;
import static io.iommusim.trace.imports.ImportTestSupport.unmap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.TraceEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The line framework's accounting, wrapped-line joining, strict mode, deferral and seq, on a toy format. */
class LineImportFrameworkTest {
  private static final ToyImporter TOY = new ToyImporter();

  @Test
  void everyLineIsAccountedForOnce() {
    String in = String.join("\n",
        "# a comment",                       // 1 ignored
        "",                                  // 2 ignored blank
        "map 100 01:00.0 1 0x1000 4096 rw",  // 3 events
        "garbage here",                      // 4 unparsed
        "   ",                               // 5 ignored blank
        "unmap 200 1 0x1000 4096",           // 6 events
        "unmap 300 1 zz 4096",               // 7 unparsed (not a number)
        "map 400 01:00.0 1 0x2000 4096");    // 8 unparsed (field count), last line without newline
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, in, Map.of());
    assertEquals(List.of(map(100, 1, 0x1000, 0x1000, 4096, RW), unmap(200, 1, 0x1000, 4096)), r.lines());
    ImportReport rep = r.report();
    assertEquals(8, rep.lines());
    assertEquals(2, rep.eventLines());
    assertEquals(3, rep.ignoredLines());
    assertEquals(3, rep.unparsedLines());
    assertEquals(1, rep.ignoredCount("comment"));
    assertEquals(2, rep.ignoredCount(LineInputParser.BLANK));
    assertArrayEquals(new long[] {2, 5}, rep.ignored().get(LineInputParser.BLANK).lines());
    assertEquals(1, rep.unparsedCount("not a toy line"));
    assertEquals(1, rep.unparsedCount("unmap: not a number"));
    assertEquals(1, rep.unparsedCount("map: wrong field count"));
    assertEquals(1, rep.events(EventKind.MAP));
    assertEquals(1, rep.events(EventKind.UNMAP));
    assertEquals(List.of("4\tnot a toy line\tgarbage here", "7\tunmap: not a number\tunmap 300 1 zz 4096",
        "8\tmap: wrong field count\tmap 400 01:00.0 1 0x2000 4096"), r.rejects());
  }

  @Test
  void seqIsThePositionInTheStream() {
    ImportTestSupport.Result r = ImportTestSupport.run(TOY,
        "map 5 01:00.0 1 0x1000 4096 rw\nunmap 5 1 0x1000 4096\nmap 5 01:00.0 1 0x1000 4096 r\n", Map.of());
    assertEquals(List.of(0L, 1L, 2L), r.events().stream().map(e -> e.seq).toList());
  }

  @Test
  void wrappedLinesAreJoinedWithOrWithoutASpace() {
    String in = String.join("\n",
        "map 10 01:00.0 1 0x1000",      // broken at a space
        "4096 rw",
        "> map 20 01:00.0 1 0x20",      // quoted, broken inside a number
        "> 00 4096 r",
        "map 30 01:00.0 1 0x3000",      // broken over three lines
        "4096",
        "rw",
        "map 40 01:00.0 1",             // cut off: the next line starts a record
        "unmap 50 1 0x1000 4096");
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, in, Map.of());
    assertEquals(List.of(
        map(10, 1, 0x1000, 0x1000, 4096, RW),
        map(20, 1, 0x2000, 0x2000, 4096, R),
        map(30, 1, 0x3000, 0x3000, 4096, RW),
        unmap(50, 1, 0x1000, 4096)), r.lines());
    ImportReport rep = r.report();
    assertEquals(9, rep.lines());
    assertEquals(8, rep.eventLines());
    assertEquals(1, rep.unparsedLines());
    assertArrayEquals(new long[] {8}, rep.unparsed().get("map: wrong field count").lines());
    ImportReport.Tally joined = rep.note(LineInputParser.NOTE_REJOINED);
    assertEquals(3, joined.count());
    assertEquals(7, joined.amount(), "2 + 2 + 3 physical lines");
    assertArrayEquals(new long[] {1, 3, 5}, joined.lines());
    assertEquals(2, rep.note(LineInputParser.NOTE_QUOTED).count());
  }

  @Test
  void aLineThatCannotBeJoinedStaysUnparsedAndTheNextIsReadOnItsOwn() {
    // "garbage" is held; "4096 rw" could continue it but the join does not decode either
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, "garbage\n4096 rw\n# c\n", Map.of());
    assertEquals(List.of(), r.lines());
    assertEquals(2, r.report().unparsedCount("not a toy line"), "both lines, with the first line's reason");
    assertEquals(List.of("1\tnot a toy line\tgarbage", "2\tnot a toy line\t4096 rw"), r.rejects());
    assertEquals(1, r.report().ignoredCount("comment"));
  }

  @Test
  void deferredLinesAreSettledLaterOrAtTheEnd() {
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, "begin 7\n# x\nend 9\nbegin 11\n", Map.of());
    assertEquals(List.of(attach(7, "01:00.0", 1, -1)), r.lines());
    ImportReport rep = r.report();
    assertEquals(4, rep.lines());
    assertEquals(2, rep.eventLines());
    assertEquals(1, rep.ignoredLines());
    assertArrayEquals(new long[] {4}, rep.unparsed().get("begin without end").lines());
  }

  @Test
  void strictStopsAtTheFirstUnparsedLineWithFileLineAndText() {
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ImportTestSupport.run(TOY,
        "map 1 01:00.0 1 0x1000 4096 rw\nmap 2 bad\n# c\n", Map.of(), true, false, Map.of()));
    assertEquals("in.txt", e.file());
    assertEquals(2, e.line());
    assertEquals("map 2 bad", e.text());
    assertTrue(e.getMessage().startsWith("in.txt:2: cannot import this toy line (map: wrong field count)"),
        e.getMessage());
  }

  @Test
  void optionsAreCheckedAndTyped() {
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, "map 1 01:00.0 1 0x1000 4096 rw\n",
        Map.of("domain-offset", "10"));
    assertEquals(List.of(map(1, 11, 0x1000, 0x1000, 4096, RW)), r.lines());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ImportTestSupport.run(TOY, "", Map.of("nope", "1")));
    assertEquals("format 'toy': unknown option 'nope'; valid options: domain-offset, access.chunk, access.passes",
        unknown.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ImportTestSupport.run(TOY, "", Map.of("domain-offset", "x")));
    assertEquals("format 'toy': option 'domain-offset': expected an integer in 0..1000, got 'x'", bad.getMessage());
  }

  @Test
  void anOverlongLineIsUnparsedWithoutHoldingItAll() {
    String longLine = "x".repeat(LineReader.MAX_LINE_CHARS + 10);
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, longLine + "\nmap 1 01:00.0 1 0x1000 4096 rw\n", Map.of());
    assertEquals(1, r.report().unparsedCount(LineInputParser.TOO_LONG));
    assertEquals(1, r.events().size());
  }

  @Test
  void gzipInputIsDecompressed() throws Exception {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(b)) {
      z.write("map 1 01:00.0 1 0x1000 4096 rw\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Sniff s = Sniff.of("x.gz", new java.io.ByteArrayInputStream(b.toByteArray()));
    assertEquals(List.of("map 1 01:00.0 1 0x1000 4096 rw"), s.lines());
    assertEquals(55, TOY.detect(s));
  }

  @Test
  void synthesizedAccessesSpreadEvenlyInsideTheLifetimeBeforeTheUnmap() {
    // rw buffer of 2 pages: one read sweep then one write sweep, 4 accesses in (1000, 6000)
    ImportTestSupport.Result r = ImportTestSupport.run(TOY,
        "map 1000 01:00.0 1 0x1000 0x2000 rw\nunmap 6000 1 0x1000 0x2000\n", Map.of(), false, true, Map.of());
    assertEquals(List.of(
        map(1000, 1, 0x1000, 0x1000, 0x2000, RW),
        dma(2000, false, "01:00.0", 0x1000, 4096),
        dma(3000, false, "01:00.0", 0x2000, 4096),
        dma(4000, true, "01:00.0", 0x1000, 4096),
        dma(5000, true, "01:00.0", 0x2000, 4096),
        unmap(6000, 1, 0x1000, 0x2000)), r.lines());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), r.events().stream().map(e -> e.seq).toList());
    assertEquals(2, r.report().events(EventKind.DMA_READ));
  }

  @Test
  void accessesCoverTheBufferNotTheRoundedPages() {
    // buffer 0x1800..0x2800 (read-only): chunks [0x1800,0x2000) and [0x2000,0x2800); lifetime 0..30 -> 10, 20
    ImportTestSupport.Result r = ImportTestSupport.run(TOY,
        "map 0 01:00.0 1 0x1800 0x1000 r\nunmap 30 1 0x1000 0x2000\n", Map.of(), false, true, Map.of());
    assertEquals(List.of(
        map(0, 1, 0x1000, 0x1000, 0x2000, R),
        dma(10, false, "01:00.0", 0x1800, 0x800),
        dma(20, false, "01:00.0", 0x2000, 0x800),
        unmap(30, 1, 0x1000, 0x2000)), r.lines());
  }

  @Test
  void synthesisKnobsChunkAndPasses() {
    // chunk 0: one access per sweep; 2 passes of a write-only buffer -> 2 writes at 100/3 and 200/3
    ImportTestSupport.Result r = ImportTestSupport.run(TOY,
        "map 0 01:00.0 1 0x1000 0x3000 w\nunmap 100 1 0x1000 0x3000\n",
        Map.of("access.chunk", "0", "access.passes", "2"), false, true, Map.of());
    assertEquals(List.of(
        map(0, 1, 0x1000, 0x1000, 0x3000, ImportTestSupport.W),
        dma(33, true, "01:00.0", 0x1000, 0x3000),
        dma(66, true, "01:00.0", 0x1000, 0x3000),
        unmap(100, 1, 0x1000, 0x3000)), r.lines());
    assertThrows(IllegalArgumentException.class, () -> ImportTestSupport.run(TOY, "",
        Map.of("access.chunk", "3000"), false, true, Map.of()));
  }

  @Test
  void mappingsAliveAtTheEndLastUntilTheLatestTimestampAndAMapOverOneEndsIt() {
    String in = String.join("\n",
        "map 0 01:00.0 1 0x1000 4096 r",     // ended at 40 by the map over it: access at 20
        "map 40 02:00.0 1 0x1000 4096 w",    // alive at the end (last ts 100): access at 70
        "map 100 01:00.0 2 0x5000 4096 rw"); // alive, lifetime 0: read and write at 100
    ImportTestSupport.Result r = ImportTestSupport.run(TOY, in, Map.of(), false, true, Map.of());
    assertEquals(List.of(
        map(0, 1, 0x1000, 0x1000, 4096, R),
        dma(20, false, "01:00.0", 0x1000, 4096),
        map(40, 1, 0x1000, 0x1000, 4096, ImportTestSupport.W),
        map(100, 2, 0x5000, 0x5000, 4096, RW),
        dma(70, true, "02:00.0", 0x1000, 4096),
        dma(100, false, "01:00.0", 0x5000, 4096),
        dma(100, true, "01:00.0", 0x5000, 4096)), r.lines());
    assertEquals(2, r.report().note(AccessSynthesizer.NOTE_UNTIL_END).count());
  }

  @Test
  void offsetDoesNotOverflow() {
    assertEquals(Long.MAX_VALUE / 3 * 2, AccessSynthesizer.Burst.offset(2, Long.MAX_VALUE / 3 * 3, 3));
    assertEquals(5, AccessSynthesizer.Burst.offset(1, 10, 2));
    TraceEvent unused = new TraceEvent();
    assertEquals(-1, unused.sid);
  }
}
