package io.iommusim.pipeline.job;

import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.pipeline.output.SweepTables;
import io.iommusim.pipeline.output.SweepTables.SweptColumn;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.stats.ReplayStats;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The sweep job: one trace replayed under many configurations in one Spark job.
 *
 * <ol>
 *   <li>Scan once ({@link TracePlan}), planning the replay groups for the coarsest
 *       {@code partition.by} among the configurations.
 *   <li>Order once: the prepared files or the shuffled and sorted events are encoded into compact
 *       blocks and kept in Spark's block store ({@link OrderedTrace#cache}); with one configuration
 *       the replay reads the ordered trace directly, as simulate does.
 *   <li>Replay ({@link ReplayStage}): one task per (configuration, replay partition). A configuration
 *       whose IOTLB lookup stream is provably another's takes that one's miss-ratio curves instead of
 *       computing them ({@link SharedCurves}).
 *   <li>Per configuration: merge the statistics, check the record accounting, build the tables; write
 *       them all tagged with config ids and commit atomically.
 * </ol>
 */
public final class SweepJob {
  /** The trace, the output, the base settings ({@code settings}) and the configurations. */
  public static final class Request extends TraceJobRequest {
    public SweepSpec spec;
  }

  /** What a finished sweep reports back (also printed as the summary). */
  public static final class Result {
    public int configs;
    public List<String> sweptKeys;
    public long recordsRead;
    /** Records replayed per configuration (each equals recordsRead). */
    public long[] recordsReplayed;
    /** Rows of the faults table per configuration. */
    public long[] faults;
    public List<BestConfigs.Best> best;
    public SweepSpec spec;
    public String out;
  }

  private final SparkSession spark;

  public SweepJob(SparkSession spark) {
    this.spark = spark;
  }

  public Result run(Request request) {
    return JobOutput.write(request, spark.sparkContext().hadoopConfiguration(),
        (committer, sidecars) -> sweep(request, committer, sidecars));
  }

  private Result sweep(Request request, OutputCommitter committer, ImportSidecars sidecars) {
    SweepSpec spec = request.spec;
    List<SweptColumn> columns = SweepTables.columns(spec.sweptKeys);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Timing timing = new Timing();
    List<ModelSettings> models = new ArrayList<>();
    for (SweepSpec.Config c : spec.configs) {
      models.add(c.model);
    }
    TracePlan plan = TracePlan.of(spark, request, TracePlan.coarsest(models), sidecars);
    timing.phase("scan");

    OrderedTrace<?> ordered = plan.order(spark);
    OrderedTrace<?> source = ordered;
    long storedBytes = 0;
    if (spec.size() > 1) {
      OrderedTrace.Cached cached = ordered.cache(plan.names());
      long expected = plan.scan.records() - plan.scan.broadcast.length;
      if (cached.events != expected) {
        cached.trace.release();
        throw new IllegalStateException("record accounting failed while ordering: the trace has " + expected
            + " routed records but " + cached.events + " were stored");
      }
      source = cached.trace;
      storedBytes = cached.bytes;
    }
    timing.phase("order");

    List<ConfigRun> runs = new ArrayList<>();
    String[] configIds = new String[spec.size()];
    for (SweepSpec.Config c : spec.configs) {
      runs.add(new ConfigRun(c.index, c.settings, c.model, plan.scan));
      configIds[c.index] = c.configId;
    }
    int[] curvesFrom = SharedCurves.sources(runs);
    List<ConfigRun> replays = new ArrayList<>();
    for (ConfigRun run : runs) {
      replays.add(curvesFrom[run.index] == run.index ? run : run.withoutCurves());
    }
    JavaRDD<Row> replayed = ReplayStage.replay(jsc, source, plan.scan, replays)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      ReplayStats[] stats = ReplayStage.statistics(replayed, spec.size());
      source.release(); // every replay has run; the fault rows are kept with the replay's own rows
      for (ConfigRun run : runs) {
        if (curvesFrom[run.index] != run.index) {
          stats[run.index].addCurvesOf(stats[curvesFrom[run.index]]);
        }
      }
      List<ConfigResult> results = new ArrayList<>();
      long faults = 0;
      for (ConfigRun run : runs) {
        ConfigResult r = ConfigResult.of(run, stats[run.index], plan.scan);
        results.add(r);
        faults += r.faults;
      }
      timing.phase("replay");

      SweepRows rows = new SweepRows(columns);
      for (ConfigResult r : results) {
        rows.add(r, spec.configs.get(r.config.index).origin);
      }
      TableWriter tables = new TableWriter(spark, committer).addFaults(replayed, configIds, faults);
      rows.addTo(tables);
      tables.writeAll();
      timing.phase("write");

      if (sidecars.isOpen()) {
        sidecars.write(plan.inputs, plan.scan.importReports);
      }
      List<Row> info = new ArrayList<>();
      for (ConfigResult r : results) {
        RunInfo facts = RunFacts.of(spark, plan, r);
        RunFacts.addImports(facts, plan, sidecars);
        facts.add("sweep", "config_index", r.config.index);
        facts.add("sweep", "origin", spec.configs.get(r.config.index).origin);
        facts.add("sweep", "configs", spec.size());
        facts.add("sweep", "swept_keys", String.join(",", spec.sweptKeys));
        facts.add("sweep", "clustering", plan.clustering.name().toLowerCase());
        facts.add("sweep", "replay_tasks", (long) plan.replayTasks() * spec.size());
        facts.add("sweep", "stored_bytes", storedBytes);
        if (r.config.model.mrcEnabled) {
          facts.add("sweep", "mrc_curves_from", configIds[curvesFrom[r.config.index]]);
        }
        timing.addTo(facts);
        info.addAll(facts.rows());
      }
      new TableWriter(spark, committer).add("run_info", info, RunInfo.SCHEMA).writeAll();

      Result out = new Result();
      out.out = committer.target().toString();
      out.configs = spec.size();
      out.sweptKeys = spec.sweptKeys;
      out.recordsRead = plan.scan.records();
      out.recordsReplayed = results.stream().mapToLong(r -> r.replayed).toArray();
      out.faults = results.stream().mapToLong(r -> r.faults).toArray();
      out.best = rows.best();
      out.spec = spec;
      return out;
    } finally {
      replayed.unpersist();
      source.release();
    }
  }
}
