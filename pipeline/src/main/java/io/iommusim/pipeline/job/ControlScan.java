package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.Serializable;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * What the first pass over the input collects for the driver: the number of records of each input
 * split and its control events (attach, attach_passthrough, detach, and the unit-wide events every
 * replay partition needs). This pass also validates every record, so a bad trace fails before any
 * replay starts.
 */
final class ControlScan implements Serializable {
  private static final long serialVersionUID = 1L;

  final int inputIndex;
  final long records;
  final List<TraceEvent> control;
  /** Events per routing node ({@link ReplayGroups#nodeOf}), for balancing the replay. */
  final HashMap<Long, Long> eventsPerNode;
  /** DMA-remapping invalidations (inv_iotlb, inv_context, inv_devtlb): with invalidation.mode=auto their presence selects trace mode. */
  final long invalidations;

  ControlScan(int inputIndex, long records, List<TraceEvent> control, HashMap<Long, Long> eventsPerNode,
      long invalidations) {
    this.inputIndex = inputIndex;
    this.records = records;
    this.control = control;
    this.eventsPerNode = eventsPerNode;
    this.invalidations = invalidations;
  }

  static boolean isControl(TraceEvent e) {
    return e.kind == EventKind.ATTACH || e.kind == EventKind.ATTACH_PASSTHROUGH || e.kind == EventKind.DETACH
        || VtdTranslator.isBroadcast(e);
  }

  static ControlScan scan(InputSplit split, PartitionBy partitionBy) throws Exception {
    List<TraceEvent> control = new ArrayList<>();
    HashMap<Long, Long> eventsPerNode = new HashMap<>();
    long records = 0;
    long invalidations = 0;
    long lastNode = ReplayGroups.BROADCAST;
    long lastCount = 0;
    TraceEvent e = new TraceEvent();
    try (EventSource source = split.open()) {
      while (source.next(e)) {
        records++;
        if (e.kind == EventKind.INV_IOTLB || e.kind == EventKind.INV_CONTEXT || e.kind == EventKind.INV_DEVTLB) {
          invalidations++;
        }
        if (isControl(e)) {
          control.add(e.copy());
        }
        // runs of one node are common (one device's DMAs): count them before touching the map
        long node = ReplayGroups.nodeOf(e, partitionBy);
        if (node != lastNode) {
          eventsPerNode.merge(lastNode, lastCount, Long::sum);
          lastNode = node;
          lastCount = 0;
        }
        lastCount++;
      }
    }
    eventsPerNode.merge(lastNode, lastCount, Long::sum);
    eventsPerNode.remove(ReplayGroups.BROADCAST);
    return new ControlScan(split.input.index, records, control, eventsPerNode, invalidations);
  }
}
