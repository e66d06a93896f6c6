package io.iommusim.trace.imports.qemu;

import static io.iommusim.trace.imports.text.Expect.K4;
import static io.iommusim.trace.imports.text.Expect.M2;
import static io.iommusim.trace.imports.text.Expect.R;
import static io.iommusim.trace.imports.text.Expect.RW;
import static io.iommusim.trace.imports.text.Expect.W;
import static io.iommusim.trace.imports.text.Expect.attach;
import static io.iommusim.trace.imports.text.Expect.contextDevice;
import static io.iommusim.trace.imports.text.Expect.contextDomain;
import static io.iommusim.trace.imports.text.Expect.contextGlobal;
import static io.iommusim.trace.imports.text.Expect.detach;
import static io.iommusim.trace.imports.text.Expect.devtlbGlobal;
import static io.iommusim.trace.imports.text.Expect.fault;
import static io.iommusim.trace.imports.text.Expect.fixture;
import static io.iommusim.trace.imports.text.Expect.iecGlobal;
import static io.iommusim.trace.imports.text.Expect.iecIndex;
import static io.iommusim.trace.imports.text.Expect.iotlbDomain;
import static io.iommusim.trace.imports.text.Expect.iotlbGlobal;
import static io.iommusim.trace.imports.text.Expect.iotlbPage;
import static io.iommusim.trace.imports.text.Expect.irte;
import static io.iommusim.trace.imports.text.Expect.map;
import static io.iommusim.trace.imports.text.Expect.msi;
import static io.iommusim.trace.imports.text.Expect.passthrough;
import static io.iommusim.trace.imports.text.Expect.read;
import static io.iommusim.trace.imports.text.Expect.render;
import static io.iommusim.trace.imports.text.Expect.unmap;
import static io.iommusim.trace.imports.text.Expect.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every prefix style and format version of QEMU's vIOMMU trace events, from fixtures written with
 * QEMU's own format strings (hw/i386/trace-events, hw/arm/trace-events of several versions). The
 * expected events are worked out by hand; comments give the decoding.
 */
class QemuTraceImporterTest {
  private static final QemuTraceImporter IMPORTER = new QemuTraceImporter();

  static ImportTestSupport.Result run(String fixture, Map<String, String> options) {
    return ImportTestSupport.run(IMPORTER, fixture(QemuTraceImporterTest.class, fixture), options);
  }

  /** Line n of a pid@sec.usec fixture whose lines are step µs apart. */
  private static long at(long sec, int n, long stepUs) {
    return sec * 1_000_000_000L + n * stepUs * 1000;
  }

  private static long v(int n) {
    return at(1594894035, n, 100);
  }

  @Test
  void intelWithPidAtPrefixesOfQemu2() {
    ImportTestSupport.Result r = run("vtd-pid-at.log", Map.of());
    assertEquals(List.of(
        passthrough(v(2), 0, "00:02.0", -1),              // address space switched off the IOMMU
        attach(v(4), 0, "00:03.0", 1),                    // context hi 0x102: DID 1; lo TT 0
        // IOTLB fill (leaf 0x7f7e3003: R|W) + translate (mask 0xfff): a 4 KiB map and one access at the
        // exact IOVA of the fill line, dma_size cut at the page end (0x1000 - 0x40)
        map(v(6), 0, 1, 0xfffff000L, 0x7f7e3000L, K4, RW, K4),
        read(v(6), 0, "00:03.0", 0xfffff040L, 4032),
        read(v(9), 0, "00:03.0", 0xfffff080L, 3968),     // hit of the same leaf: no new map
        map(v(11), 0, 1, 0xffe00000L, 0x7e000000L, M2, RW, M2), // mask 0x1fffff: 2 MiB
        read(v(11), 0, "00:03.0", 0xffe00000L, 4096),
        // "source id 0x16": 0x%PRIu16, decimal 16 = 00:02.0 (a device the trace showed), not 0x16
        read(v(12), 0, "00:02.0", 0x1000, 4096),
        read(v(13), 0, "00:03.0", 0xdead000L, 4096),
        fault(v(13), 0, "00:03.0", 0xdead000L, R, 6, "vtd"),
        // raw descriptor qw0 0x10032: type 2 (IOTLB), granularity 3 (page), DID 1; qw1: addr, AM 0
        iotlbPage(v(16), 0, 1, 0xfffff000L, 0),
        attach(v(20), 0, "00:04.0", 2),                   // replay of 00:04.0's context, DID 2
        // old vtd_page_walk_one (level instead of domain): the replay's domain; perm 3 rw, 1 read
        map(v(22), 0, 2, 0x10000, 0x12340000L, K4, RW, K4),
        map(v(23), 0, 2, 0x11000, 0x12341000L, K4, R, K4),
        irte(v(25), 0, 2, 0x100410001L, 0x40018),
        // the request names no device: the IRTE validates SVT 1 with SID 0x18 and the remap succeeded
        msi(v(24), 0, "00:03.0", 0xfee00010L, 0),
        iecIndex(v(29), 0, 2, 0)),                         // granularity 1 = index-selective
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(30, rep.lines());
    assertEquals(0, rep.unparsedLines());
    assertEquals(1, rep.ignoredCount(VtdHandler.DECODED_DESCRIPTOR));
    assertEquals(2, rep.ignoredCount(QemuEvents.WAIT));
    assertEquals(1, rep.ignoredCount(VtdHandler.CONTEXT_KNOWN));
    assertEquals(List.of("0x16 = 16"), rep.note(QemuState.NOTE_DECIMAL_0X).details());
    assertEquals(1, rep.note(VtdHandler.NOTE_MSI_SID_IRTE).count());
    assertNotNull(rep.note(QemuState.NOTE_ACCESS));
  }

  @Test
  void intelWithoutPrefixesOfCurrentQemu() {
    ImportTestSupport.Result r = run("vtd-bare.log", Map.of());
    assertEquals(List.of(
        attach(0, 0, "00:05.0", 3),
        map(0, 0, 3, 0x200000, 0x40000000L, M2, RW, M2),
        read(0, 0, "00:05.0", 0x200100, 3840),            // the fill's leaf is the map already imported
        iotlbDomain(0, 0, 3),
        unmap(0, 0, 3, 0x200000, M2),                     // perm 0: an unmap notification
        contextDevice(0, 0, "00:05.0"),
        detach(0, 0, "00:05.0"),                          // devfn 40 decimal = 00:05.0
        write(0, 0, "00:05.0", 0x200000, 4096),
        fault(0, 0, "00:05.0", 0x200000, W, 2, "vtd"),
        irte(0, 0, 1, 0, 0),
        msi(0, 0, "00:05.0", 0xfee00000L, 1),             // a 2024 build printed the sid
        contextGlobal(0, 0),
        iotlbGlobal(0, 0),
        iotlbPage(0, 0, 3, 0x1000, 2),                    // PASID-selective: the whole domain's range
        contextDevice(0, 0, "00:05.0"),                   // cc_devices is followed by its cc_device lines
        passthrough(0, 0, "00:06.0", 0),                  // lo 0x9: TT 2
        read(0, 0, "00:06.0", 0x7000, 4096),              // "0x30" names 00:06.0 as hex, not 30
        attach(0, 0, "00:05.0", 3),
        read(0, 0, "00:05.0", 0x3000, 4096)),
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(25, rep.lines());
    assertEquals(0, rep.unparsedLines());
    assertEquals(1, rep.ignoredCount(VtdHandler.DEVICES_FOLLOW));
    assertNotNull(rep.note(QemuParser.NOTE_UNTIMED));
    assertEquals(null, rep.note(QemuState.NOTE_DECIMAL_0X));
  }

  @Test
  void intelWithIso8601Prefixes() {
    ImportTestSupport.Result r = run("vtd-iso8601.log", Map.of());
    long t1 = ns("2025-07-21T18:10:51.611430Z");
    long t2 = ns("2025-07-21T18:10:51.611431Z");
    long t3 = ns("2025-07-21T18:10:51.611500Z");
    long t5 = ns("2025-07-21T18:10:52Z");
    assertEquals(List.of(
        attach(t1, 0, "01:00.0", 5),
        read(t2, 0, "01:00.0", 0x8000, 4096),
        write(t3, 0, "01:00.0", 0xa000, 4096),
        fault(t3, 0, "01:00.0", 0xa000, W, 5, "vtd"),
        contextDomain(t5, 0, 1)),                        // qw0 0x10021: type 1, granularity 2, DID 1
        render(r.events()));
    assertEquals(1, r.report().ignoredCount(QemuParser.QEMU_MESSAGE));
    assertEquals(1, r.report().ignoredCount(VtdHandler.DECODED_DESCRIPTOR));
  }

  private static long ns(String iso) {
    Instant i = Instant.parse(iso);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  @Test
  void amdVi() {
    ImportTestSupport.Result r = run("amdvi.log", Map.of());
    long s = 1700000000;
    assertEquals(List.of(
        attach(at(s, 3, 1), 0, "00:04.0", 5),             // fill: domid 5; the 4 KiB page, read-write
        map(at(s, 3, 1), 0, 5, 0x7000, 0x123000, K4, RW, K4),
        read(at(s, 3, 1), 0, "00:04.0", 0x7040, 4032),
        read(at(s, 5, 1), 0, "00:04.0", 0x7080, 3968),    // IOTLB hit + result: one access
        fault(at(s, 6, 1), 0, null, 0xdead000L, RW, 2, "amdvi"), // IO_PAGE_FAULT, no device, no direction
        iotlbDomain(at(s, 8, 1), 0, 5),
        contextDevice(at(s, 9, 1), 0, "00:04.0"),
        devtlbGlobal(at(s, 10, 1), 0),
        iecGlobal(at(s, 11, 1), 0),
        iotlbGlobal(at(s, 12, 1), 0),
        contextGlobal(at(s, 12, 1), 0),
        iecGlobal(at(s, 12, 1), 0),
        msi(at(s, 15, 1), 0, "00:04.0", 0xfee00000L, 0x21),
        read(at(s, 17, 1), 0, "00:04.0", 0x9000, 4096)),  // a hit without its result line: still an access
        render(r.events()));
    assertEquals(0, r.report().unparsedLines());
    assertNotNull(r.report().note(AmdviHandler.NOTE_PERM));
  }

  @Test
  void smmuOfQemu3WithDecimalStreamIds() {
    ImportTestSupport.Result r = run("smmuv3-qemu3.log", Map.of());
    long s = 1530000000;
    assertEquals(List.of(
        contextDevice(at(s, 2, 1), 0, "00:02.0"),         // streamid =16 (decimal): 0x10
        // start=0x16 - end=0x17 in a trace printing decimal stream ids: "0x%d", streams 16 and 17
        contextDevice(at(s, 4, 1), 0, "00:02.0"),
        contextDevice(at(s, 4, 1), 0, "00:02.1"),
        // config (sid 16), IOTLB miss (ASID 1), leaf (pte AP[2] clear: read-write), success (perm 0x2:
        // in this version the access flag, a write)
        attach(at(s, 8, 1), 0, "00:02.0", 1),
        map(at(s, 8, 1), 0, 1, 0x8000000, 0x40000000, K4, RW, K4),
        write(at(s, 8, 1), 0, "00:02.0", 0x8000010, 4080),
        iotlbPage(at(s, 10, 1), 0, 1, 0x8000000, 0),
        iotlbGlobal(at(s, 12, 1), 0),                     // TLBI_NSNH_ALL had no decoded line then
        fault(at(s, 15, 1), 0, "00:02.1", 0, RW, 0x10, "smmuv3"), // SMMU_EVT_F_TRANS = F_TRANSLATION
        passthrough(at(s, 16, 1), 0, "00:03.0", -1),
        read(at(s, 16, 1), 0, "00:03.0", 0x1000, 4096),
        write(at(s, 17, 1), 0, "00:04.0", 0x2000, 4096),
        iotlbDomain(at(s, 18, 1), 0, 1)),
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(0, rep.unparsedLines());
    assertEquals(2, rep.ignoredCount(SmmuHandler.CACHE_ACTION));
    assertEquals(1, rep.ignoredCount(SmmuHandler.COMMAND_NO_EFFECT));
    assertEquals(2, rep.note(QemuState.NOTE_DECIMAL_0X).count());
  }

  @Test
  void smmuOfCurrentQemu() {
    ImportTestSupport.Result r = run("smmuv3-current.log", Map.of());
    assertEquals(List.of(
        // block leaf: pte bit 7 (AP[2]) set, read-only, 2 MiB; the access direction is not printed
        attach(0, 0, "00:01.0", 2),
        map(0, 0, 2, 0x10000000, 0x80000000L, M2, R, M2),
        read(0, 0, "00:01.0", 0x10000100, 3840),
        read(0, 0, "00:01.0", 0x10000200, 3584),
        // 3 pages of 4 KiB at 0x10000000: the aligned 4-page block, am 2
        iotlbPage(0, 0, 2, 0x10000000, 2),
        contextDevice(0, 0, "00:01.0"),                   // streams 0x8 and 0x9 (hex in this version)
        contextDevice(0, 0, "00:01.1"),
        iotlbDomain(0, 0, 2),
        iotlbGlobal(0, 0),
        // stage 2 only (ASID -1): the domain is the VMID; S2AP bit 6 only: read-only
        attach(0, 0, "00:01.1", 1),
        map(0, 0, 1, 0x2000, 0x90004000L, K4, R, K4),
        fault(0, 0, "00:01.1", 0, RW, 0x13, "smmuv3"),
        passthrough(0, 0, "00:05.0", -1),
        write(0, 0, "00:05.0", 0x3000, 4096),
        iotlbGlobal(0, 0)),                               // TLBI_S12_VMALL: every domain of the VM
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(26, rep.lines());
    assertEquals(0, rep.unparsedLines());
    assertEquals(4, rep.ignoredCount(SmmuHandler.CACHE_ACTION));
    assertEquals(1, rep.note(SmmuHandler.NOTE_RANGE).count());
  }

  @Test
  void detectionAndRegistry() {
    assertEquals(QemuTraceImporter.NAME, io.iommusim.trace.imports.Importers.detect(
        io.iommusim.trace.imports.Sniff.ofText("x", fixture(getClass(), "vtd-bare.log"))));
    assertEquals(QemuTraceImporter.NAME, io.iommusim.trace.imports.Importers.detect(
        io.iommusim.trace.imports.Sniff.ofText("x", fixture(getClass(), "vtd-iso8601.log"))));
    assertEquals(0, IMPORTER.detect(io.iommusim.trace.imports.Sniff.ofText("x", "map 1 2 3\n")));
    assertTrue(io.iommusim.trace.imports.Importers.names().contains("qemu-trace"));
  }
}
