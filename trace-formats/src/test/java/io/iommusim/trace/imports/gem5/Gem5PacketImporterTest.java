package io.iommusim.trace.imports.gem5;

import static io.iommusim.trace.imports.ImportTestSupport.dma;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import io.iommusim.trace.imports.Importers;
import io.iommusim.trace.imports.Sniff;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * gem5 packet traces written byte by byte from packet.proto and protoio.cc (varints worked out by
 * hand: 2000 = d0 0f, 3500 = ac 1b, 4096 = 80 20, 0x2008 = 88 40, 10^12 = 80 a0 94 a5 8d 1d).
 */
class Gem5PacketImporterTest {
  private static final Gem5PacketImporter GEM5 = new Gem5PacketImporter();

  private static final String MAGIC = "67656d35";
  /** obj_id "mon"; tick_freq 10^12 (1 tick = 1 ps); id_strings {0: "cpu"}, {5: "dma"}: 30 bytes. */
  private static final String HEADER = "1e"
      + "0a036d6f6e"
      + "1880a094a58d1d"
      + "220708001203637075"
      + "220708051203646d61";
  /** The same without id strings: 12 bytes. */
  private static final String HEADER_NO_IDS = "0c" + "0a036d6f6e" + "1880a094a58d1d";

  /** Record 2 at byte 35: ReadReq, tick 2000, addr 0x1000, size 64, requestor 5. */
  private static final String READ = "0c" + "08d00f" + "1001" + "188020" + "2040" + "3005";
  /** Record 3 at byte 48: WriteReq, tick 3500, addr 0x2008, size 8, flags 0x100, requestor 5. */
  private static final String WRITE = "0f" + "08ac1b" + "1004" + "188840" + "2008" + "288002" + "3005";
  /** Record 4 at byte 64: ReadResp (cmd 2), tick 4000. */
  private static final String READ_RESP = "0c" + "08a01f" + "1002" + "188020" + "2040" + "3005";
  /** Record 5 at byte 77: ReadReq by requestor 0 ("cpu"), tick 5000, addr 0x40, size 4. */
  private static final String CPU_READ = "0b" + "088827" + "1001" + "1840" + "2004" + "3000";
  /** Record 6 at byte 89: WriteReq of size 0, tick 6000, addr 0x3000. */
  private static final String SIZE_ZERO = "0c" + "08f02e" + "1004" + "188060" + "2000" + "3005";
  /** Record 7 at byte 102: ReadReq, tick 7000, addr 0x1040, size 64, plus an unknown field 9 = 7. */
  private static final String UNKNOWN_FIELD = "0e" + "08d836" + "1001" + "18c020" + "2040" + "3005" + "4807";

  private static byte[] bytes(String... hex) {
    return HexFormat.of().parseHex(String.join("", hex));
  }

  private static final byte[] TRACE = bytes(MAGIC, HEADER, READ, WRITE, READ_RESP, CPU_READ, SIZE_ZERO, UNKNOWN_FIELD);

  private static ImportTestSupport.Result run(byte[] in, Map<String, String> options) {
    return ImportTestSupport.run(GEM5, in, options, false, false, Map.of());
  }

  @Test
  void fixtureIsAsLongAsWorkedOut() {
    assertEquals(117, TRACE.length);
  }

  @Test
  void everyRecordIsAccountedForAndReadsAndWritesBecomeDma() {
    ImportTestSupport.Result r = run(TRACE, Map.of());
    assertEquals(List.of(
        dma(2, false, "00:00.5", 0x1000, 64),
        dma(3, true, "00:00.5", 0x2008, 8),
        dma(5, false, "00:00.0", 0x40, 4),
        dma(7, false, "00:00.5", 0x1040, 64)), r.lines());
    ImportReport rep = r.report();
    assertEquals("record", rep.unit());
    assertEquals(7, rep.lines());
    assertEquals(4, rep.eventLines());
    assertEquals(2, rep.ignoredLines());
    assertEquals(1, rep.unparsedLines());
    assertEquals(1, rep.ignoredCount(Gem5PacketParser.HEADER));
    assertEquals(1, rep.ignoredCount("command 2 (not in read-cmds or write-cmds)"));
    assertArrayEquals(new long[] {4}, rep.ignored().get("command 2 (not in read-cmds or write-cmds)").lines());
    assertEquals(1, rep.unparsedCount(Gem5PacketParser.SIZE_ZERO));
    assertEquals(List.of("6\tpacket: size 0\trecord 6 at byte offset 89, 12 bytes: size 0: 08f02e100418806020003005"),
        r.rejects());
    ImportReport.Tally byId = rep.note(Gem5PacketParser.NOTE_BY_ID);
    assertEquals(List.of("requestor 5 'dma' -> 00:00.5", "requestor 0 'cpu' -> 00:00.0"), byId.details());
    assertArrayEquals(new long[] {2, 5}, byId.lines());
    assertEquals(1, rep.note(Gem5PacketParser.NOTE_UNKNOWN_FIELDS).amount());
    assertEquals(List.of("obj_id 'mon', ver 0, tick_freq 1000000000000 ticks/s (ts_ns = floor(tick * 1e9 / tick_freq)), "
        + "2 id strings"), rep.note(Gem5PacketParser.NOTE_HEADER).details());
  }

  @Test
  void gzipIsRecognisedByItsMagic() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
      gz.write(TRACE);
    }
    ImportTestSupport.Result plain = run(TRACE, Map.of());
    ImportTestSupport.Result gzip = run(b.toByteArray(), Map.of());
    assertEquals(plain.lines(), gzip.lines());
    assertEquals(plain.rejects(), gzip.rejects()); // offsets count the decompressed stream
    assertEquals(7, gzip.report().lines());
  }

  @Test
  void aRequestorMapNamesDevicesByNameOrIdAndLeavesOthersOut() {
    for (String map : List.of("dma=01:00.0", "5=01:00.0", "0x5 = 01:00.0, dma=01:00.0")) {
      ImportTestSupport.Result r = run(TRACE, Map.of("requestors", map));
      assertEquals(List.of(
          dma(2, false, "01:00.0", 0x1000, 64),
          dma(3, true, "01:00.0", 0x2008, 8),
          dma(7, false, "01:00.0", 0x1040, 64)), r.lines(), map);
      assertEquals(1, r.report().ignoredCount(Gem5PacketParser.NOT_MAPPED));
      assertArrayEquals(new long[] {5}, r.report().ignored().get(Gem5PacketParser.NOT_MAPPED).lines());
      assertEquals(List.of("requestor 5 'dma' -> 01:00.0"), r.report().note(Gem5PacketParser.NOTE_BY_MAP).details());
      assertEquals(7, r.report().lines());
    }
  }

  @Test
  void aRequestorMapFileAddsToTheInlineOne() {
    ImportTestSupport.Result r = ImportTestSupport.run(GEM5, TRACE, Map.of("requestors", "cpu=02:00.0",
        "requestor-map", "map.txt"), false, false, Map.of("requestor-map", "# gem5 requestors\ndma = 01:00.0\n"));
    assertEquals(List.of(
        dma(2, false, "01:00.0", 0x1000, 64),
        dma(3, true, "01:00.0", 0x2008, 8),
        dma(5, false, "02:00.0", 0x40, 4),
        dma(7, false, "01:00.0", 0x1040, 64)), r.lines());
  }

  @Test
  void aRequestorMappedTwoWaysToTwoDevicesFailsNamingTheRecord() {
    TraceFormatException e = assertThrows(TraceFormatException.class,
        () -> run(TRACE, Map.of("requestors", "5=01:00.0,dma=02:00.0")));
    assertEquals("in.txt:2: requestor 5 'dma' is mapped to 01:00.0 by its id and to 02:00.0 by its name", e.getMessage());
  }

  @Test
  void readAndWriteCommandsAreOptions() {
    ImportTestSupport.Result r = run(TRACE, Map.of("read-cmds", "1,2"));
    assertEquals(dma(4, false, "00:00.5", 0x1000, 64), r.lines().get(2));
    assertEquals(5, r.report().eventLines());
    assertThrows(IllegalArgumentException.class, () -> run(TRACE, Map.of("write-cmds", "4,1")));
    assertThrows(IllegalArgumentException.class, () -> run(TRACE, Map.of("read-cmds", "ReadReq")));
    assertThrows(IllegalArgumentException.class, () -> run(TRACE, Map.of("requestors", "dma")));
    assertThrows(IllegalArgumentException.class, () -> run(TRACE, Map.of("requestors", "dma=zz")));
  }

  @Test
  void withoutIdStringsRequestorsAreTheirIds() {
    ImportTestSupport.Result r = run(bytes(MAGIC, HEADER_NO_IDS, READ), Map.of());
    assertEquals(List.of(dma(2, false, "00:00.5", 0x1000, 64)), r.lines());
    assertEquals(List.of("requestor 5"), r.report().note(Gem5PacketParser.NOTE_NO_NAME).details());
    assertEquals(List.of("requestor 5 -> 00:00.5"), r.report().note(Gem5PacketParser.NOTE_BY_ID).details());
    assertEquals(2, r.report().lines());
  }

  @Test
  void aTruncatedLastRecordIsUnparsedWithItsOffset() {
    // record 3 at byte 48 announces 12 bytes; the input ends after 5
    byte[] in = bytes(MAGIC, HEADER, READ, "0c08d00f1001");
    ImportTestSupport.Result r = run(in, Map.of());
    assertEquals(List.of(dma(2, false, "00:00.5", 0x1000, 64)), r.lines());
    assertEquals(3, r.report().lines());
    assertEquals(List.of("3\ttruncated record\trecord 3 at byte offset 48, 5 bytes: 12 bytes announced, 5 present: "
        + "08d00f1001"), r.rejects());
    // cut inside the length prefix: 0x8c has its continuation bit set
    ImportTestSupport.Result cut = run(bytes(MAGIC, HEADER, READ, "8c"), Map.of());
    assertEquals(1, cut.report().unparsedCount(Gem5PacketParser.TRUNCATED));
    assertEquals(3, cut.report().lines());
  }

  @Test
  void strictStopsAtTheFirstBadRecordNamingFileAndRecord() {
    byte[] in = bytes(MAGIC, HEADER, READ, "0c08d00f1001");
    TraceFormatException e = assertThrows(TraceFormatException.class,
        () -> ImportTestSupport.run(GEM5, in, Map.of(), true, false, Map.of()));
    assertEquals("in.txt:3: cannot import this gem5-packets record (truncated record); --strict stops at the first "
        + "unparsed record: 'record 3 at byte offset 48, 5 bytes: 12 bytes announced, 5 present: 08d00f1001'",
        e.getMessage());
  }

  @Test
  void aMalformedPacketIsSkippedByItsLength() {
    // record 3 at byte 48: field 1 (tick) written length-delimited (tag 0x0a), then the write at byte 52
    byte[] in = bytes(MAGIC, HEADER, READ, "030a0100", WRITE);
    ImportTestSupport.Result r = run(in, Map.of());
    assertEquals(List.of(dma(2, false, "00:00.5", 0x1000, 64), dma(3, true, "00:00.5", 0x2008, 8)), r.lines());
    assertEquals(List.of("3\tpacket: malformed message\trecord 3 at byte offset 48, 3 bytes: field 1 at byte 0 has "
        + "wire type 2, not a varint: 0a0100"), r.rejects());
  }

  @Test
  void missingRequiredFieldsAndRequestorsAreUnparsed() {
    // record 2: tick and cmd only; record 3: a read without pkt_id; record 4: pkt_id 0x10000; record 5: a read
    byte[] in = bytes(MAGIC, HEADER, "05" + "08d00f" + "1001", "0a" + "08d00f" + "1001" + "188020" + "2040",
        "0e" + "08d00f" + "1001" + "188020" + "2040" + "30808004", READ);
    ImportTestSupport.Result r = run(in, Map.of());
    assertEquals(List.of(dma(2, false, "00:00.5", 0x1000, 64)), r.lines());
    assertEquals(1, r.report().unparsedCount(Gem5PacketParser.MISSING));
    assertEquals(1, r.report().unparsedCount(Gem5PacketParser.NO_REQUESTOR));
    assertEquals(1, r.report().unparsedCount(Gem5PacketParser.REQUESTOR_RANGE));
    assertTrue(r.rejects().get(0).endsWith("missing addr, size: 08d00f1001"), r.rejects().get(0));
    assertEquals(5, r.report().lines());
  }

  @Test
  void aBrokenLengthPrefixMakesTheRestOneUnparsedRecord() {
    // record 3 at byte 48: five bytes with the continuation bit; 3 more bytes follow
    byte[] in = bytes(MAGIC, HEADER, READ, "ffffffffff", "010203");
    ImportTestSupport.Result r = run(in, Map.of());
    assertEquals(1, r.lines().size());
    assertEquals(3, r.report().lines());
    assertEquals(List.of("3\t" + Gem5PacketParser.BAD_LENGTH + "\trecord 3 at byte offset 48: the length prefix is "
        + "not a varint32 of at most 16777216 bytes; the remaining 8 bytes (3 after the prefix) cannot be split into "
        + "records"), r.rejects());
  }

  @Test
  void aBadMagicOrHeaderFailsTheInput() {
    TraceFormatException magic = assertThrows(TraceFormatException.class, () -> run(bytes("67656d36", HEADER), Map.of()));
    assertEquals("in.txt: not a gem5 packet trace: it does not start with the magic 'gem5' (0x356d6567)",
        magic.getMessage());
    // a header without tick_freq
    TraceFormatException header = assertThrows(TraceFormatException.class,
        () -> run(bytes(MAGIC, "05", "0a036d6f6e"), Map.of()));
    assertEquals("in.txt:1: record 1 (the packet header) at byte offset 4 is not a gem5 PacketHeader: the required "
        + "field tick_freq (3) is missing", header.getMessage());
    assertThrows(TraceFormatException.class, () -> run(bytes(MAGIC), Map.of()));
    assertThrows(TraceFormatException.class, () -> run(bytes(MAGIC, "1e0a03"), Map.of()));
  }

  @Test
  void detectionNeedsTheMagicAndAHeader() {
    assertEquals(95, GEM5.detect(new Sniff("t.trc", TRACE)));
    assertEquals(0, GEM5.detect(Sniff.ofText("sim.log", "gem5 Simulator System.  https://www.gem5.org\n")));
    assertEquals(0, GEM5.detect(Sniff.ofText("t.csv", "ts_ns,kind\n")));
    assertEquals(Gem5PacketImporter.NAME, Importers.detect(new Sniff("t.trc", TRACE)));
  }

  @Test
  void ticksBecomeNanosecondsRoundedDown() {
    assertEquals(2, new TickClock(1_000_000_000_000L).toNs(2999));
    assertEquals(18_446_744_073_709_551L, new TickClock(1_000_000_000_000L).toNs(-1L)); // 2^64-1 ps
    assertEquals(7, new TickClock(1_000_000_000L).toNs(7));
    assertEquals(-1, new TickClock(1_000_000_000L).toNs(-1L)); // 2^64-1 ns does not fit
    assertEquals(7000, new TickClock(1_000_000L).toNs(7)); // µs ticks
    assertEquals(-1, new TickClock(1_000_000L).toNs(Long.MAX_VALUE / 10));
    assertEquals(3, new TickClock(3_000_000_000L).toNs(10)); // floor(10 * 1e9 / 3e9)
    assertEquals(3_333_333_333L, new TickClock(3_000_000_000L).toNs(10_000_000_000L));
  }
}
