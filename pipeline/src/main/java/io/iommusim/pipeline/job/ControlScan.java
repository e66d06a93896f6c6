package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportedSource;
import io.iommusim.trace.imports.RejectSink;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the first pass over the input collects for the driver: the number of records of each input
 * split and its control events (attach, attach_passthrough, detach, and the unit-wide events every
 * replay partition needs). This pass also validates every record, so a bad trace fails before any
 * replay starts. For an imported input it is also where the conversion report is collected and the
 * input's unparsed lines are written (to {@link io.iommusim.pipeline.ingest.TraceInputs.Input#rejectsPart}).
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
  /** The conversion report of an imported input, else null. */
  final ImportReport importReport;

  ControlScan(int inputIndex, long records, List<TraceEvent> control, HashMap<Long, Long> eventsPerNode,
      long invalidations) {
    this(inputIndex, records, control, eventsPerNode, invalidations, null);
  }

  ControlScan(int inputIndex, long records, List<TraceEvent> control, HashMap<Long, Long> eventsPerNode,
      long invalidations, ImportReport importReport) {
    this.importReport = importReport;
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
    ImportReport report = null;
    Writer rejects = split.input.rejectsPart == null ? null : openRejects(split.input.rejectsPart);
    try (EventSource source = rejects == null ? split.open() : split.openImported(RejectSink.to(rejects))) {
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
      if (source instanceof ImportedSource) {
        report = ((ImportedSource) source).report();
      }
    } finally {
      if (rejects != null) {
        rejects.close();
      }
    }
    eventsPerNode.merge(lastNode, lastCount, Long::sum);
    eventsPerNode.remove(ReplayGroups.BROADCAST);
    return new ControlScan(split.input.index, records, control, eventsPerNode, invalidations, report);
  }

  static Writer openRejects(String part) throws java.io.IOException {
    Path p = new Path(part);
    FileSystem fs = p.getFileSystem(new Configuration());
    if (fs instanceof LocalFileSystem) {
      fs = ((LocalFileSystem) fs).getRaw(); // no .crc files beside the parts
    }
    return new java.io.BufferedWriter(new OutputStreamWriter(fs.create(p, true), StandardCharsets.UTF_8), 1 << 16);
  }
}
