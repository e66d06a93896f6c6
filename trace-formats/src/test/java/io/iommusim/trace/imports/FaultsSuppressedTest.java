package io.iommusim.trace.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The shared API for rate-limited fault messages, and the record noun of binary formats. */
class FaultsSuppressedTest {
  /** A parser that reads one "record", notes a suppression of 37 messages on it, and ends. */
  private static final class OneRecord implements InputParser {
    private boolean done;

    @Override
    public boolean step(ImportOutput out) {
      if (done) {
        return false;
      }
      done = true;
      out.lineRead();
      out.faultsSuppressed(5_000, "vtd", 37, 1, "dmar_fault: 37 callbacks suppressed");
      out.events(SourceLines.of(1, "dmar_fault: 37 callbacks suppressed"));
      return true;
    }

    @Override
    public void finish(ImportOutput out) {}

    @Override
    public void close() {}
  }

  @Test
  void aSuppressionIsARecordWithoutReasonAndANoteWithTheCount() throws IOException {
    ImportOutput out = new ImportOutput("log", "test", 0, false, RejectSink.NONE, null);
    try (ImportedSource s = new ImportedSource(new OneRecord(), out)) {
      TraceEvent e = new TraceEvent();
      assertTrue(s.next(e));
      assertEquals(EventKind.FAULT_OBSERVED, e.kind);
      assertEquals(5_000, e.tsNs);
      assertEquals(TraceEvent.NONE, e.reason);
      assertEquals(37, e.size);
      assertEquals("vtd", e.vendor);
      assertEquals(-1, e.sid);
      assertFalse(s.next(e));
      ImportReport.Tally t = s.report().note(ImportReport.NOTE_SUPPRESSED);
      assertEquals(1, t.count());
      assertEquals(37, t.amount());
      assertArrayEquals(new long[] {1}, t.lines());
    }
  }

  @Test
  void aSuppressionNeedsACount() {
    ImportOutput out = new ImportOutput("log", "test", 0, false, RejectSink.NONE, null);
    assertThrows(IllegalArgumentException.class, () -> out.faultsSuppressed(0, null, 0, 1, null));
  }

  @Test
  void binaryFormatsSpeakOfRecords() {
    ImportOutput out = new ImportOutput("t.trc", "bin", "record", 0, true, RejectSink.NONE, null);
    out.lineRead();
    TraceFormatException e = assertThrows(TraceFormatException.class,
        () -> out.unparsed(SourceLines.of(1, "record 1 at byte 4"), "truncated record"));
    assertEquals("t.trc:1: cannot import this bin record (truncated record); --strict stops at the first "
        + "unparsed record: 'record 1 at byte 4'", e.getMessage());
    ImportReport r = new ImportReport("t.trc", "bin", "record");
    assertTrue(r.render(null).startsWith("input t.trc (format bin)\n  records 0: 0 produced events"), r.render(null));
  }
}
