package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import java.util.Collection;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Where a job's events come from, and what the first pass over them learned ({@link TraceScan}): a
 * prepared trace, replayed file by file with its control events read from beside it, or any other
 * input, scanned and then shuffled and sorted by replay group.
 *
 * <p>The replay groups are planned for one {@code partition.by}, the <em>clustering</em>: the
 * coarsest grouping any configuration of the job uses. A unit holds whole device groups, so a trace
 * ordered by unit serves configurations with {@code partition.by=device} as well (with fewer,
 * larger partitions), just as a unit-clustered prepared trace does.
 */
final class TracePlan {
  final List<Input> inputs;
  final TraceScan scan;
  /** The prepared trace replayed file by file; null on the shuffle path. */
  final PreparedTrace prepared;
  /** run_info spark.replay_path: which path runs, and why a prepared trace could not be used. */
  final String path;
  final PartitionBy clustering;

  private TracePlan(List<Input> inputs, TraceScan scan, PreparedTrace prepared, String path, PartitionBy clustering) {
    this.inputs = inputs;
    this.scan = scan;
    this.prepared = prepared;
    this.path = path;
    this.clustering = clustering;
  }

  /** {@code unit} when any of the configurations replays by unit, else {@code device}. */
  static PartitionBy coarsest(Collection<ModelSettings> models) {
    for (ModelSettings m : models) {
      if (m.partitionBy == PartitionBy.UNIT) {
        return PartitionBy.UNIT;
      }
    }
    return PartitionBy.DEVICE;
  }

  /** Resolves the inputs and runs the first pass (reads a prepared trace's control file instead). */
  static TracePlan of(SparkSession spark, TraceJobRequest request, PartitionBy clustering, ImportSidecars sidecars) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    boolean mayBePrepared = request.format.equals("auto") || request.format.equals("parquet");
    PreparedTrace prepared = request.inputs.size() == 1 && mayBePrepared
        ? PreparedTrace.detect(request.inputs.get(0), conf) : null;
    String path;
    if (prepared != null && !prepared.serves(clustering)) {
      path = "shuffle (the prepared layout is clustered by " + prepared.clusteredBy.name().toLowerCase()
          + ", which cannot serve partition.by=" + clustering.name().toLowerCase() + ")";
      prepared = null;
    } else {
      path = prepared != null ? "prepared (no shuffle)" : "shuffle";
    }
    if (prepared != null) {
      List<Input> inputs = List.of(Input.of(0, prepared.dir, TraceInputs.Format.PARQUET));
      TraceScan scan = TraceScan.ofPrepared(inputs, prepared.events, prepared.invalidations,
          prepared.controlEvents(conf), clustering);
      return new TracePlan(inputs, scan, prepared, path, clustering);
    }
    List<Input> inputs = TraceInputs.resolve(request.inputs, request.format,
        ConvertJob.importRequest(request, sidecars), conf);
    if (TraceInputs.anyImported(inputs)) {
      sidecars.open(); // the import report and rejects files are written next to the output
    }
    TraceScan scan = TraceScan.run(jsc, inputs, clustering, TraceScan.maxPartitions(spark));
    return new TracePlan(inputs, scan, null, path, clustering);
  }

  /** How error messages name an event of this trace. */
  SourceNames names() {
    return prepared != null ? SourceNames.ofPrepared(prepared.dir, prepared.files) : new SourceNames(inputs);
  }

  /** The trace in replay order (lazy: the shuffle, if any, runs when a replay consumes it). */
  OrderedTrace<?> order(SparkSession spark) {
    if (prepared != null) {
      return OrderedTrace.preparedFiles(JavaSparkContext.fromSparkContext(spark.sparkContext()), prepared.files);
    }
    return OrderedTrace.shuffled(spark, scan, names());
  }

  /** Replay partitions per configuration. */
  int replayTasks() {
    return prepared != null ? prepared.files.size() : scan.groups.partitions();
  }
}
