package io.iommusim.pipeline.job;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.ReplayException;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.vtd.BusPresence;
import io.iommusim.translator.vtd.ContextTimeline;
import io.iommusim.translator.vtd.VtdTranslator;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * Replays one Spark partition under one configuration: merges the partition's events with the
 * broadcast (unit-wide) events by (ts_ns, seq), feeds them to one {@link VtdTranslator}, and streams
 * out a row per fault followed by one statistics row. Faults are produced while the input is
 * consumed, so memory stays bounded.
 *
 * <p>The input comes in batches of columns, which the translator reads row by row in place. Broadcast
 * events in the input are skipped: the partition gets them from the driver (a prepared file holds
 * them; other inputs never do).
 */
final class ReplayPartition implements Iterator<Row> {
  private final int config;
  private final EventCursor input;
  private final TraceEvent[] broadcast;
  private final VtdTranslator translator;
  private final ArrayDeque<Row> pending = new ArrayDeque<>();
  private EventColumns batch;
  /** Next row of {@link #batch} to replay. */
  private int row;
  private int nextBroadcast;
  /** (ts_ns, seq) of broadcast[nextBroadcast]; an input event after it must wait for it. */
  private long dueTs;
  private long dueSeq;
  private boolean inputDone;
  private boolean statsEmitted;

  /** @param config the configuration's index, carried by every row this partition emits */
  ReplayPartition(int config, EventCursor input, TraceEvent[] broadcast, ContextTimeline timeline,
      ModelSettings settings, ModelSettings.InvalidationMode invalidation) {
    this.config = config;
    this.input = input;
    this.broadcast = broadcast;
    this.translator = new VtdTranslator(settings, new FaultSink() {
          @Override
          public void fault(long ts, long seq, int unit, int sid, int pasid, int domain, long addr, boolean write,
              int reason) {
            pending.add(FaultRows.fault(config, ts, seq, unit, sid, pasid, domain, addr, write, reason));
          }

          @Override
          public void interruptFault(long ts, long seq, int unit, int sid, int domain, long addr, int irteIndex,
              int reason) {
            pending.add(FaultRows.interruptFault(config, ts, seq, unit, sid, domain, addr, irteIndex, reason));
          }
        },
        BusPresence.of(timeline), invalidation,
        timeline.mrcPlan(settings.partitionBy == ModelSettings.PartitionBy.DEVICE));
    applyBroadcastsBefore(Long.MIN_VALUE, Long.MIN_VALUE); // applies none: notes when the first is due
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty() && !inputDone) {
      step();
    }
    if (!pending.isEmpty()) {
      return true;
    }
    if (!statsEmitted) {
      pending.add(FaultRows.stats(config, translator.finish().toBytes()));
      statsEmitted = true;
      return true;
    }
    return false;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return pending.poll();
  }

  /** Replays input events (with the broadcast events due before them) until a fault row is pending or the batch ends. */
  private void step() {
    if (batch == null || row == batch.rows) {
      try {
        batch = input.nextBatch();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        // named by the last row replayed, as the failing read has no row yet
        throw new IllegalStateException("reading " + input.position(Math.max(0, row - 1)) + ": " + e.getMessage(), e);
      }
      row = 0;
      if (batch == null) {
        while (nextBroadcast < broadcast.length) {
          translator.applyBroadcast(broadcast[nextBroadcast++]);
        }
        inputDone = true;
        return;
      }
    }
    EventColumns b = batch;
    int n = b.rows;
    int i = row;
    try {
      // stop at a pending fault row, so that faults stream out while the input is consumed
      while (i < n && pending.isEmpty()) {
        if (!VtdTranslator.isBroadcast(b, i)) {
          long ts = b.tsNs[i];
          long seq = b.seq[i];
          if (ts > dueTs || (ts == dueTs && seq > dueSeq)) {
            applyBroadcastsBefore(ts, seq);
          }
          translator.apply(b, i);
        }
        i++;
      }
    } catch (ReplayException e) {
      throw new TraceFormatException(input.position(i), -1, null, null, e.getMessage());
    } finally {
      row = i;
    }
  }

  /** Applies the broadcast events ordered before (ts, seq) and notes when the next one is due. */
  private void applyBroadcastsBefore(long ts, long seq) {
    while (nextBroadcast < broadcast.length) {
      TraceEvent a = broadcast[nextBroadcast];
      if (a.tsNs > ts || (a.tsNs == ts && a.seq >= seq)) {
        break;
      }
      translator.applyBroadcast(a);
      nextBroadcast++;
    }
    if (nextBroadcast < broadcast.length) {
      dueTs = broadcast[nextBroadcast].tsNs;
      dueSeq = broadcast[nextBroadcast].seq;
    } else {
      dueTs = Long.MAX_VALUE;
      dueSeq = Long.MAX_VALUE;
    }
  }
}
