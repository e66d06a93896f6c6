package io.iommusim.trace.imports.qemu;

import static io.iommusim.trace.imports.text.Expect.K4;
import static io.iommusim.trace.imports.text.Expect.R;
import static io.iommusim.trace.imports.text.Expect.attach;
import static io.iommusim.trace.imports.text.Expect.fault;
import static io.iommusim.trace.imports.text.Expect.fixture;
import static io.iommusim.trace.imports.text.Expect.iotlbGlobal;
import static io.iommusim.trace.imports.text.Expect.msi;
import static io.iommusim.trace.imports.text.Expect.passthrough;
import static io.iommusim.trace.imports.text.Expect.read;
import static io.iommusim.trace.imports.text.Expect.render;
import static io.iommusim.trace.imports.text.Expect.write;
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

/** A captured log as people share it, and the options that supply what QEMU does not print. */
class QemuMessyInputAndOptionsTest {
  private static final QemuTraceImporter IMPORTER = new QemuTraceImporter();

  private static ImportTestSupport.Result run(String text, Map<String, String> options) {
    return ImportTestSupport.run(IMPORTER, text, options);
  }

  private static long t(int n) {
    return 1594894035L * 1_000_000_000L + n * 100_000L;
  }

  @Test
  void mailedLogWithWrappedLinesJunkAndHexWithout0x() {
    ImportTestSupport.Result r = run(fixture(getClass(), "messy.log"), Map.of());
    assertEquals(List.of(
        attach(t(1), 0, "00:03.0", 1),                   // lines 2-3, wrapped at a space
        read(t(2), 0, "00:03.0", 0x5000, 4096),          // lines 4-5, wrapped inside "mask"
        read(t(3), 0, "00:03.0", 0xdead000L, 4096),      // line 7: "sid 18", "addr dead000" without 0x
        fault(t(3), 0, "00:03.0", 0xdead000L, R, 6, "vtd"),
        iotlbGlobal(t(3), 0)),                           // untimed: the last timed line's time
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(14, rep.lines());
    assertEquals(6, rep.eventLines());
    assertEquals(3, rep.ignoredLines());
    assertEquals(5, rep.unparsedLines());
    assertArrayEquals(new long[] {1, 12}, rep.unparsed().get(QemuParser.NOT_QEMU).lines());
    assertArrayEquals(new long[] {9}, rep.unparsed().get("unknown vtd_ event").lines());
    assertArrayEquals(new long[] {10}, rep.unparsed().get("vtd_dmar_translate: unexpected arguments").lines());
    // no requester id: not in the line, no IRTE read for it, no msi_sid
    assertArrayEquals(new long[] {13}, rep.unparsed().get(VtdHandler.MSI_NO_SID).lines());
    assertEquals(1, rep.ignoredCount(QemuParser.QEMU_MESSAGE));
    assertEquals(2, rep.ignoredCount(QemuParser.OTHER_EVENT)); // pci_cfg_write (timed), virtio_queue_notify
    assertEquals(2, rep.note("wrapped lines re-joined").count());
    assertEquals(5, r.rejects().size());
  }

  @Test
  void strictStopsAtTheFirstUnparsedLine() {
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> ImportTestSupport.run(IMPORTER,
        fixture(getClass(), "messy.log"), Map.of(), true, false, Map.of()));
    assertTrue(e.getMessage().contains("in.txt:1"), e.getMessage());
    assertTrue(e.getMessage().contains(QemuParser.NOT_QEMU), e.getMessage());
  }

  @Test
  void msiSidSuppliesTheRequesterTheTraceLacks() {
    ImportTestSupport.Result r = run("vtd_ir_remap_msi_req addr 0xfee00004 data 0x0\n"
        + "vtd_ir_remap_msi (addr 0xfee00004, data 0x0) -> (addr 0xfee00000, data 0x30)\n",
        Map.of("msi_sid", "00:1f.3"));
    assertEquals(List.of(msi(0, 0, "00:1f.3", 0xfee00004L, 0)), render(r.events()));
    assertEquals(1, r.report().note(VtdHandler.NOTE_MSI_SID_OPTION).count());
  }

  @Test
  void lengthAndDirectionOfAccessesAreOptions() {
    String trace = "vtd_dmar_translate dev 00:03.00 iova 0x7000 -> gpa 0x9000 mask 0xfff\n"
        + "vtd_dmar_fault sid 0x18 fault 5 addr 0x8ff0 write 1\n";
    assertEquals(List.of(write(0, 3, "00:03.0", 0x7000, 64), write(0, 3, "00:03.0", 0x8ff0, 16),
        fault(0, 3, "00:03.0", 0x8ff0, 2, 5, "vtd")),
        render(run(trace, Map.of("dma_size", "64", "dma_access", "write", "unit", "3")).events()));
  }

  @Test
  void mapsNoneLeavesTheStateToAnotherInput() {
    String trace = "vtd_iotlb_page_update IOTLB page update sid 0x18 iova 0x7000 slpte 0x9003 domain 0x1\n"
        + "vtd_dmar_translate dev 00:03.00 iova 0x7000 -> gpa 0x9000 mask 0xfff\n"
        + "vtd_page_walk_one domain 0x1 iova 0x8000 -> gpa 0xa000 mask 0xfff perm 3\n";
    ImportTestSupport.Result r = run(trace, Map.of("maps", "none"));
    assertEquals(List.of(attach(0, 0, "00:03.0", 1), read(0, 0, "00:03.0", 0x7000, K4)), render(r.events()));
    assertEquals(1, r.report().ignoredCount(VtdHandler.MAPS_OFF));
  }

  @Test
  void decimalAfter0xIsDecidedByWhatTheTraceShowsOrByTheOption() {
    String pt = "vtd_translate_pt source id 0x16, iova 0x1000\n";
    // nothing tells: hex, noted
    ImportTestSupport.Result r = run(pt, Map.of());
    assertEquals(List.of(passthrough(0, 0, "00:02.6", -1), read(0, 0, "00:02.6", 0x1000, K4)), render(r.events()));
    assertEquals(1, r.report().note(QemuState.NOTE_AMBIGUOUS_0X).count());
    // forced
    r = run(pt, Map.of("decimal_after_0x", "yes"));
    assertEquals(List.of(passthrough(0, 0, "00:02.0", -1), read(0, 0, "00:02.0", 0x1000, K4)), render(r.events()));
    // a-f digits are hex whatever the option says
    r = run("vtd_translate_pt source id 0x1a, iova 0x1000\n", Map.of("decimal_after_0x", "yes"));
    assertEquals(read(0, 0, "00:03.2", 0x1000, K4), render(r.events()).get(1));
    // a domain shown in hex elsewhere (0xa = 10) names the reading of "0x10": decimal
    r = run("vtd_replay_ce_valid legacy: replay valid context device 00:04.00 domain 0xa hi 0xa02 lo 0x7ff8001\n"
        + "vtd_page_walk_one domain 0x10 iova 0x8000 -> gpa 0xa000 mask 0xfff perm 1\n", Map.of());
    assertEquals(List.of(attach(0, 0, "00:04.0", 10),
        io.iommusim.trace.imports.text.Expect.map(0, 0, 10, 0x8000, 0xa000, K4, R, K4)), render(r.events()));
  }

  @Test
  void badOptionsAreRefusedByName() {
    for (String[] o : new String[][] {{"dma_size", "8192"}, {"dma_access", "both"}, {"maps", "some"},
        {"msi_sid", "nope"}, {"decimal_after_0x", "maybe"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("", Map.of(o[0], o[1])));
      assertTrue(e.getMessage().contains("option '" + o[0] + "'"), e.getMessage());
    }
  }
}
