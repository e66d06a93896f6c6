package io.iommusim.pipeline.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.vtd.VtdTranslator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The block encoding gives back every field of every event, in order, across block boundaries. */
class EventBlocksTest {
  /** A cursor over a list, in batches of 3, as the replay partitions' own cursors deliver events. */
  private static EventCursor cursor(List<TraceEvent> events) {
    Iterator<TraceEvent> it = events.iterator();
    EventColumns batch = new EventColumns(3);
    return new EventCursor() {
      @Override
      public EventColumns nextBatch() { // no checked exception: a list cannot fail
        batch.rows = 0;
        while (batch.rows < 3 && it.hasNext()) {
          batch.setRow(batch.rows++, it.next());
        }
        return batch.rows == 0 ? null : batch;
      }

      @Override
      public String position(int i) {
        return "test";
      }
    };
  }

  /** Every event of the cursor, copied row by row into one dirty TraceEvent. */
  private static List<TraceEvent> drain(EventBlocks.Cursor cursor) {
    List<TraceEvent> out = new ArrayList<>();
    TraceEvent e = new TraceEvent();
    // a dirty event: every field must be overwritten, defaults included
    e.vendor = "stale";
    e.granularity = Granularity.PAGE;
    e.pageSize = 1;
    EventColumns b;
    while ((b = cursor.nextBatch()) != null) {
      for (int i = 0; i < b.rows; i++) {
        out.add(b.copyRow(i, e).copy());
      }
    }
    return out;
  }

  private static List<TraceEvent> roundTrip(List<TraceEvent> events, List<byte[]> blocks) {
    EventBlocks.encode(cursor(events)).forEachRemaining(blocks::add);
    EventBlocks.Cursor decoded = new EventBlocks.Cursor(blocks.iterator(), new SourceNames(List.of(
        TraceInputs.Input.of(0, "trace.csv", TraceInputs.Format.CSV))));
    return drain(decoded);
  }

  @Test
  void defaultsExtremesAndTextSurvive() {
    List<TraceEvent> events = new ArrayList<>();
    TraceEvent plain = new TraceEvent();
    plain.kind = EventKind.DMA_READ;
    plain.seq = 5;
    events.add(plain);

    TraceEvent full = new TraceEvent();
    full.kind = EventKind.FAULT_OBSERVED;
    full.tsNs = Long.MAX_VALUE;
    full.seq = Long.MIN_VALUE + 1;
    full.unit = Integer.MIN_VALUE;
    full.sid = 0xFFFF_FFFF;
    full.pasid = Integer.MAX_VALUE;
    full.domain = 0;
    full.addr = 0xFFFF_FFFF_FFFF_F000L;
    full.size = -1;
    full.phys = Long.MIN_VALUE;
    full.perm = 0;
    full.pageSize = 1L << 30;
    full.data = -2;
    full.index = 0;
    full.irteLo = Long.MAX_VALUE;
    full.irteHi = 1;
    full.granularity = Granularity.INDEX;
    full.am = -128;
    full.reason = 0x26;
    full.vendor = "smmuv3 ünïcode";
    events.add(full);

    TraceEvent back = plain.copy(); // ts and addr go backwards: the deltas are signed
    back.tsNs = -7;
    back.addr = 3;
    back.seq = 4;
    events.add(back);

    List<byte[]> blocks = new ArrayList<>();
    assertEquals(events, roundTrip(events, blocks));
    assertEquals(1, blocks.size());
    assertEquals(3, EventBlocks.events(blocks.get(0)));
  }

  @Test
  void everyVarintLength() {
    // values just below and at each 7-bit group boundary: 1 to 10 encoded bytes, through the fast
    // (8 bytes at a time) and the slow (9 and 10 bytes) decoding paths
    List<TraceEvent> events = new ArrayList<>();
    for (int bits = 0; bits <= 64; bits += 7) {
      for (long v : new long[] {(1L << Math.min(bits, 63)) - 1, 1L << Math.min(bits, 63), -(1L << Math.min(bits, 63))}) {
        TraceEvent e = new TraceEvent();
        e.kind = EventKind.MAP;
        e.size = v;
        e.phys = ~v;
        e.addr = v;
        e.tsNs = v;
        events.add(e);
      }
    }
    assertEquals(events, roundTrip(events, new ArrayList<>()));
  }

  @Test
  void manyEventsSpanBlocksAndStayInOrder() {
    Random r = new Random(11);
    EventKind[] kinds = EventKind.values();
    List<TraceEvent> events = new ArrayList<>();
    long ts = 0;
    for (int i = 0; i < 60_000; i++) {
      TraceEvent e = new TraceEvent();
      e.kind = kinds[r.nextInt(kinds.length)];
      ts += r.nextInt(1000);
      e.tsNs = ts;
      e.seq = ((long) r.nextInt(3) << TraceInputs.SEQ_FILE_SHIFT) | i;
      e.unit = r.nextInt(3);
      e.sid = r.nextBoolean() ? TraceEvent.NONE : r.nextInt(1 << 16);
      e.domain = r.nextBoolean() ? TraceEvent.NONE : r.nextInt(100);
      e.addr = r.nextLong();
      e.size = r.nextInt(1 << 20);
      e.phys = r.nextBoolean() ? 0 : r.nextLong() & ~0xFFFL;
      e.perm = (byte) r.nextInt(4);
      e.pageSize = r.nextBoolean() ? 4096 : 1 << 21;
      e.data = r.nextInt(3) == 0 ? r.nextLong() : 0;
      e.index = r.nextInt(3) == 0 ? r.nextInt(65536) : TraceEvent.NONE;
      e.irteLo = r.nextInt(5) == 0 ? r.nextLong() : 0;
      e.irteHi = r.nextInt(5) == 0 ? r.nextLong() : 0;
      e.granularity = Granularity.values()[r.nextInt(Granularity.values().length)];
      e.am = (byte) r.nextInt(10);
      e.reason = r.nextInt(10) == 0 ? r.nextInt(0x30) : TraceEvent.NONE;
      e.vendor = r.nextInt(50) == 0 ? "vtd" : null;
      events.add(e);
    }
    // the random kinds include unit-wide ones, which the blocks leave out (see broadcastEventsAreLeftOut)
    List<TraceEvent> routed = events.stream().filter(e -> !VtdTranslator.isBroadcast(e)).toList();
    assertTrue(routed.size() > 40_000 && routed.size() < events.size());
    List<byte[]> blocks = new ArrayList<>();
    assertEquals(routed, roundTrip(events, blocks));
    assertTrue(blocks.size() > 1, "expected several blocks, got " + blocks.size());
    long total = 0;
    for (byte[] b : blocks) {
      total += EventBlocks.events(b);
      assertTrue(b.length <= EventBlocks.TARGET_BYTES + 1024 + EventBlocks.PADDING, "block of " + b.length + " bytes");
    }
    assertEquals(routed.size(), total);
  }

  @Test
  void broadcastEventsAreLeftOut() {
    // a prepared file's cursor yields the trace's unit-wide events too; the driver hands those to every task
    List<TraceEvent> events = new ArrayList<>();
    for (EventKind k : List.of(EventKind.MAP, EventKind.IRTE_SET, EventKind.INV_IEC, EventKind.DMA_READ,
        EventKind.INV_IOTLB, EventKind.INV_IOTLB)) {
      TraceEvent e = new TraceEvent();
      e.kind = k;
      e.seq = events.size();
      events.add(e);
    }
    events.get(4).granularity = Granularity.GLOBAL; // broadcast
    events.get(5).granularity = Granularity.DOMAIN; // not broadcast
    List<TraceEvent> decoded = roundTrip(events, new ArrayList<>());
    assertEquals(List.of(events.get(0), events.get(3), events.get(5)), decoded);
  }

  @Test
  void emptyInputGivesNoBlocksAndPositionsNameTheSource() {
    assertFalse(EventBlocks.encode(cursor(List.of())).hasNext());
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.MAP;
    e.seq = 17;
    List<byte[]> blocks = new ArrayList<>();
    EventBlocks.encode(cursor(List.of(e))).forEachRemaining(blocks::add);
    EventBlocks.Cursor c = new EventBlocks.Cursor(blocks.iterator(),
        new SourceNames(List.of(TraceInputs.Input.of(0, "trace.csv", TraceInputs.Format.CSV))));
    assertEquals(1, c.nextBatch().rows);
    assertEquals("trace.csv:17 (seq 17)", c.position(0));
    EventBlocks.Cursor prepared = new EventBlocks.Cursor(blocks.iterator(), SourceNames.ofPrepared("/data/t.prepared", List.of()));
    assertEquals(1, prepared.nextBatch().rows);
    assertEquals("/data/t.prepared (seq 17)", prepared.position(0));
  }
}
