package io.iommusim.pipeline.job;

import io.iommusim.pipeline.output.ConfigTable;
import io.iommusim.pipeline.output.MrcTable;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.translator.settings.ModelSettings;
import java.util.List;
import java.util.function.Function;
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
    /** Reports of the imported inputs, in input order (empty when every input was canonical). */
    public List<ImportReport> importReports = List.of();
    /** The report and rejects files written next to the output, or null without imported inputs. */
    public String reportFile;
    public String rejectsFile;
  }

  /**
   * What another job adds to a simulate run (validate): called once the result tables are staged and
   * before run_info is written, so that the tables it writes through {@code stagingPath} are committed
   * with the run's (or dropped with them), and it may add run_info rows.
   */
  interface Extension {
    void afterTables(String configId, Function<String, String> stagingPath, RunInfo info);
  }

  private final SparkSession spark;
  private Extension extension;

  public SimulateJob(SparkSession spark) {
    this.spark = spark;
  }

  /** Runs {@code extension} inside the run (see {@link Extension}). */
  SimulateJob with(Extension extension) {
    this.extension = extension;
    return this;
  }

  public Result run(Request request) {
    ModelSettings settings = new ModelSettings(request.settings);
    return JobOutput.write(request, spark.sparkContext().hadoopConfiguration(),
        (committer, sidecars) -> simulate(request, settings, committer, sidecars));
  }

  private Result simulate(Request request, ModelSettings settings, OutputCommitter committer,
      ImportSidecars sidecars) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Timing timing = new Timing();
    TracePlan plan = TracePlan.of(spark, request, settings.partitionBy, sidecars);
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
      tables.addMrc(MrcTable.curves(config.configId, result.stats), 1).writeAll();
      timing.phase("write");

      if (sidecars.isOpen()) {
        sidecars.write(plan.inputs, plan.scan.importReports);
      }
      RunInfo info = RunFacts.of(spark, plan, result);
      RunFacts.addImports(info, plan, sidecars);
      timing.addTo(info);
      if (extension != null) {
        extension.afterTables(config.configId, committer::stagingPath, info);
      }
      new TableWriter(spark, committer).add("run_info", info.rows(), RunInfo.SCHEMA).writeAll();

      Result r = new Result();
      r.out = committer.target().toString();
      r.configId = config.configId;
      r.recordsRead = plan.scan.records();
      r.recordsReplayed = result.replayed;
      r.faults = result.faults;
      r.domainStats = domainRows;
      if (sidecars.isOpen()) {
        r.importReports = plan.scan.importReports;
        r.reportFile = sidecars.reportPath().toString();
        r.rejectsFile = sidecars.rejectsPath().toString();
      }
      return r;
    } finally {
      replayed.unpersist();
    }
  }
}
