package io.iommusim.trace.imports.debugfs;

import static io.iommusim.trace.imports.text.Expect.G1;
import static io.iommusim.trace.imports.text.Expect.K4;
import static io.iommusim.trace.imports.text.Expect.M2;
import static io.iommusim.trace.imports.text.Expect.R;
import static io.iommusim.trace.imports.text.Expect.RW;
import static io.iommusim.trace.imports.text.Expect.W;
import static io.iommusim.trace.imports.text.Expect.attach;
import static io.iommusim.trace.imports.text.Expect.fixture;
import static io.iommusim.trace.imports.text.Expect.irte;
import static io.iommusim.trace.imports.text.Expect.map;
import static io.iommusim.trace.imports.text.Expect.passthrough;
import static io.iommusim.trace.imports.text.Expect.render;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import io.iommusim.trace.imports.Importers;
import io.iommusim.trace.imports.Sniff;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every debugfs layout, from fixtures written with the kernel's own format strings; the expected events
 * are worked out from the entry bits by hand (comments give the decoding).
 */
class IntelDebugfsImporterTest {
  private static final IntelDebugfsImporter IMPORTER = new IntelDebugfsImporter();

  private static ImportTestSupport.Result run(String fixture, Map<String, String> options) {
    return ImportTestSupport.run(IMPORTER, fixture(IntelDebugfsImporterTest.class, fixture), options);
  }

  @Test
  void currentKernelLegacyModeTwoUnitsPerDeviceTablesAndIrtes() {
    ImportTestSupport.Result r = run("current-legacy.txt", Map.of());
    assertEquals(List.of(
        // context hi 0x102: DID 1, AW 2; lo 0x114b00001: present, TT 0, table 0x114b00000
        attach(0, 0, "00:02.0", 1),
        attach(0, 1, "00:14.0", 3),
        attach(0, 1, "00:14.3", 3),
        attach(0, 1, "00:16.0", 5),                    // lo ...5: TT 1 (device TLB)
        passthrough(0, 1, "00:1f.0", 1),               // lo 0x9: TT 2
        // 00:02.0 @0x114b00000 = DID 1's table: PFNs 1, 2 (contiguous, rw), 3 (PTE ...001: read only),
        // a 2 MiB leaf in the PDE column, a 1 GiB leaf in the PDPE column
        map(0, 0, 1, 0x1000, 0x200001000L, 0x2000, RW, K4),
        map(0, 0, 1, 0x3000, 0x200009000L, 0x1000, R, K4),
        map(0, 0, 1, 0x200000, 0x300000000L, M2, RW, M2),
        map(0, 0, 1, 0x40000000, 0x400000000L, G1, RW, G1),
        map(0, 1, 3, 0xfff00000L, 0x123456000L, K4, RW, K4),
        map(0, 1, 3, 0xfff01000L, 0x123457000L, K4, W, K4), // PTE ...002: write only
        // 00:14.3 shares 00:14.0's table: not imported twice. 00:17.0 has no context row: made-up domain
        attach(0, 0, "00:17.0", 32768),
        map(0, 0, 32768, 0x10000, 0x500010000L, K4, RW, K4),
        // IRTE low: dest << 32 | vector << 16 | P; high: SVT 1 << 18 | SID
        irte(0, 0, 0, 0x0000010000220001L, 0x40010),
        irte(0, 1, 24, 0x0000020000310001L, 0x400a0),
        irte(0, 1, 25, 0x1234568000418001L, 0x400b0)), // posted: IM (bit 15), PDA 0x12345680 in 63:38
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(51, rep.lines());
    assertEquals(17, rep.eventLines());
    assertEquals(34, rep.ignoredLines());
    assertEquals(0, rep.unparsedLines());
    assertEquals(2, rep.ignoredCount(DebugfsParser.ROW_DUPLICATE));
    assertEquals(1, rep.ignoredCount(DebugfsDecoder.DMA_REMAPPING_OFF));
    assertEquals(1, rep.note(DebugfsParser.NOTE_MADE_UP).count());
    assertEquals(List.of("Device 00:17.0 @0x117000000: domain 32768"),
        rep.note(DebugfsParser.NOTE_MADE_UP).details());
    assertEquals(List.of("00:16.0"), rep.note(DebugfsParser.NOTE_DEVICE_TLB).details());
    assertEquals(List.of("AW 2 = 48 bits"), rep.note(DebugfsParser.NOTE_WIDTH).details()); // each width once
    assertArrayEquals(new long[] {28}, rep.note(DebugfsParser.NOTE_DEVICE_UNIT).lines());
  }

  @Test
  void scalableModeImportsTheRidPasidEntryAndTablesOfEveryPasid() {
    ImportTestSupport.Result r = run("scalable.txt", Map.of());
    assertEquals(List.of(
        // PASID entry val0 0x14b351089: P, AW 2, PGTT 2, SLPTR 0x14b351000; val1 0x800003: DID 3
        attach(0, 0, "00:02.0", 3),
        // 00:02.0 PASID 1 (PGTT 1, DID 4) is not RID_PASID: ignored; 00:03.0's RID_PASID is 5 (context hi)
        attach(0, 0, "00:03.0", 7),
        // 00:04.0: PGTT 0 is reserved (unparsed); 00:1f.0: val0 0x109 = PGTT 4, pass-through, DID 1
        passthrough(0, 0, "00:1f.0", 1),
        map(0, 0, 3, 0xa0000, 0x1e0000000L, K4, RW, K4),
        // first-level entries of PASID 1 (FLPTR 0x150000000 = DID 4): XD (bit 63) is not address;
        // PTE ...005 is P|U/S without R/W: read only
        map(0, 0, 4, 0x7f000000L, 0x210000000L, K4, RW, K4),
        map(0, 0, 4, 0x7f001000L, 0x210001000L, K4, R, K4)),
        render(r.events()));
    ImportReport rep = r.report();
    assertEquals(16, rep.lines());
    assertEquals(1, rep.ignoredCount(DebugfsParser.PASID_OTHER));
    assertEquals(1, rep.unparsedCount(DebugfsParser.PASID_RESERVED_PGTT));
    assertEquals(List.of("6\t" + DebugfsParser.PASID_RESERVED_PGTT + "\t" + line(r, "scalable.txt", 6)), r.rejects());
  }

  @Test
  void allPasidsImportsEveryPasidEntryAsAnAttachWithItsPasid() {
    ImportTestSupport.Result r = run("scalable.txt", Map.of("pasids", "all"));
    assertEquals(List.of(
        attach(0, 0, "00:02.0", 3),
        attach(0, 0, "00:02.0", 4, 1),
        attach(0, 0, "00:03.0", 7),
        passthrough(0, 0, "00:1f.0", 1)),
        render(r.events()).subList(0, 4));
    assertEquals(1, r.report().note(DebugfsParser.NOTE_FIRST_LEVEL).count());
  }

  @Test
  void oldLayoutOf420To52() {
    ImportTestSupport.Result r = run("old-4.20.txt", Map.of());
    assertEquals(List.of(
        // entry 160 = devfn 0xa0 = 00:14.0, hi 102: DID 1; lo 4362ef001 (hex without 0x)
        attach(0, 2, "00:14.0", 1),
        attach(0, 2, "00:17.0", 3),
        attach(0, 2, "00:1f.0", 2),
        irte(0, 2, 3, 0x0000000100ef0001L, 0x400b8)),
        render(r.events()));
    assertEquals(17, r.report().lines());
    assertEquals(4, r.report().eventLines());
    assertEquals(1, r.report().ignoredCount(DebugfsDecoder.ROOT_ENTRY));
    assertEquals(0, r.report().unparsedLines());
  }

  @Test
  void globalDomainFileWithZeroFilledColumns() {
    ImportTestSupport.Result r = run("global-domain-5.x.txt", Map.of("ts_ns", "-5"));
    assertEquals(List.of(
        attach(-5, 2, "00:14.0", 1),
        attach(-5, 2, "00:17.0", 3),
        map(-5, 2, 1, 0xffffe000L, 0x433a05000L, 0x2000, RW, K4),
        // PTE column 0: the PDE 0x440000083 (PS) is a 2 MiB leaf
        map(-5, 2, 1, 0x100000000L, 0x440000000L, M2, RW, M2),
        map(-5, 2, 3, 0xfee00000L, 0x3fff0000L, K4, R, K4)),
        render(r.events()));
    assertEquals(0, r.report().unparsedLines());
  }

  @Test
  void detectionAndRegistry() {
    assertEquals(IntelDebugfsImporter.NAME, Importers.detect(Sniff.ofText("x", fixture(getClass(), "old-4.20.txt"))));
    assertEquals(IntelDebugfsImporter.NAME,
        Importers.detect(Sniff.ofText("x", "Device 0000:00:02.0 @0x114b00000\n0x0000000000001 |\t0x0\n")));
    assertEquals(0, IMPORTER.detect(Sniff.ofText("x", "ts_ns,kind\n0,attach\n")));
    assertTrue(Importers.names().contains("intel-debugfs"));
  }

  @Test
  void badOptionsAreRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImportTestSupport.run(IMPORTER, "", Map.of("pasids", "some")));
    assertTrue(e.getMessage().contains("option 'pasids'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ImportTestSupport.run(IMPORTER, "", Map.of("made_up_domains_from", "70000")));
    assertTrue(e.getMessage().contains("option 'made_up_domains_from'"), e.getMessage());
  }

  static String line(ImportTestSupport.Result r, String fixture, int n) {
    return fixture(IntelDebugfsImporterTest.class, fixture).split("\n", -1)[n - 1];
  }
}
