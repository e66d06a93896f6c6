package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.only;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.SimulateJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest's Intel debugfs dump as the initial state, and a QEMU trace of the same guest replayed on top
 * of it, through {@code simulate --format auto}: the dump's events (all at ts_ns, 0 by default) must be
 * applied before the trace's. The expected statistics are worked out by hand below.
 */
class DumpUnderTraceTest {
  @TempDir
  Path tmp;

  /**
   * 00:03.0 in DID 1 (context hi 0x102); its table maps IOVA 0x10000 read-write and 0x11000 read-only;
   * IRTE 5 (present, vector 0x22) validates source 00:03.0 (SVT 1, SID 0x18).
   */
  private static final String DUMP = String.join("\n",
      "IOMMU dmar0: Root Table Address: 0x10a5e2000",
      "B.D.F\tRoot_entry\t\t\t\tContext_entry\t\t\t\tPASID\tPASID_table_entry",
      "00:03.0\t0x0000000000000000:0x000000010a5e3001\t0x0000000000000102:0x0000000114b00001\t-1    \t"
          + "0x0000000000000000:0x0000000000000000:0x0000000000000000",
      "",
      "Device 0000:00:03.0 @0x114b00000",
      "IOVA_PFN         \tPML5E             \tPML4E             \tPDPE              \tPDE               \tPTE",
      "0x0000000000010 |\t0x0000000000000000\t0x0000000114b01003\t0x0000000114b02003\t0x0000000114b03003"
          + "\t0x0000000200010003",
      "0x0000000000011 |\t0x0000000000000000\t0x0000000114b01003\t0x0000000114b02003\t0x0000000114b03003"
          + "\t0x0000000200011001",
      "Remapped Interrupt supported on IOMMU: dmar0",
      " IR table address:10a600000",
      " Entry SrcID   DstID    Vct IRTE_high\t\tIRTE_low",
      " 5     00:03.0 00000100 22  0000000000040018\t0000010000220001",
      "");

  /**
   * No timestamps (every event at 0). Reads of 0x10000 (miss, hit, hit), a write to the read-only page
   * (fault 0x05) and a read of an unmapped page (0x06), each also an observed fault; an MSI through
   * IRTE 5 (address 0xfee000b0: handle 5, remappable format) from 00:03.0, and the same from 00:04.0,
   * which the IRTE's source validation blocks (0x26).
   */
  private static final String TRACE = String.join("\n",
      "vtd_dmar_translate dev 00:03.00 iova 0x10000 -> gpa 0x200010000 mask 0xfff",
      "vtd_dmar_translate dev 00:03.00 iova 0x10000 -> gpa 0x200010000 mask 0xfff",
      "vtd_dmar_fault sid 0x18 fault 5 addr 0x11000 write 1",
      "vtd_dmar_fault sid 0x18 fault 6 addr 0x20000 write 0",
      "vtd_ir_remap_msi_req addr 0xfee000b0 data 0x0 sid 0x18 do_fault 0",
      "vtd_ir_remap_msi (addr 0xfee000b0, data 0x0) -> (addr 0xfee01000, data 0x4022)",
      "vtd_dmar_translate dev 00:03.00 iova 0x10000 -> gpa 0x200010000 mask 0xfff",
      "vtd_ir_remap_msi_req addr 0xfee000b0 data 0x0 sid 0x20 do_fault 1",
      "");

  private SimulateJob.Result simulate(String out, Map<String, String> options, Path... inputs) {
    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = java.util.Arrays.stream(inputs).map(Path::toString).toList();
    r.format = "auto";
    r.importOptions = options;
    r.out = tmp.resolve(out).toString();
    return new SimulateJob(TestSpark.get()).run(r);
  }

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static long col(Row r, String column) {
    return r.getLong(r.fieldIndex(column));
  }

  /** The hand-worked statistics of the trace replayed on the dump's state. */
  private static void assertReplayedOnTheDump(SimulateJob.Result r, Path out) {
    // dump: attach, 2 maps (permissions differ), irte_set; trace: 5 DMAs, 2 observed faults, 2 MSIs
    assertEquals(13, r.recordsRead);
    List<Row> domains = table(out, "domain_stats");
    Row d1 = only(domains, "domain", 1);
    assertEquals(2, col(d1, "maps"));
    assertEquals(5, col(d1, "translations"));
    assertEquals(2, col(d1, "iotlb_hits"));       // the 2nd and 3rd read of 0x10000
    assertEquals(3, col(d1, "iotlb_misses"));     // the 1st read, the write, the unmapped read (faults are not cached)
    assertEquals(2, col(d1, "faults"));
    assertEquals(1, col(d1, "faults_write"));     // 0x05: the page is read-only
    assertEquals(1, col(d1, "faults_read"));      // 0x06: nothing mapped at 0x20000
    assertEquals(1, col(d1, "msi_total"));        // 00:03.0's MSI passes IRTE 5's source check
    assertEquals(0, col(d1, "msi_blocked"));
    Row none = only(domains, "domain", -1);
    assertEquals(1, col(none, "msi_total"));      // 00:04.0 is not attached
    assertEquals(1, col(none, "msi_blocked_source_id"));
    assertEquals(3, r.faults);                    // 0x05, 0x06, 0x26
    Map<String, String> info = runInfo(out);
    assertEquals("2", info.get("records.replayed.fault_observed"));
  }

  @Test
  void theDumpListedFirstIsTheStateTheTraceReplaysOn() throws IOException {
    Path dump = write("debugfs.txt", DUMP);
    Path trace = write("qemu.log", TRACE);
    SimulateJob.Result r = simulate("first", Map.of(), dump, trace);
    assertReplayedOnTheDump(r, tmp.resolve("first"));
    Map<String, String> info = runInfo(tmp.resolve("first"));
    assertEquals("intel-debugfs", info.get("input.file.0.format"));
    assertEquals("qemu-trace", info.get("input.file.1.format"));
  }

  @Test
  void aDumpListedAfterAnUntimedTraceNeedsATimeBeforeIt() throws IOException {
    Path dump = write("debugfs.txt", DUMP);
    Path trace = write("qemu.log", TRACE);
    // both at ts 0: input order decides, and the trace's accesses come before the device is attached
    SimulateJob.Result late = simulate("late", Map.of(), trace, dump);
    assertEquals(13, late.recordsRead);
    assertEquals(0, col(only(table(tmp.resolve("late"), "domain_stats"), "domain", 1), "translations"));
    assertEquals(7, late.faults); // 5 DMAs without a context, 2 MSIs before IRTE 5 is set (0x22)
    // -o ts_ns=-1 (an option of the dump's format only) puts the dump before the trace
    SimulateJob.Result early = simulate("early", Map.of("ts_ns", "-1"), trace, dump);
    assertReplayedOnTheDump(early, tmp.resolve("early"));
  }

  @Test
  void anOptionNoInputFormatHasIsRefused() throws IOException {
    Path dump = write("debugfs.txt", DUMP);
    Path trace = write("qemu.log", TRACE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> simulate("bad", Map.of("nope", "1"), dump, trace));
    assertTrue(e.getMessage().startsWith("-o nope: none of the input formats (intel-debugfs, qemu-trace)"),
        e.getMessage());
    assertEquals(List.of(), Files.list(tmp).filter(p -> p.getFileName().toString().startsWith("bad")).toList());
  }
}
