package io.iommusim.trace.imports.ftrace;

import static io.iommusim.trace.imports.ImportTestSupport.R;
import static io.iommusim.trace.imports.ImportTestSupport.RW;
import static io.iommusim.trace.imports.ImportTestSupport.W;
import static io.iommusim.trace.imports.ImportTestSupport.attach;
import static io.iommusim.trace.imports.ImportTestSupport.detach;
import static io.iommusim.trace.imports.ImportTestSupport.map;
import static io.iommusim.trace.imports.ImportTestSupport.resource;
import static io.iommusim.trace.imports.ImportTestSupport.unmap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import io.iommusim.trace.imports.Sniff;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every front end and kernel era of trace-formats.md: prefixes, old event formats, VFIO captures. */
class FtraceErasTest {
  private static final FtraceImporter FTRACE = new FtraceImporter();
  private static final long M2 = 2L << 20;
  private static final long G1 = 1L << 30;

  private static ImportTestSupport.Result run(String fixture, Map<String, String> options, Map<String, String> files) {
    return ImportTestSupport.run(FTRACE, resource(FtraceErasTest.class, fixture), options, false, false, files);
  }

  @Test
  void oldKernelWithFourFlagColumnsOldMapFormatAndOldIntelEvents() {
    ImportTestSupport.Result r = run("old-kernel-5.10.txt",
        Map.of("iommu-device", "0000:00:02.0", "page-sizes", "4k+2m"), Map.of());
    assertEquals(List.of(
        attach(2_500_200_000L, "00:02.0", 1, -1), // group 3 -> inferred domain 1
        attach(2_500_300_000L, "00:02.1", 1, -1), // the same group, the same domain
        map(10_000_000_000L, 1, 0xfffff000L, 0x1a2b3c000L, 4096, RW), // map_single: no direction printed
        map(10_000_100_000L, 1, 0xffffe000L, 0x1b000000L, 8192, RW), // map_sg [1/2]
        unmap(10_000_200_000L, 1, 0xfffff000L, 4096),
        // QEMU's iommu:map (old format, no dma:* partner) belongs to iommu-device; 2 MiB aligned on both sides
        map(20_000_000_000L, 0, 1, 0x200000, 0x280000000L, M2, RW, M2),
        unmap(20_500_000_000L, 1, 0x200000, M2),
        detach(30_000_000_000L, "00:02.1", -1),
        detach(30_000_100_000L, "00:02.0", -1)), r.lines()); // remove_device_from_group of an attached device
    ImportReport rep = r.report();
    assertEquals(21, rep.lines());
    assertEquals(9, rep.eventLines());
    assertEquals(12, rep.ignoredLines());
    assertEquals(9, rep.ignoredCount(FtraceParser.HEADER));
    assertEquals(2, rep.ignoredCount(FtraceParser.GROUP_NOTED));
    assertArrayEquals(new long[] {21}, rep.ignored().get(FtraceParser.GROUP_REMOVED_UNATTACHED).lines());
    assertEquals(2, rep.note(FtraceParser.NOTE_STANDALONE).count());
    assertEquals(2, rep.note(FtraceParser.NOTE_OLD_INTEL_RW).count());
  }

  @Test
  void unpairedIommuEventsWithoutADeviceAreUnparsed() {
    ImportTestSupport.Result r = run("old-kernel-5.10.txt", Map.of(), Map.of());
    assertEquals(7, r.events().size());
    assertArrayEquals(new long[] {17, 18}, r.report().unparsed().get(FtraceParser.NO_DEVICE).lines());
    assertEquals(2, r.rejects().size());
  }

  @Test
  void rhel9SevenFlagColumnsTgidAndAVfioTaskFromTheDomainsFile() {
    ImportTestSupport.Result r = run("rhel9-vfio.txt", Map.of("domains", "f", "page-sizes", "4k+2m+1g"),
        Map.of("domains", "pid:4575 0000:03:00.0\n0000:03:00.0 9\n"));
    assertEquals(List.of(
        attach(1_052_315_201_000L, "03:00.0", 9, -1),
        map(1_052_315_201_000L, 0, 9, 0, 0x2a40000000L, 0xa0000, RW, 4096),
        // 0xc0000.. is cut as iommu_pgsize() does: 4 KiB up to 2 MiB, 2 MiB pages up to 1 GiB, then one 1 GiB page
        map(1_052_315_299_000L, 0, 9, 0xc0000, 0x2a400c0000L, 0x140000, RW, 4096),
        map(1_052_315_299_000L, 0, 9, 0x200000, 0x2a40200000L, 0x3fe00000, RW, M2),
        map(1_052_315_299_000L, 0, 9, 0x40000000, 0x2a80000000L, G1, RW, G1),
        unmap(1_060_000_000_000L, 9, 0, 0xa0000)), r.lines());
    assertEquals(17, r.report().lines());
    assertEquals(14, r.report().ignoredCount(FtraceParser.HEADER));
    assertEquals(null, r.report().note(FtraceParser.NOTE_OVERWRITTEN), "3/3: nothing overwritten");
  }

  @Test
  void traceCmdReportWithAndWithoutFlagsAndNanosecondTimes() {
    ImportTestSupport.Result r = run("trace-cmd-report.txt", Map.of(), Map.of());
    assertEquals(List.of(
        attach(1_234_567_890_123L, 0, "00:02.0", 1, -1), // cache_tag_assign on dmar0: DID 1
        attach(1_234_600_000_001L, 0, "01:00.0", 1, -1), // no tag: inferred, and 1 is also a real DID
        map(1_234_600_000_001L, 1, 0xffffd000L, 0x2f0000000L, 8192, RW),
        unmap(1_234_700_000_002L, 1, 0xffffd000L, 8192)), r.lines());
    ImportReport rep = r.report();
    assertEquals(3, rep.ignoredCount(FtraceParser.TRACE_CMD_HEADER));
    assertEquals(List.of("domain 1"), rep.note(Devices.NOTE_COLLISION).details());
    assertEquals(List.of("device 0000:01:00.0 -> domain 1"), rep.note(Devices.NOTE_INFERRED).details());
    assertEquals(List.of("0000:01:00.0 -> unit 0 domain 1"), rep.note(Devices.NOTE_ATTACH_AT_FIRST_USE).details());
  }

  @Test
  void perfScriptWithSystemQualifiedNames() {
    ImportTestSupport.Result r = run("perf-script.txt", Map.of(), Map.of());
    assertEquals(List.of(
        attach(50_000_200_000L, "65:00.0", 1, -1),
        map(60_123_456_000L, 1, 0xfffc0000L, 0x1deadb000L, 4096, W),
        unmap(60_200_000_000L, 1, 0xfffc0000L, 4096)), r.lines());
    ImportReport rep = r.report();
    assertEquals(7, rep.lines());
    assertEquals(5, rep.eventLines());
    assertEquals(1, rep.ignoredCount(FtraceParser.OTHER_EVENT + "sched:sched_switch"));
  }

  @Test
  void prefixesOfEveryWidth() {
    String[] lines = {
        "   kworker/u64:0-12      [011] .....   327.747763: unmap: IOMMU: x", // current, 5 flags
        "          <idle>-0     [000] ....   100.000001: map: IOMMU: x", // old, 4 flags
        "        qemu-kvm-4575    (   4575) [017] ....1..  1052.315201: map: IOMMU: x", // RHEL 9, tgid
        "  Web Content-1234  [001]  5678.123456789: map: IOMMU: x", // trace-cmd without flags, -t
        "  irq/45-AMD-Vi-150     [000] d.h..   402.000000: io_page_fault: IOMMU:x", // dashes in comm
        "     Web Content  2211/2215 [001]    61.000000: iommu:map: IOMMU: x", // perf, pid/tid
        "  bash-100 [000] ..... 123456789: map: IOMMU: x"}; // counter clock, no fraction
    long[] ts = {327_747_763_000L, 100_000_001_000L, 1_052_315_201_000L, 5_678_123_456_789L, 402_000_000_000L,
        61_000_000_000L, 123_456_789L};
    long[] pids = {12, 0, 4575, 1234, 150, 2211, 100};
    for (int i = 0; i < lines.length; i++) {
      FtraceLine l = FtraceLine.parse(lines[i]);
      assertEquals(ts[i], l.tsNs(), lines[i]);
      assertEquals(pids[i], l.pid(), lines[i]);
      assertEquals(i == 6, l.integerClock(), lines[i]);
    }
    assertEquals("Web Content", FtraceLine.parse(lines[3]).comm());
    assertEquals("irq/45-AMD-Vi", FtraceLine.parse(lines[4]).comm());
    assertEquals("iommu", FtraceLine.parse(lines[5]).system());
    assertEquals(null, FtraceLine.parse("[    5.123456] DMAR: fault"));
    assertEquals(null, FtraceLine.parse("  bash-100 [000] ..... 1.0123456789: map: IOMMU: x"), "10 decimals");
  }

  /** The hand-written scanner agrees with the regular expressions on every fixture line it accepts. */
  @Test
  void fastPrefixScannerAgreesWithTheRegularExpressions() {
    int scanned = 0;
    for (String fixture : List.of("trace-6.12.txt", "old-kernel-5.10.txt", "rhel9-vfio.txt", "trace-cmd-report.txt",
        "perf-script.txt", "intel-iommu.txt", "messy-mail.txt")) {
      for (String line : resource(FtraceErasTest.class, fixture).split("\r?\n")) { // as LineReader splits
        FtraceLine fast = FtraceLine.parseTrace(line);
        if (fast != null) {
          scanned++;
          assertEquals(FtraceLine.parseRegex(line), fast, line);
        }
      }
    }
    // 19 + 12 + 3 + 3 + 0 (perf goes to the regex) + 29 + 10 event lines in the fixtures
    assertEquals(76, scanned);
  }

  @Test
  void detection() {
    assertEquals(95, FTRACE.detect(Sniff.ofText("t", resource(FtraceErasTest.class, "trace-6.12.txt"))));
    assertEquals(80, FTRACE.detect(Sniff.ofText("t", resource(FtraceErasTest.class, "perf-script.txt"))));
    assertEquals(80, FTRACE.detect(Sniff.ofText("t", resource(FtraceErasTest.class, "trace-cmd-report.txt"))));
    assertEquals(60, FTRACE.detect(Sniff.ofText("t", "  bash-1 [000] ..... 1.000000: sched_switch: x\n")));
    assertEquals(0, FTRACE.detect(Sniff.ofText("t", "[    5.1] DMAR: DRHD: handling fault status reg 2\n")));
    assertEquals(0, FTRACE.detect(Sniff.ofText("t", "ts_ns,kind\n1,attach\n")));
    assertEquals(R, 1);
  }
}
