package io.iommusim.trace.imports.kernellog;

import static io.iommusim.trace.imports.ImportTestSupport.R;
import static io.iommusim.trace.imports.ImportTestSupport.RW;
import static io.iommusim.trace.imports.ImportTestSupport.W;
import static io.iommusim.trace.imports.ImportTestSupport.render;
import static io.iommusim.trace.imports.ImportTestSupport.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import io.iommusim.trace.imports.Sniff;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Kernel-log fault records of every vendor and era in trace-formats.md §3, each decoded by hand: Intel
 * DMAR (decimal and hex reasons, both PASID eras, [0x00:0x02.0], INTR-REMAP old and new, the two-line
 * 3.x form), AMD-Vi (device-scoped, unknown device with and without segment, other events, a record
 * split over two lines, flags), Arm SMMUv3 (raw records, decoded copies, decoded-only lines, an
 * interleaved and a cut-off record), SMMUv2 and Xen; rate-limit notices; a mail-wrapped capture.
 */
class KernelLogImporterTest {
  private static final KernelLogImporter LOG = new KernelLogImporter();

  private static ImportTestSupport.Result run(String fixture) {
    return ImportTestSupport.run(LOG, resource(KernelLogImporterTest.class, fixture), Map.of());
  }

  private static TraceEvent f(long ts, int unit, String sid, int pasid, long addr, int perm, int reason, String vendor) {
    TraceEvent e = ImportTestSupport.ev(EventKind.FAULT_OBSERVED, ts);
    e.unit = unit;
    e.sid = sid == null ? -1 : Sid.parse(sid);
    e.pasid = pasid;
    e.addr = addr;
    e.perm = (byte) perm;
    e.reason = reason;
    e.vendor = vendor;
    return e;
  }

  private static String vtd(long ts, String sid, int pasid, long addr, int perm, int reason) {
    return render(f(ts, 0, sid, pasid, addr, perm, reason, "vtd"));
  }

  /** A suppression record: no reason, the number of fault messages the rate limit dropped as size. */
  private static String suppressed(long ts, String vendor, long count) {
    TraceEvent e = ImportTestSupport.ev(EventKind.FAULT_OBSERVED, ts);
    e.vendor = vendor;
    e.size = count;
    return render(e);
  }

  private static String ir(long ts, String sid, int index, int reason) {
    TraceEvent e = f(ts, 0, sid, -1, 0, W, reason, "vtd");
    e.index = index;
    return render(e);
  }

  private static String amd(long ts, String sid, int pasid, int domain, long addr, int perm, int reason) {
    TraceEvent e = f(ts, 0, sid, pasid, addr, perm, reason, "amdvi");
    e.domain = domain;
    return render(e);
  }

  private static String smmu(long ts, int unit, String sid, int pasid, long addr, int perm, int reason, long phys,
      String vendor) {
    TraceEvent e = f(ts, unit, sid, pasid, addr, perm, reason, vendor);
    e.phys = phys;
    return render(e);
  }

  private static final long T = 100_000_000_000L;

  @Test
  void intelDmarOfEveryEra() {
    ImportTestSupport.Result r = run("dmesg-intel.txt");
    assertEquals(List.of(
        vtd(T + 2_000, "00:02.0", -1, 0x7c346000L, R, 6), // <= 5.3: hex address without 0x, decimal reason
        vtd(T + 3_000, "03:00.0", -1, 0x7c347000L, W, 5), // ~5.5-5.13: PASID ffffffff = none
        vtd(T + 4_000, "03:00.0", 5, 0x7c348000L, R, 81), // %02d: scalable-mode 0x51 prints as 81
        vtd(T + 5_000, "00:02.0", -1, 0x7c346000L, R, 6), // 5.14: [0x00:0x02.0], hex reason
        vtd(T + 6_000, "00:02.0", -1, 0x7c349000L, R, 6), // >= 5.15
        vtd(T + 7_000, "00:02.0", 3, 0x7c34a000L, W, 0x71), // [DMA Write PASID 0x3]
        ir(T + 8_000, "f0:1f.0", 4, 0x25), // INTR-REMAP, new: index and reason hex
        ir(T + 9_000, "f0:1f.0", 0x1a, 34), // INTR-REMAP, <= 5.13: index hex without 0x, reason decimal (0x22)
        suppressed(T + 10_000, "vtd", 12), // dmar_fault: 12 callbacks suppressed
        vtd(T + 14_000, "00:02.0", -1, 0x7c346000L, R, 6), // 3.x: the reason on the next line
        vtd(T + 15_000, "00:03.0", -1, 0x7c350000L, W, -1)), r.lines()); // its reason line never came
    ImportReport rep = r.report();
    assertEquals(19, rep.lines());
    assertEquals(12, rep.eventLines());
    assertEquals(7, rep.ignoredLines());
    assertEquals(2, rep.ignoredCount(Messages.OTHER));
    assertArrayEquals(new long[] {3, 19}, rep.ignored().get(Messages.DRHD).lines());
    assertEquals(3, rep.ignoredCount(Messages.DMAR_DUMP));
    assertEquals(12, rep.note(ImportReport.NOTE_SUPPRESSED).amount());
    assertArrayEquals(new long[] {18}, rep.note(KernelLogParser.NOTE_NO_REASON).lines());
  }

  @Test
  void amdViEventsWithFlagsDecoded() {
    ImportTestSupport.Result r = run("journal-amd.txt");
    assertEquals(List.of(
        // dev_err() prefix names the device; flags 0x70 = PE|RW|PR: a write to a present page
        amd(200_000_001_000L, "01:00.0", -1, 0xb, 0xfffffffdf8000000L, W, 2),
        amd(200_000_002_000L, "02:00.0", -1, 0xc, 0x1000, R, 2), // 0x50 = PE|PR, RW clear: a read
        amd(200_000_003_000L, "03:00.0", -1, 0, 0x2000, RW, 2), // PR=0: RW means nothing, access unknown
        // no [ts] after "kernel:": the syslog date, in year 1970 (syslog-year)
        amd(381_601_000_000_000L, "04:00.0", -1, -1, 0xfffffffdf8000000L, RW, 1),
        // ISO time with offset; flags GN: the PASID is valid
        amd(1_704_445_202_500_000_000L, "05:00.0", 2, -1, 0x3000, RW, 8),
        suppressed(203_000_000_000L, "amdvi", 7), // amd_iommu_report_page_fault: 7 callbacks suppressed
        amd(203_000_001_000L, "00:14.2", -1, 0, 0xfdf80000L, W, 2), // split over two lines by pr_cont
        amd(204_000_000_000L, "06:00.0", -1, -1, 0x7000, RW, 0xd), // RMP_PAGE_FAULT: gpa
        amd(205_000_000_000L, "07:00.0", -1, -1, 0, RW, 4)), r.lines()); // UNKNOWN: type 4 in event[1] 31:28
    ImportReport rep = r.report();
    assertEquals(11, rep.lines());
    assertEquals(10, rep.eventLines());
    assertEquals(0, rep.ignoredCount(KernelLogParser.SUPPRESSED_LINE));
    assertEquals(1, rep.ignoredCount(Messages.OTHER_PROCESS));
    assertEquals(7, rep.note(ImportReport.NOTE_SUPPRESSED).amount());
    assertEquals(2, rep.note(KernelLogParser.NOTE_WALL_CLOCK).count());
    assertArrayEquals(new long[] {3}, rep.note(KernelLogParser.NOTE_AMD_RW_UNKNOWN).lines());
  }

  @Test
  void armSmmuV3V2AndXen() {
    ImportTestSupport.Result r = run("arm-and-xen.txt");
    long s = 1_000_000_000L;
    assertEquals(List.of(
        // the documented check: sid 0x20600, write, class 2, iova ff9bc000; its decoded lines are copies
        smmu(50 * s, 0, "0002:06:00.0", -1, 0xff9bc000L, W, 0x10, 0, "smmuv3"),
        // C_BAD_STE on the second SMMU, an unrelated line between its words; SSV set, SSID 3
        smmu(51 * s, 1, "01:00.0", 3, 0, RW, 0x04, 0, "smmuv3"),
        // decoded lines only: F_PERMISSION, read (the access line)
        smmu(52 * s, 0, "03:00.0", 2, 0x8000, R, 0x13, 0, "smmuv3"),
        // decoded fetch fault without an access line: ssid 0 = none, the fetch address as phys
        smmu(53 * s, 0, "04:00.0", -1, 0, RW, 0x09, 0x9000, "smmuv3"),
        // F_ADDR_SIZE: RnW (DW1 bit 35) = read, the IPA from DW3
        smmu(55 * s, 0, "03:00.0", -1, 0xa000, R, 0x11, 0x12345000L, "smmuv3"),
        // SMMUv2: cbfrsynra 0x21 is the stream, fsynr 0x12 has WNR; reason = FSR
        smmu(60 * s, 2, "00:04.1", -1, 0x12345000L, W, 0x402, 0, "smmuv2"),
        smmu(61 * s, 2, null, -1, 0x800, R, 0x402, 0, "smmuv2"), // no cbfrsynra: requester unknown
        // Xen VT-d, two lines, no timestamps: the previous line's time; reason printed %02x
        vtd(61 * s, "65:00.0", -1, 0x1200000000L, W, 5),
        smmu(61 * s, 3, null, -1, 0x80000000L, W, 0x402, 0, "smmuv2")), r.lines());
    ImportReport rep = r.report();
    assertEquals(30, rep.lines());
    assertEquals(27, rep.eventLines());
    assertEquals(1, rep.ignoredCount(Messages.OTHER));
    assertArrayEquals(new long[] {17, 18}, rep.unparsed().get(KernelLogParser.SMMU_INCOMPLETE).lines());
    assertEquals(List.of("arm-smmu-v3.0.auto -> unit 0", "arm-smmu-v3.1.auto -> unit 1", "5040000.iommu -> unit 2",
        "/axi/smmu@fd800000 -> unit 3"), rep.note(KernelLogParser.NOTE_SMMU_UNITS).details());
    assertEquals(3, rep.note(KernelLogParser.NOTE_NO_TS).count());
  }

  @Test
  void mailWrappedRecords() {
    ImportTestSupport.Result r = run("mail-wrapped.txt");
    assertEquals(List.of(
        vtd(T + 6_000, "00:02.0", -1, 0x7c349000L, R, 6), // wrapped inside "[fault reason"
        vtd(T + 7_000, "00:02.0", -1, 0x7c34a000L, W, 5), // wrapped after "fault addr"
        vtd(T + 8_000, "00:02.0", -1, 0x7c34b000L, R, 6)), r.lines()); // the reason's bracket on the next line
    ImportReport rep = r.report();
    assertEquals(8, rep.lines());
    assertEquals(6, rep.eventLines());
    assertArrayEquals(new long[] {1, 8}, rep.unparsed().get("not a kernel log line").lines());
    assertEquals(2, rep.note("wrapped lines re-joined").count());
    assertEquals(4, rep.note("mail quote markers (>) removed").count());
  }

  @Test
  void detection() {
    assertEquals(85, LOG.detect(Sniff.ofText("x", resource(KernelLogImporterTest.class, "dmesg-intel.txt"))));
    assertEquals(85, LOG.detect(Sniff.ofText("x", resource(KernelLogImporterTest.class, "journal-amd.txt"))));
    assertEquals(85, LOG.detect(Sniff.ofText("x", resource(KernelLogImporterTest.class, "arm-and-xen.txt"))));
    assertEquals(55, LOG.detect(Sniff.ofText("x", "[    0.000000] Linux version 6.8.0\n[    0.1] x\n")));
    assertEquals(0, LOG.detect(Sniff.ofText("x", "  bash-1 [000] ..... 1.000000: map: IOMMU: x\n")));
    assertEquals(0, LOG.detect(Sniff.ofText("x", "ts_ns,kind\n1,attach\n")));
  }
}
