package io.iommusim.pipeline.validate;

import static io.iommusim.pipeline.PipelineTestSupport.assertRow;
import static io.iommusim.pipeline.PipelineTestSupport.row;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport;
import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.Failures;
import io.iommusim.pipeline.job.ValidateJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate on a small trace and a hand-written log of observed faults; every expected row is worked
 * out by hand in the comments (README, "Fault validation", has the rules).
 */
class ValidateTest {
  @TempDir
  Path tmp;

  /**
   * Simulated faults (defaults: legacy VT-d, 48-bit, one read-only page 0x1000 in domain 1 of 01:00.0):
   * S1 01:00.0 write page 0x1000 0x05 ×2 (ts 30, 40); S2 01:00.0 read page 0x5000 0x06 (50);
   * S9 01:00.0 write page 0x5000 0x05 (55); S3 02:00.0 read page 0x3000 0x01 (60: nothing on bus 2);
   * S4 01:00.1 read page 0x7000 0x02 (70: not attached); S5, S6 01:00.0 read pages 0x2000, 0x3000 0x06
   * (80: one DMA over two unmapped pages); S7 01:00.0 interrupt IRTE 2 0x22 (90: no IRTE);
   * S8 01:00.0 interrupt 0x25 (95: compatibility format; no index). 10 faults in 9 groups.
   */
  private static final String TRACE = String.join("\n",
      "ts_ns,kind,sid,domain,addr,size,phys,perm,data",
      "0,attach,01:00.0,1,,,,,",
      "10,map,,1,0x1000,4096,0x9000,r,",
      "20,dma_read,01:00.0,,0x1000,64,,,",
      "30,dma_write,01:00.0,,0x1000,64,,,",
      "40,dma_write,01:00.0,,0x1010,8,,,",
      "50,dma_read,01:00.0,,0x5000,8,,,",
      "55,dma_write,01:00.0,,0x5000,8,,,",
      "60,dma_read,02:00.0,,0x3000,4,,,",
      "70,dma_read,01:00.1,,0x7000,4,,,",
      "80,dma_read,01:00.0,,0x2000,0x2000,,,",
      "90,msi,01:00.0,,0xfee00050,,,,0",
      "95,msi,01:00.0,,0xfee01000,,,,0x21",
      "");

  /**
   * Observed: G1 matches S1 (one record for two faults); G2 (AMD-Vi IO_PAGE_FAULT, access unknown)
   * matches S2 and S9; G3 (SMMUv3 C_BAD_STREAMID) matches S3; G4 (VT-d SM 0x59) matches S4; G8
   * matches S7. Missed: G5 (a write 0x05 where the model read: S5), G6 (0x07: no equivalent), G7 (no
   * device), G9 (nothing simulated on 03:00.0). 37 messages suppressed; one attach (not used).
   */
  private static final String OBSERVED = String.join("\n",
      "ts_ns,kind,sid,domain,addr,perm,index,reason,vendor,size",
      "0,attach,01:00.0,1,,,,,,",
      "1000,fault_observed,01:00.0,,0x1000,w,,5,vtd,",
      "1002,fault_observed,01:00.0,,0x5000,rw,,2,amdvi,",
      "1003,fault_observed,02:00.0,,0x3000,r,,2,smmuv3,",
      "1004,fault_observed,01:00.1,,0x7000,r,,0x59,vtd,",
      "1005,fault_observed,01:00.0,,0x2000,w,,5,vtd,",
      "1006,fault_observed,01:00.0,,0x9000,r,,7,vtd,",
      "1007,fault_observed,,,0x4000,r,,0x402,smmuv2,",
      "1008,fault_observed,01:00.0,,,,2,0x22,vtd,",
      "1009,fault_observed,03:00.0,,0xa000,r,,6,,",
      "1010,fault_observed,,,,,,,vtd,37",
      "");

  private static final String SUPPRESSED = "; the observed sources suppressed 37 fault messages, this may be among them";

  @BeforeAll
  static void register() {
    FaultLogToyImporter.register();
  }

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private ValidateJob.Result validate(Path trace, Path observed, Path out) {
    ValidateJob.Request r = new ValidateJob.Request();
    r.trace.inputs = List.of(trace.toString());
    r.trace.out = out.toString();
    r.observed = List.of(observed.toString());
    return new ValidateJob(TestSpark.get()).run(r);
  }

  private static Map<String, Object> matched(int sid, String bdf, String access, long page, int sCode, String sText,
      long sFaults, long sFirst, long sLast, String vendor, int oCode, String oAccess, String equivalent, long oFirst) {
    return row("status", "matched", "sid", sid, "bdf", bdf, "access", access, "page", page, "irte_index", null,
        "simulated_reason_code", sCode, "simulated_reason", sText, "simulated_faults", sFaults,
        "simulated_first_ts_ns", sFirst, "simulated_last_ts_ns", sLast, "observed_vendor", vendor,
        "observed_reason_code", oCode, "observed_access", oAccess, "observed_equivalent", equivalent, "observed_faults", 1L,
        "observed_first_ts_ns", oFirst, "observed_last_ts_ns", oFirst, "observed_lower_bound", true, "detail", null);
  }

  private static Map<String, Object> missed(int sid, String bdf, String access, long page, String vendor, int oCode,
      String equivalent, long ts, String detail) {
    return row("status", "missed", "sid", sid, "bdf", bdf, "access", access, "page", page, "irte_index", null,
        "simulated_reason_code", null, "simulated_reason", null, "simulated_faults", 0L,
        "simulated_first_ts_ns", null, "simulated_last_ts_ns", null, "observed_vendor", vendor,
        "observed_reason_code", oCode, "observed_access", access, "observed_equivalent", equivalent,
        "observed_faults", 1L,
        "observed_first_ts_ns", ts, "observed_last_ts_ns", ts, "observed_lower_bound", true, "detail", detail);
  }

  private static Map<String, Object> unexpected(int sid, String bdf, String access, Long page, Integer irte, int sCode,
      String sText, long ts, String detail) {
    return row("status", "unexpected", "sid", sid, "bdf", bdf, "access", access, "page", page, "irte_index", irte,
        "simulated_reason_code", sCode, "simulated_reason", sText, "simulated_faults", 1L,
        "simulated_first_ts_ns", ts, "simulated_last_ts_ns", ts, "observed_vendor", null,
        "observed_reason_code", null, "observed_access", null, "observed_equivalent", null, "observed_faults", 0L,
        "observed_first_ts_ns", null, "observed_last_ts_ns", null, "observed_lower_bound", true,
        "detail", detail + SUPPRESSED);
  }

  private static final String READ_NOT_SET = "PTE Read access is not set";
  private static final String WRITE_NOT_SET = "PTE Write access is not set";

  @Test
  void faultsAreMatchedMissedOrUnexpectedAsWorkedOut() throws IOException {
    Path out = tmp.resolve("out");
    ValidateJob.Result r = validate(write("t.csv", TRACE), write("obs.csv", OBSERVED), out);

    List<Map<String, Object>> expected = new ArrayList<>(List.of(
        missed(-1, null, "read", 0x4000, "smmuv2", 0x402, "0x06", 1007, "the record names no device"),
        matched(0x100, "01:00.0", "write", 0x1000, 5, WRITE_NOT_SET, 2, 30, 40, "vtd", 5, "write", "0x05", 1000),
        unexpected(0x100, "01:00.0", "read", 0x2000L, null, 6, READ_NOT_SET, 80,
            "observed at this device and page with other reasons or accesses: vtd 0x5 write (1)"),
        missed(0x100, "01:00.0", "write", 0x2000, "vtd", 5, "0x05", 1005,
            "simulated at this device and page with other reasons or accesses: read 0x06 (1)"),
        unexpected(0x100, "01:00.0", "read", 0x3000L, null, 6, READ_NOT_SET, 80,
            "no observed fault at this device and page"),
        matched(0x100, "01:00.0", "read", 0x5000, 6, READ_NOT_SET, 1, 50, 50, "amdvi", 2, "unknown", "0x05|0x06", 1002),
        matched(0x100, "01:00.0", "write", 0x5000, 5, WRITE_NOT_SET, 1, 55, 55, "amdvi", 2, "unknown", "0x05|0x06", 1002),
        missed(0x100, "01:00.0", "read", 0x9000, "vtd", 7, "none", 1006,
            "no equivalent in the model for this vendor code and access"),
        unexpected(0x100, "01:00.0", "interrupt", null, -1, 0x25, "Blocked a compatibility format interrupt request",
            95, "no observed fault at this device and IRTE index"),
        row("status", "matched", "sid", 0x100, "bdf", "01:00.0", "access", "interrupt", "page", null, "irte_index", 2,
            "simulated_reason_code", 0x22, "simulated_reason", "Present field in the IRTE entry is clear",
            "simulated_faults", 1L, "simulated_first_ts_ns", 90L, "simulated_last_ts_ns", 90L,
            "observed_vendor", "vtd", "observed_reason_code", 0x22, "observed_access", "interrupt",
            "observed_equivalent", "0x22",
            "observed_faults", 1L, "observed_first_ts_ns", 1008L, "observed_last_ts_ns", 1008L,
            "observed_lower_bound", true, "detail", null),
        matched(0x101, "01:00.1", "read", 0x7000, 2, "Present bit in context entry is clear", 1, 70, 70, "vtd", 0x59,
            "read", "0x02", 1004),
        matched(0x200, "02:00.0", "read", 0x3000, 1, "Present bit in root entry is clear", 1, 60, 60, "smmuv3", 2,
            "read", "0x01", 1003),
        missed(0x300, "03:00.0", "read", 0xa000, "vtd", 6, "0x06", 1009, "no simulated fault at this device and page")));
    List<Row> rows = table(out, "fault_validation");
    assertEquals(expected.size(), rows.size(), rows.toString());
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> e = expected.get(i);
      for (Map.Entry<String, Object> kv : e.entrySet()) {
        if (kv.getValue() instanceof Integer && (kv.getKey().endsWith("ts_ns") || kv.getKey().equals("page"))) {
          kv.setValue(((Integer) kv.getValue()).longValue());
        }
      }
      assertRow(rows.get(i), e, "row " + i);
    }

    // counts: simulated 10 = 7 matched (S1 2, S2, S9, S3, S4, S7) + 3 unexpected; observed 9 = 5 + 4
    assertEquals(10, r.simulatedFaults);
    assertEquals(9, r.observedFaults);
    assertEquals(11, r.observedRecords);
    assertEquals(37, r.suppressed);
    assertEquals(6, r.matchedRows);
    assertEquals(7, r.matchedSimulated);
    assertEquals(5, r.matchedObserved);
    assertEquals(4, r.missedRows);
    assertEquals(4, r.missedObserved);
    assertEquals(1, r.missedWithoutDevice);
    assertEquals(1, r.missedWithoutEquivalent);
    assertEquals(3, r.unexpectedRows);
    assertEquals(3, r.unexpectedSimulated);
    assertEquals(10, r.simulate.faults);

    Map<String, String> info = runInfo(out);
    assertEquals("37", info.get("validation.observed_suppressed"));
    assertEquals("true", info.get("validation.observed_lower_bound"));
    assertEquals("7", info.get("validation.matched_simulated_faults"));
    assertEquals("11", info.get("records.observed.read"));
    assertEquals("9", info.get("records.observed.faults"));
    assertEquals("1", info.get("records.observed.suppression_records"));
    assertEquals("1", info.get("records.observed.other_events"));
    assertEquals("csv", info.get("input.observed.file.0.format"));
    // simulate's own tables are there too
    assertEquals(10, table(out, "faults").size());
  }

  @Test
  void importedLogsGiveTheirSuppressionsAndRejects() throws IOException {
    Path trace = write("t.csv", TRACE);
    Path log = write("kern.log", String.join("\n",
        "#fault-toy",
        "fault 1000 01:00.0 0x1000 w 5 vtd",
        "suppressed 1500 12 vtd",
        "garbage line",
        "suppressed 1600 3 vtd",
        ""));
    Path out = tmp.resolve("imported");
    ValidateJob.Result r = validate(trace, log, out);
    assertEquals(1, r.observedFaults);
    assertEquals(15, r.suppressed);
    assertEquals(1, r.matchedRows);
    assertEquals(2, r.matchedSimulated);
    assertEquals(0, r.missedRows);
    assertEquals(8, r.unexpectedRows); // the 9 simulated groups but S1
    assertEquals(8, r.unexpectedSimulated);
    assertEquals(log + ":4\tnot a fault-toy line\tgarbage line\n",
        Files.readString(tmp.resolve("imported.observed.import-rejects.txt")));
    String report = Files.readString(tmp.resolve("imported.observed.import-report.txt"));
    assertTrue(report.contains("        2  fault messages suppressed by rate limiting (total 15); lines 3, 5\n"), report);
    assertFalse(Files.exists(tmp.resolve("imported.import-report.txt"))); // the trace is canonical
  }

  @Test
  void anObservedFaultWithoutReasonFailsNamingTheLineAndLeavesNothing() throws IOException {
    Path obs = write("bad.csv", "ts_ns,kind,sid,addr\n1000,fault_observed,01:00.0,0x1000\n");
    Path out = tmp.resolve("bad-out");
    Exception e = assertThrows(Exception.class, () -> validate(write("t.csv", TRACE), obs, out));
    assertEquals(obs + ":2: column 'reason': a fault_observed event needs a reason (or, as a suppression record, "
        + "a size of at least 1)", Failures.userMessage(e));
    assertFalse(Files.exists(out));
    try (var listing = Files.list(tmp)) {
      assertEquals(List.of("bad.csv", "t.csv"), listing.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void theVerbNeedsObservedInputs() {
    PipelineTestSupport.CliRun usage = PipelineTestSupport.cli("validate", "--trace", "t.csv", "--out", "x");
    assertEquals(2, usage.status, usage.toString());
    assertTrue(usage.err.contains("Missing required option: observed"), usage.toString());
  }
}
