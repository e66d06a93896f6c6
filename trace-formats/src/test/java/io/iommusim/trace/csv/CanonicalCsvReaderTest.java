package io.iommusim.trace.csv;

import static io.iommusim.trace.csv.CsvTestSupport.read;
import static io.iommusim.trace.csv.CsvTestSupport.readOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalCsvReaderTest {

  @ParameterizedTest
  @CsvSource({
      "attach, ATTACH", "attach_passthrough, ATTACH_PASSTHROUGH", "detach, DETACH", "map, MAP",
      "unmap, UNMAP", "dma_read, DMA_READ", "dma_write, DMA_WRITE", "msi, MSI", "irte_set, IRTE_SET",
      "irte_clear, IRTE_CLEAR", "inv_iotlb, INV_IOTLB", "inv_context, INV_CONTEXT",
      "inv_devtlb, INV_DEVTLB", "inv_iec, INV_IEC", "fault_observed, FAULT_OBSERVED"})
  void parsesEveryKind(String text, EventKind expected) throws IOException {
    assertSame(expected, readOne("ts_ns,kind\n1," + text + "\n").kind);
  }

  @ParameterizedTest
  @CsvSource({
      "0000:03:00.1, 0x0301", "03:1f.7, 0x03FF", "0x0301, 0x0301", "769, 0x0301",
      "0001:00:00.0, 0x10000", "0000:0A:1F.7, 0x0AFF", "7fff:ff:1f.7, 0x7FFFFFFF", "00:00.0, 0x0",
      "0x7FFFFFFF, 0x7FFFFFFF", "-1, -1"})
  void parsesEverySidForm(String text, String expectedHex) throws IOException {
    int expected = expectedHex.equals("-1") ? -1 : Integer.parseInt(expectedHex.substring(2), 16);
    assertEquals(expected, readOne("ts_ns,kind,sid\n1,dma_read," + text + "\n").sid);
  }

  @Test
  void emptySidMeansNone() throws IOException {
    assertEquals(-1, readOne("ts_ns,kind,sid\n1,dma_read,\n").sid);
  }

  @Test
  void readsHexAndDecimalNumbers() throws IOException {
    List<TraceEvent> events = read("ts_ns,kind,addr,size,phys,data\n"
        + "9223372036854775807,map,0xFFFFFFFFFFFFFFFF,4096,0x8000000000000000,0XaB\n"
        + "-9223372036854775808,map,18446744,0x10,0x00000000000000001,-0x10\n");
    TraceEvent a = events.get(0);
    assertEquals(Long.MAX_VALUE, a.tsNs);
    assertEquals(-1L, a.addr);
    assertEquals(4096, a.size);
    assertEquals(Long.MIN_VALUE, a.phys);
    assertEquals(171, a.data);
    TraceEvent b = events.get(1);
    assertEquals(Long.MIN_VALUE, b.tsNs);
    assertEquals(18446744, b.addr);
    assertEquals(16, b.size);
    assertEquals(1, b.phys);
    assertEquals(-16, b.data);
  }

  @Test
  void skipsCommentsAndBlankLinesAndNumbersSeqByLine() throws IOException {
    String text = "\n"
        + "# leading comment\n"
        + "   \n"
        + "ts_ns,kind\n"
        + "# comment\n"
        + "  # indented comment\n"
        + "\n"
        + "10,attach\n"
        + "\t\n"
        + "20,detach"; // no final newline
    List<TraceEvent> events = read(new StringReader(text), 1000);
    assertEquals(2, events.size());
    assertEquals(EventKind.ATTACH, events.get(0).kind);
    assertEquals(10, events.get(0).tsNs);
    assertEquals(1008, events.get(0).seq);
    assertEquals(EventKind.DETACH, events.get(1).kind);
    assertEquals(1010, events.get(1).seq);
  }

  @Test
  void acceptsCrlfAndByteOrderMark() throws IOException {
    TraceEvent e = readOne("\uFEFFts_ns,kind,granularity\r\n5,inv_iotlb,domain\r\n");
    assertEquals(5, e.tsNs);
    assertEquals(EventKind.INV_IOTLB, e.kind);
    assertEquals(Granularity.DOMAIN, e.granularity);
    assertEquals(2, e.seq);
  }

  @Test
  void headerSubsetInAnyOrderLeavesDefaults() throws IOException {
    TraceEvent e = readOne(" kind , addr,ts_ns,\tsid \nmap, 0x1000 ,7, 00:02.0\n");
    assertEquals(EventKind.MAP, e.kind);
    assertEquals(0x1000, e.addr);
    assertEquals(7, e.tsNs);
    assertEquals(0x10, e.sid);
    assertEquals(2, e.seq);
    assertContractDefaultsExceptTsSeqKindSidAddr(e);
  }

  @Test
  void emptyFieldsTakeDefaults() throws IOException {
    String header = "ts_ns,seq,kind,unit,sid,pasid,domain,addr,size,phys,perm,page_size,data,index,"
        + "irte_lo,irte_hi,granularity,am,reason,vendor\n";
    TraceEvent e = readOne(header + "3,,unmap, , ,,,,,,,,,,,,,,,\n");
    assertEquals(3, e.tsNs);
    assertEquals(2, e.seq);
    assertEquals(EventKind.UNMAP, e.kind);
    assertEquals(-1, e.sid);
    assertEquals(0, e.addr);
    assertContractDefaultsExceptTsSeqKindSidAddr(e);
  }

  private static void assertContractDefaultsExceptTsSeqKindSidAddr(TraceEvent e) {
    assertEquals(0, e.unit);
    assertEquals(-1, e.pasid);
    assertEquals(-1, e.domain);
    assertEquals(0, e.size);
    assertEquals(0, e.phys);
    assertEquals(3, e.perm);
    assertEquals(4096, e.pageSize);
    assertEquals(0, e.data);
    assertEquals(-1, e.index);
    assertEquals(0, e.irteLo);
    assertEquals(0, e.irteHi);
    assertSame(Granularity.NONE, e.granularity);
    assertEquals(0, e.am);
    assertEquals(-1, e.reason);
    assertNull(e.vendor);
  }

  @Test
  void readsEveryColumnInReverseOrder() throws IOException {
    String header = "vendor,reason,am,granularity,irte_hi,irte_lo,index,data,page_size,perm,phys,size,addr,"
        + "domain,pasid,sid,unit,kind,seq,ts_ns\n";
    String row = "smmuv3,0x10,12,page,0x1,0xfedcba9876543210,33,0x4021,2097152,w,0x200000,8192,"
        + "0xffff800000000000,-1,0xFFFFF,0001:02:03.4,2,fault_observed,77,123456\n";
    TraceEvent e = readOne(header + row);
    assertEquals("smmuv3", e.vendor);
    assertEquals(16, e.reason);
    assertEquals(12, e.am);
    assertSame(Granularity.PAGE, e.granularity);
    assertEquals(1, e.irteHi);
    assertEquals(0xfedcba9876543210L, e.irteLo);
    assertEquals(33, e.index);
    assertEquals(0x4021, e.data);
    assertEquals(2 * 1024 * 1024, e.pageSize);
    assertEquals(2, e.perm);
    assertEquals(0x200000, e.phys);
    assertEquals(8192, e.size);
    assertEquals(0xffff800000000000L, e.addr);
    assertEquals(-1, e.domain);
    assertEquals(0xFFFFF, e.pasid);
    // segment 1, bus 2, device 3, function 4: 0x10000 | 0x200 | 0x18 | 4
    assertEquals(0x1021C, e.sid);
    assertEquals(2, e.unit);
    assertSame(EventKind.FAULT_OBSERVED, e.kind);
    assertEquals(77, e.seq);
    assertEquals(123456, e.tsNs);
  }

  @ParameterizedTest
  @CsvSource({"r, 1", "w, 2", "rw, 3", "-, 0", "0, 0", "1, 1", "2, 2", "3, 3"})
  void parsesPermissions(String text, int expected) throws IOException {
    assertEquals(expected, readOne("ts_ns,kind,perm\n1,map," + text + "\n").perm);
  }

  @ParameterizedTest
  @CsvSource({"global, GLOBAL", "domain, DOMAIN", "page, PAGE", "device, DEVICE", "index, INDEX"})
  void parsesGranularities(String text, Granularity expected) throws IOException {
    assertSame(expected, readOne("ts_ns,kind,granularity\n1,inv_iotlb," + text + "\n").granularity);
  }

  @ParameterizedTest
  @CsvSource({"vtd", "amdvi", "smmuv3", "smmuv2"})
  void parsesVendors(String text) throws IOException {
    assertEquals(text, readOne("ts_ns,kind,vendor\n1,fault_observed," + text + "\n").vendor);
  }

  @Test
  void seqFromColumnOrAssignedWhenEmpty() throws IOException {
    List<TraceEvent> events = read(new StringReader("seq,ts_ns,kind\n42,1,attach\n,2,detach\n-7,3,map\n"), 100);
    assertEquals(42, events.get(0).seq);
    assertEquals(103, events.get(1).seq); // seqBase 100 + line 3
    assertEquals(-7, events.get(2).seq);
  }

  @Test
  void reusedEventIsResetBetweenRecords() throws IOException {
    List<TraceEvent> events = read("ts_ns,kind,addr,vendor\n1,fault_observed,0x1000,vtd\n2,dma_read,,\n");
    assertEquals(0, events.get(1).addr);
    assertNull(events.get(1).vendor);
  }

  @Test
  void inputWithoutHeaderHasNoEvents() throws IOException {
    assertTrue(read("").isEmpty());
    assertTrue(read("# only a comment\n\n").isEmpty());
    assertTrue(read("ts_ns,kind\n").isEmpty());
  }

  @Test
  void positionNamesFileAndLineOfLastRecord() throws IOException {
    try (CanonicalCsvReader reader = new CanonicalCsvReader(
        new StringReader("ts_ns,kind\n1,attach\n# c\n2,detach\n"), "t.csv", 0)) {
      TraceEvent e = new TraceEvent();
      assertEquals("t.csv", reader.position());
      assertTrue(reader.next(e));
      assertEquals("t.csv:2", reader.position());
      assertTrue(reader.next(e));
      assertEquals("t.csv:4", reader.position());
      assertFalse(reader.next(e));
      assertEquals("t.csv:4", reader.position());
    }
  }

  @Test
  void linesStraddlingBufferRefillsAndOverlongLines() throws IOException {
    StringBuilder text = new StringBuilder("ts_ns,kind,addr\n");
    text.append('#').append("x".repeat(200_000)).append('\n'); // longer than the initial buffer
    int n = 50_000;
    for (int i = 0; i < n; i++) {
      text.append(i * 10).append(",dma_write,0x").append(Integer.toHexString(i)).append("000\n");
    }
    List<TraceEvent> events = read(new CsvTestSupport.TrickleReader(text.toString(), 7), 0);
    assertEquals(n, events.size());
    for (int i = 0; i < n; i++) {
      TraceEvent e = events.get(i);
      assertEquals(i * 10L, e.tsNs);
      assertEquals((long) i * 4096, e.addr);
      assertEquals(i + 3L, e.seq); // records start on line 3
    }
  }

  @Test
  void openReadsUtf8FileAndNamesItAsGiven(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("t.csv");
    Files.writeString(file, "ts_ns,kind\n5,msi\n", StandardCharsets.UTF_8);
    try (CanonicalCsvReader reader = CanonicalCsvReader.open(file, 10)) {
      TraceEvent e = new TraceEvent();
      assertTrue(reader.next(e));
      assertEquals(EventKind.MSI, e.kind);
      assertEquals(12, e.seq);
      assertEquals(file + ":2", reader.position());
    }
  }
}
