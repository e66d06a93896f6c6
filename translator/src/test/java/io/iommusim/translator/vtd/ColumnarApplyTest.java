package io.iommusim.translator.vtd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.generate.Workloads;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.ReplayException;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VtdTranslator#apply(EventColumns, int)} against {@link VtdTranslator#apply(TraceEvent)}:
 * generated traces replayed both ways give byte-identical statistics and identical fault records.
 */
class ColumnarApplyTest {
  /** A translator that records every fault (both kinds) as text, in order. */
  private static final class Replay {
    final List<String> faults = new ArrayList<>();
    final VtdTranslator translator;

    Replay(ModelSettings settings, ModelSettings.InvalidationMode mode) {
      FaultSink sink = new FaultSink() {
        @Override
        public void fault(long ts, long seq, int unit, int sid, int pasid, int domain, long addr, boolean write,
            int reason) {
          faults.add("dma " + ts + " " + seq + " " + unit + " " + sid + " " + pasid + " " + domain + " " + addr
              + " " + write + " " + reason);
        }

        @Override
        public void interruptFault(long ts, long seq, int unit, int sid, int domain, long addr, int index,
            int reason) {
          faults.add("ir " + ts + " " + seq + " " + unit + " " + sid + " " + domain + " " + addr + " " + index
              + " " + reason);
        }
      };
      translator = new VtdTranslator(settings, sink, BusPresence.local(), mode);
    }
  }

  private static List<TraceEvent> generate(String workload, String options, long events) throws IOException {
    Map<String, String> o = new LinkedHashMap<>();
    for (String kv : options.split(";")) {
      if (!kv.isEmpty()) {
        o.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    List<TraceEvent> trace = new ArrayList<>();
    Workloads.create(workload, o).generate(events, 5, new EventSink() {
      @Override
      public void accept(TraceEvent e) {
        trace.add(e.copy());
      }

      @Override
      public void close() {}
    });
    return trace;
  }

  private static ModelSettings settings(String overrides) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : overrides.split(";")) {
      if (!kv.isEmpty()) {
        m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    return new ModelSettings(Settings.defaults().with(m, "test"));
  }

  /** Replays the trace in batches of {@code batchRows} rows (the last one partial). */
  private static void applyInBatches(VtdTranslator t, List<TraceEvent> trace, int batchRows) {
    EventColumns batch = new EventColumns(batchRows);
    for (int start = 0; start < trace.size(); start += batchRows) {
      batch.rows = Math.min(batchRows, trace.size() - start);
      for (int i = 0; i < batch.rows; i++) {
        batch.setRow(i, trace.get(start + i));
      }
      for (int i = 0; i < batch.rows; i++) {
        t.apply(batch, i);
      }
    }
  }

  @ParameterizedTest(name = "{0} [{1}] with [{2}]")
  @CsvSource(delimiter = '|', value = {
      "nic-ring     | devices=3                          | ",
      "nic-ring     | devices=2;inv=strict               | ",
      "nic-ring     | devices=2;inv=lazy;fq_size=8       | ",
      "nic-ring     | devices=2                          | invalidation.mode=lazy;invalidation.lazy.queue_size=4",
      "nic-ring     | devices=2                          | partition.by=unit;iotlb.policy=random;iotlb.ways=4",
      "nic-ring     | devices=2;packet_size=9000         | dma.split=tlp;dma.max_payload=256;ats.devices=03:00.0",
      "random-window| window=64MiB                       | ",
      "random-window| window=1GiB;page_size=2097152;access=mixed | ",
      "bad-actor    |                                    | ",
      "bad-actor    | msi_compat=0.05                    | iotlb.policy=fifo"})
  void batchPathEqualsEventPath(String workload, String options, String overrides) throws IOException {
    List<TraceEvent> trace = generate(workload.trim(), options == null ? "" : options.trim(), 40_000);
    ModelSettings s = settings(overrides == null ? "" : overrides.trim());
    boolean invalidations = trace.stream().anyMatch(e -> e.kind == EventKind.INV_IOTLB
        || e.kind == EventKind.INV_CONTEXT || e.kind == EventKind.INV_DEVTLB);
    ModelSettings.InvalidationMode mode = s.invalidationFor(invalidations);

    Replay events = new Replay(s, mode);
    for (TraceEvent e : trace) {
      events.translator.apply(e);
    }
    Replay batches = new Replay(s, mode);
    applyInBatches(batches.translator, trace, 1000);

    assertArrayEquals(events.translator.finish().toBytes(), batches.translator.finish().toBytes(),
        "statistics");
    assertEquals(events.faults, batches.faults, "fault records");
    assertEquals(40_000, trace.size());
  }

  @Test
  void everyKindIsCountedLikeTheEventPath() {
    // one event of every kind, most of them control events that go through the event path
    List<TraceEvent> trace = new ArrayList<>();
    long[] seq = {0};
    java.util.function.Function<EventKind, TraceEvent> event = k -> {
      TraceEvent e = new TraceEvent();
      e.kind = k;
      e.tsNs = 10 * seq[0];
      e.seq = seq[0]++;
      return e;
    };
    TraceEvent attach = event.apply(EventKind.ATTACH);
    attach.sid = 0x100;
    attach.domain = 1;
    trace.add(attach);
    TraceEvent map = event.apply(EventKind.MAP);
    map.domain = 1;
    map.addr = 0x10000;
    map.size = 4096;
    map.phys = 0x5000;
    map.perm = 1;
    trace.add(map);
    TraceEvent write = event.apply(EventKind.DMA_WRITE); // read-only page: fault 0x05
    write.sid = 0x100;
    write.addr = 0x10000;
    write.size = 64;
    trace.add(write);
    TraceEvent inv = event.apply(EventKind.INV_IOTLB);
    inv.granularity = Granularity.DOMAIN;
    inv.domain = 1;
    trace.add(inv);
    TraceEvent irte = event.apply(EventKind.IRTE_SET);
    irte.index = 3;
    irte.irteLo = 0x9 | 0x30 << 16;
    irte.irteHi = 0x100 | 1L << 18;
    trace.add(irte);
    TraceEvent msi = event.apply(EventKind.MSI);
    msi.sid = 0x200; // never attached
    msi.addr = 0xFEE00000L | 3 << 5 | 1 << 4;
    trace.add(msi);
    TraceEvent observed = event.apply(EventKind.FAULT_OBSERVED);
    observed.reason = 6;
    observed.vendor = "vtd";
    trace.add(observed);
    TraceEvent unmap = event.apply(EventKind.UNMAP);
    unmap.domain = 1;
    unmap.addr = 0x10000;
    unmap.size = 4096;
    trace.add(unmap);
    TraceEvent detach = event.apply(EventKind.DETACH);
    detach.sid = 0x100;
    trace.add(detach);

    ModelSettings s = settings("");
    Replay events = new Replay(s, ModelSettings.InvalidationMode.TRACE);
    trace.forEach(events.translator::apply);
    Replay batches = new Replay(s, ModelSettings.InvalidationMode.TRACE);
    applyInBatches(batches.translator, trace, 4);
    assertArrayEquals(events.translator.finish().toBytes(), batches.translator.finish().toBytes());
    assertEquals(events.faults, batches.faults);
    assertEquals(1, events.translator.stats().eventsByKind()[EventKind.FAULT_OBSERVED.ordinal()]);
    assertTrue(events.faults.size() >= 2, "a DMA fault and an interrupt fault: " + events.faults);
  }

  @Test
  void badEventsFailWithTheSameErrorBothWays() {
    TraceEvent map = new TraceEvent();
    map.kind = EventKind.MAP;
    map.seq = 17;
    map.domain = 1;
    map.addr = 0x1001; // not page aligned
    map.size = 4096;
    TraceEvent dma = new TraceEvent();
    dma.kind = EventKind.DMA_READ;
    dma.seq = 18;
    dma.size = 8; // no sid
    for (TraceEvent bad : List.of(map, dma)) {
      ModelSettings s = settings("");
      ReplayException viaEvent = assertThrows(ReplayException.class,
          () -> new Replay(s, ModelSettings.InvalidationMode.STRICT).translator.apply(bad));
      ReplayException viaBatch = assertThrows(ReplayException.class,
          () -> applyInBatches(new Replay(s, ModelSettings.InvalidationMode.STRICT).translator, List.of(bad), 2));
      assertEquals(viaEvent.getMessage(), viaBatch.getMessage());
    }
  }

  @Test
  void broadcastTableAgreesWithTheRule() {
    EventColumns c = new EventColumns(1);
    c.rows = 1;
    for (EventKind k : EventKind.values()) {
      for (Granularity g : Granularity.values()) {
        c.kind[0] = (byte) k.ordinal();
        c.granularity[0] = (byte) g.ordinal();
        boolean expected = k == EventKind.IRTE_SET || k == EventKind.IRTE_CLEAR || k == EventKind.INV_IEC
            || (g == Granularity.GLOBAL && (k == EventKind.INV_IOTLB || k == EventKind.INV_CONTEXT
                || k == EventKind.INV_DEVTLB));
        assertEquals(expected, VtdTranslator.isBroadcast(c, 0), k + " " + g);
      }
    }
  }
}
