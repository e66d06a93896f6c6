package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import io.iommusim.translator.vtd.ContextTimeline;
import io.iommusim.translator.vtd.VtdTranslator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The driver's view of a trace after the first pass: record counts per input, the context timeline,
 * the replay groups, and the broadcast events in (ts_ns, seq) order.
 */
final class TraceScan {
  final List<Input> inputs;
  final List<InputSplit> splits;
  final long[] recordsPerInput;
  final ContextTimeline timeline;
  final ReplayGroups groups;
  final TraceEvent[] broadcast;
  /** Every control event (context events and broadcast events), in (ts_ns, seq) order. */
  final List<TraceEvent> control;
  /** DMA-remapping invalidation events (inv_iotlb, inv_context, inv_devtlb) in the trace. */
  final long invalidations;
  /** The conversion report of each imported input, in input order (empty without imported inputs). */
  final List<ImportReport> importReports;

  private TraceScan(List<Input> inputs, List<InputSplit> splits, long[] recordsPerInput, ContextTimeline timeline,
      ReplayGroups groups, TraceEvent[] broadcast, List<TraceEvent> control, long invalidations,
      List<ImportReport> importReports) {
    this.invalidations = invalidations;
    this.importReports = importReports;
    this.inputs = inputs;
    this.splits = splits;
    this.recordsPerInput = recordsPerInput;
    this.timeline = timeline;
    this.groups = groups;
    this.broadcast = broadcast;
    this.control = control;
  }

  /** Replay partitions at most: spark.sql.shuffle.partitions (fewer when there are fewer groups). */
  static int maxPartitions(SparkSession spark) {
    return Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
  }

  long records() {
    return Arrays.stream(recordsPerInput).sum();
  }

  /**
   * @param partitionBy the replay grouping to plan (the coarsest any configuration of the job needs)
   * @param maxPartitions upper bound on replay partitions (spark.sql.shuffle.partitions)
   */
  static TraceScan run(JavaSparkContext jsc, List<Input> inputs, PartitionBy partitionBy, int maxPartitions) {
    List<InputSplit> splits = InputSplit.plan(inputs);
    List<ControlScan> scans = jsc.parallelize(splits, Math.max(1, splits.size()))
        .map(split -> ControlScan.scan(split, partitionBy))
        .collect();
    return fromScans(inputs, splits, scans, partitionBy, new long[inputs.size()], maxPartitions);
  }

  /** The scan of a prepared trace: its control events are stored beside it, nothing is read. */
  static TraceScan ofPrepared(List<Input> inputs, long events, long invalidations, List<TraceEvent> controlEvents,
      PartitionBy partitionBy) {
    long[] records = new long[inputs.size()];
    records[0] = events;
    return fromScans(inputs, List.of(),
        List.of(new ControlScan(0, 0, controlEvents, new HashMap<>(), invalidations)), partitionBy, records, 1);
  }

  private static TraceScan fromScans(List<Input> inputs, List<InputSplit> splits, List<ControlScan> scans,
      PartitionBy partitionBy, long[] records, int maxPartitions) {
    List<TraceEvent> broadcast = new ArrayList<>();
    List<TraceEvent> control = new ArrayList<>();
    long invalidations = 0;
    ContextTimeline.Builder timeline = new ContextTimeline.Builder();
    ReplayGroups.Builder groups = new ReplayGroups.Builder(partitionBy);
    ImportReport[] reports = new ImportReport[inputs.size()];
    for (ControlScan s : scans) {
      if (s.importReport != null) {
        reports[s.inputIndex] = s.importReport; // one split per imported input
      }
      records[s.inputIndex] += s.records;
      invalidations += s.invalidations;
      s.eventsPerNode.forEach(groups::addEvents);
      for (TraceEvent e : s.control) {
        control.add(e);
        if (VtdTranslator.isBroadcast(e)) {
          broadcast.add(e);
        } else {
          timeline.add(e);
          groups.addContextEvent(e);
        }
      }
    }
    Comparator<TraceEvent> order = Comparator.<TraceEvent>comparingLong(e -> e.tsNs).thenComparingLong(e -> e.seq);
    broadcast.sort(order);
    control.sort(order);
    return new TraceScan(inputs, splits, records, timeline.build(), groups.build(maxPartitions),
        broadcast.toArray(new TraceEvent[0]), control, invalidations,
        Arrays.stream(reports).filter(java.util.Objects::nonNull).toList());
  }
}
