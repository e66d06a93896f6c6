package io.iommusim.trace.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanonicalCsvWriterTest {
  private static final String HEADER = "ts_ns,seq,kind,unit,sid,pasid,domain,addr,size,phys,perm,page_size,"
      + "data,index,irte_lo,irte_hi,granularity,am,reason,vendor\n";

  private static String write(boolean includeSeq, List<TraceEvent> events) throws IOException {
    StringWriter out = new StringWriter();
    try (CanonicalCsvWriter writer = new CanonicalCsvWriter(out, includeSeq)) {
      for (TraceEvent e : events) {
        writer.accept(e);
      }
    }
    return out.toString();
  }

  private static TraceEvent event(long ts, EventKind kind) {
    TraceEvent e = new TraceEvent();
    e.tsNs = ts;
    e.kind = kind;
    return e;
  }

  @Test
  void writesHeaderAndLeavesDefaultsEmpty() throws IOException {
    TraceEvent map = event(100, EventKind.MAP);
    map.seq = 1;
    map.sid = 0x0301;
    map.domain = 5;
    map.addr = 0xfffff000L;
    map.size = 8192;
    map.phys = 0x1234000;
    map.perm = 1;
    TraceEvent attach = event(0, EventKind.ATTACH);
    assertEquals(HEADER
        + "100,1,map,,03:00.1,,5,0xfffff000,8192,0x1234000,r,,,,,,,,,\n"
        + "0,,attach,,,,,,,,,,,,,,,,,\n", write(true, List.of(map, attach)));
  }

  @Test
  void writesEveryColumnWhenNotDefault() throws IOException {
    TraceEvent e = event(7, EventKind.IRTE_SET);
    e.seq = 8;
    e.unit = 1;
    e.sid = 0x10000;
    e.pasid = 5;
    e.domain = 0;
    e.addr = 0xFFFFFFFFFFFFFFFFL;
    e.size = 1;
    e.phys = 0x8000000000000000L;
    e.perm = 0;
    e.pageSize = 1L << 30;
    e.data = 0xfee00000L;
    e.index = 0;
    e.irteLo = 0x0123456789abcdefL;
    e.irteHi = -1L;
    e.granularity = Granularity.INDEX;
    e.am = 63;
    e.reason = 0;
    e.vendor = "amdvi";
    assertEquals(HEADER + "7,8,irte_set,1,0001:00:00.0,5,0,0xffffffffffffffff,1,0x8000000000000000,-,"
        + "1073741824,0xfee00000,0,0x123456789abcdef,0xffffffffffffffff,index,63,0,amdvi\n",
        write(true, List.of(e)));
  }

  @Test
  void roundTripsEveryKindAndColumn() throws IOException {
    List<TraceEvent> events = new ArrayList<>();
    long seq = 0;
    for (EventKind kind : EventKind.values()) {
      TraceEvent e = event(1000 + seq, kind);
      e.seq = seq++;
      events.add(e);
    }
    TraceEvent extremes = event(Long.MIN_VALUE, EventKind.FAULT_OBSERVED);
    extremes.seq = Long.MAX_VALUE;
    extremes.unit = Integer.MAX_VALUE;
    extremes.sid = 0x7FFFFFFF;
    extremes.pasid = 0xFFFFF;
    extremes.domain = Integer.MAX_VALUE;
    extremes.addr = 0xFFFFFFFFFFFFFFFFL;
    extremes.size = Long.MAX_VALUE;
    extremes.phys = Long.MIN_VALUE;
    extremes.perm = 2;
    extremes.pageSize = 2L << 20;
    extremes.data = Long.MAX_VALUE;
    extremes.index = Integer.MAX_VALUE;
    extremes.irteLo = 0x8000000000000001L;
    extremes.irteHi = 0xFFFFFFFFFFFFFFFFL;
    extremes.granularity = Granularity.GLOBAL;
    extremes.am = 1;
    extremes.reason = Integer.MIN_VALUE;
    extremes.vendor = "smmuv2";
    events.add(extremes);
    TraceEvent unusual = event(Long.MAX_VALUE, EventKind.INV_DEVTLB);
    unusual.seq = -1;
    unusual.sid = 0;
    unusual.pasid = 0;
    unusual.addr = 1;
    unusual.perm = 0;
    unusual.reason = -5;
    unusual.granularity = Granularity.DEVICE;
    unusual.vendor = "vtd";
    events.add(unusual);
    for (Granularity g : new Granularity[] {Granularity.DOMAIN, Granularity.PAGE, Granularity.INDEX}) {
      TraceEvent inv = event(5, EventKind.INV_IOTLB);
      inv.seq = seq++;
      inv.granularity = g;
      events.add(inv);
    }
    for (String vendor : new String[] {"smmuv3", "amdvi"}) {
      TraceEvent fault = event(6, EventKind.FAULT_OBSERVED);
      fault.seq = seq++;
      fault.vendor = vendor;
      events.add(fault);
    }
    for (byte perm : new byte[] {1, 3}) {
      TraceEvent map = event(7, EventKind.MAP);
      map.seq = seq++;
      map.perm = perm;
      events.add(map);
    }

    String text = write(true, events);
    assertEquals(events, CsvTestSupport.read(new StringReader(text), 0));
  }

  @Test
  void withoutSeqColumnTheReaderAssignsLineNumbers() throws IOException {
    TraceEvent a = event(1, EventKind.DMA_READ);
    a.seq = 99; // not written
    TraceEvent b = event(2, EventKind.DMA_WRITE);
    String text = write(false, List.of(a, b));
    assertEquals("ts_ns,kind,unit,sid,pasid,domain,addr,size,phys,perm,page_size,data,index,irte_lo,irte_hi,"
        + "granularity,am,reason,vendor\n"
        + "1,dma_read,,,,,,,,,,,,,,,,,\n"
        + "2,dma_write,,,,,,,,,,,,,,,,,\n", text);
    List<TraceEvent> back = CsvTestSupport.read(new StringReader(text), 500);
    assertEquals(502, back.get(0).seq);
    assertEquals(503, back.get(1).seq);
  }

  @Test
  void invalidValuesStayVisibleAndFailOnRead() throws IOException {
    TraceEvent e = event(1, EventKind.MAP);
    e.seq = 1;
    e.perm = 5;
    String text = write(true, List.of(e));
    assertEquals("trace.csv:2: column 'perm': not a permission (r, w, rw, -, 0..3): '5'",
        assertThrows(TraceFormatException.class, () -> CsvTestSupport.read(text)).getMessage());
  }

  @Test
  void eventWithoutKindIsRejected() throws IOException {
    try (CanonicalCsvWriter writer = new CanonicalCsvWriter(new StringWriter())) {
      assertThrows(IllegalArgumentException.class, () -> writer.accept(new TraceEvent()));
    }
  }

  @Test
  void roundTripsThroughAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("out.csv");
    TraceEvent msi = event(3, EventKind.MSI);
    msi.seq = 0;
    msi.sid = 0x0301;
    msi.addr = 0xfee00000L;
    msi.data = 0x4021;
    try (CanonicalCsvWriter writer = CanonicalCsvWriter.create(file)) {
      writer.accept(msi);
    }
    try (CanonicalCsvReader reader = CanonicalCsvReader.open(file, 0)) {
      TraceEvent back = new TraceEvent();
      reader.next(back);
      assertEquals(msi, back);
    }
  }
}
