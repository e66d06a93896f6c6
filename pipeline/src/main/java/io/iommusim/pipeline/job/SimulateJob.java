package io.iommusim.pipeline.job;

import io.iommusim.pipeline.output.ConfigTable;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.translator.settings.ModelSettings;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The simulate job: canonical trace in, result tables out.
 *
 * <ol>
 *   <li>Scan ({@link TracePlan}): read and validate every record once; collect record counts and the
 *       control events (context timeline, replay groups, broadcast events) on the driver.
 *   <li>Order ({@link OrderedTrace}): a prepared trace is already ordered, one file per task;
 *       anything else is keyed by replay group, shuffled by group and sorted by (ts_ns, seq).
 *   <li>Replay ({@link ReplayStage}): one translator per partition; fault rows stream out,
 *       statistics come last.
 *   <li>Merge the partial statistics on the driver, write the tables under a staging directory and
 *       commit it atomically.
 * </ol>
 */
public final class SimulateJob {
  /** What to simulate and where the results go. */
  public static final class Request extends TraceJobRequest {}

  /** What a finished run reports back (also printed as the summary). */
  public static final class Result {
    public String configId;
    public long recordsRead;
    public long recordsReplayed;
    public long faults;
    public List<Row> domainStats;
    public String out;
  }

  private final SparkSession spark;

  public SimulateJob(SparkSession spark) {
    this.spark = spark;
  }

  public Result run(Request request) {
    ModelSettings settings = new ModelSettings(request.settings);
    OutputCommitter committer = OutputCommitter.begin(request.out, request.overwrite,
        spark.sparkContext().hadoopConfiguration());
    try {
      Result result = simulate(request, settings, committer);
      committer.commit();
      result.out = committer.target().toString();
      return result;
    } catch (RuntimeException | Error e) {
      committer.abort();
      throw e;
    }
  }

  private Result simulate(Request request, ModelSettings settings, OutputCommitter committer) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Timing timing = new Timing();
    TracePlan plan = TracePlan.of(spark, request, settings.partitionBy);
    timing.phase("scan");

    ConfigRun config = new ConfigRun(0, request.settings, settings, plan.scan);
    // kept as an RDD: collecting the statistics needs no SQL planning (a measurable fixed cost on
    // short runs); only the faults go through a Dataset, and only when there are any
    JavaRDD<Row> replayed = ReplayStage.replay(jsc, plan.order(spark), plan.scan, List.of(config))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      ConfigResult result = ConfigResult.of(config, ReplayStage.statistics(replayed, 1)[0], plan.scan);
      timing.phase("replay");

      List<Row> domainRows = StatsTables.domainStats(config.configId, result.stats);
      TableWriter tables = new TableWriter(spark, committer)
          .addFaults(replayed, new String[] {config.configId}, result.faults)
          .add("domain_stats", domainRows, StatsTables.domainStatsSchema());
      for (ConfigTable t : ConfigTable.ALL) {
        tables.add(t.name, t.rows(config.configId, result.stats), t.schema());
      }
      tables.writeAll();
      timing.phase("write");

      RunInfo info = RunFacts.of(spark, plan, result);
      timing.addTo(info);
      new TableWriter(spark, committer).add("run_info", info.rows(), RunInfo.SCHEMA).writeAll();

      Result r = new Result();
      r.configId = config.configId;
      r.recordsRead = plan.scan.records();
      r.recordsReplayed = result.replayed;
      r.faults = result.faults;
      r.domainStats = domainRows;
      return r;
    } finally {
      replayed.unpersist();
    }
  }
}
