package io.iommusim.pipeline.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.iommusim.pipeline.Version;
import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.translator.FaultReason;
import io.iommusim.translator.ir.IrCounter;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.vtd.ContextTimeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The simulate job: canonical trace in, result tables out.
 *
 * <ol>
 *   <li>Scan: read and validate every record once; collect record counts and the control events
 *       (context timeline, replay groups, broadcast events) on the driver.
 *   <li>Route: key every other event by its replay group; shuffle by group and sort each partition by
 *       (ts_ns, seq).
 *   <li>Replay: one translator per partition; fault rows stream out, statistics come last.
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
    String configId = request.settings.configId();
    OutputCommitter committer = OutputCommitter.begin(request.out, request.overwrite,
        spark.sparkContext().hadoopConfiguration());
    ImportSidecars sidecars = ImportSidecars.plan(request.out, request.overwrite,
        spark.sparkContext().hadoopConfiguration());
    try {
      Result result = simulate(request, settings, configId, committer, sidecars);
      committer.commit();
      if (sidecars.isOpen()) {
        sidecars.commit();
      }
      result.out = committer.target().toString();
      return result;
    } catch (Throwable e) { // Spark rethrows task failures as its checked SparkException
      committer.abort();
      sidecars.abort();
      throw e;
    }
  }

  private Result simulate(Request request, ModelSettings settings, String configId, OutputCommitter committer,
      ImportSidecars sidecars) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    RunInfo info = new RunInfo(configId);
    long t0 = System.nanoTime();

    Configuration conf = jsc.hadoopConfiguration();
    boolean mayBePrepared = request.format.equals("auto") || request.format.equals("parquet");
    PreparedTrace prepared = request.inputs.size() == 1 && mayBePrepared
        ? PreparedTrace.detect(request.inputs.get(0), conf) : null;
    String path;
    if (prepared != null && !prepared.serves(settings.partitionBy)) {
      path = "shuffle (the prepared layout is clustered by " + prepared.clusteredBy.name().toLowerCase()
          + ", which cannot serve partition.by=" + settings.partitionBy.name().toLowerCase() + ")";
      prepared = null;
    } else {
      path = prepared != null ? "prepared (no shuffle)" : "shuffle";
    }
    List<Input> inputs;
    TraceScan scan;
    if (prepared != null) {
      inputs = List.of(Input.of(0, prepared.dir, TraceInputs.Format.PARQUET));
      scan = TraceScan.ofPrepared(inputs, prepared.events, prepared.invalidations, prepared.controlEvents(conf), settings);
    } else {
      inputs = TraceInputs.resolve(request.inputs, request.format, ConvertJob.importRequest(request, sidecars), conf);
      if (TraceInputs.anyImported(inputs)) {
        sidecars.open();
      }
      scan = TraceScan.run(jsc, inputs, settings, TraceScan.maxPartitions(spark));
    }
    long t1 = System.nanoTime();

    Broadcast<ReplayGroups> groups = jsc.broadcast(scan.groups);
    Broadcast<ContextTimeline> timeline = jsc.broadcast(scan.timeline);
    Broadcast<TraceEvent[]> broadcastEvents = jsc.broadcast(scan.broadcast);
    Broadcast<ModelSettings> model = jsc.broadcast(settings);
    ModelSettings.InvalidationMode invalidation = settings.invalidationFor(scan.invalidations > 0);
    Broadcast<SourceNames> names = jsc.broadcast(new SourceNames(inputs));

    JavaRDD<Row> replayed;
    if (prepared != null) {
      // one task per file: a file holds whole replay groups, already in (ts_ns, seq) order
      replayed = jsc.parallelize(prepared.files, Math.max(1, prepared.files.size()))
          .mapPartitions(files -> {
            if (!files.hasNext()) {
              return java.util.Collections.emptyIterator();
            }
            return new ReplayPartition(new PreparedFileCursor(files.next()), broadcastEvents.value(),
                timeline.value(), model.value(), invalidation);
          });
    } else {
      JavaRDD<Row> routed = jsc.parallelize(scan.splits, Math.max(1, scan.splits.size()))
          .mapPartitions(splits -> new SourceRows(splits, groups.value(), false));
      Dataset<Row> sorted = spark.createDataFrame(routed, EventRows.groupedSchema())
          .repartition(scan.groups.partitions(), col(EventRows.GROUP))
          .sortWithinPartitions(col("ts_ns"), col("seq"));
      replayed = sorted.toJavaRDD().mapPartitions(rows -> new ReplayPartition(
          new RowCursor(rows, names.value()), broadcastEvents.value(), timeline.value(), model.value(), invalidation));
    }
    // kept as an RDD: collecting the statistics needs no SQL planning (a measurable fixed cost on
    // short runs); only the faults go through a Dataset, and only when there are any
    JavaRDD<Row> results = replayed.persist(StorageLevel.MEMORY_AND_DISK());

    try {
      ReplayStats stats = new ReplayStats(EventKind.values().length);
      for (byte[] blob : results.filter(r -> r.getInt(0) == FaultRows.STATS)
          .map(r -> (byte[]) r.get(r.length() - 1)).collect()) {
        stats.merge(ReplayStats.fromBytes(blob));
      }
      long t2 = System.nanoTime();

      long[] byKind = stats.eventsByKind();
      for (TraceEvent e : scan.broadcast) {
        byKind[e.kind.ordinal()]++; // replayed by every partition, counted once
      }
      long replayedRecords = 0;
      for (long n : byKind) {
        replayedRecords += n;
      }
      long read = scan.records();
      if (replayedRecords != read) {
        throw new IllegalStateException("record accounting failed: read " + read + " but replayed " + replayedRecords);
      }

      // one faults row per faulting DMA translation and per recorded (not FPD-suppressed) IR fault
      long faultCount = 0;
      for (StatsCell c : stats.cells()) {
        faultCount += c.get(DeviceCounter.FAULTS)
            + c.get(IrCounter.MSI_BLOCKED)
            - c.get(IrCounter.MSI_FAULT_RECORDS_SUPPRESSED);
      }
      long faultCountFinal = faultCount;
      // the tables are independent Spark jobs: submitting them together overlaps their scheduling
      List<Row> domainRows = StatsTables.domainStats(configId, stats);
      runConcurrently(
          () -> faultsTable(spark.createDataFrame(
                  faultCountFinal == 0 ? jsc.emptyRDD() : results.filter(r -> r.getInt(0) == FaultRows.FAULT),
                  FaultRows.SCHEMA), configId)
              .write().parquet(committer.stagingPath("faults")),
          () -> write(domainRows, StatsTables.domainStatsSchema(), committer.stagingPath("domain_stats")),
          () -> write(StatsTables.deviceStats(configId, stats), StatsTables.deviceStatsSchema(),
              committer.stagingPath("device_stats")),
          () -> write(StatsTables.latencyHistogram(configId, stats), StatsTables.latencyHistogramSchema(),
              committer.stagingPath("latency_histogram")),
          () -> write(StatsTables.security(configId, stats), StatsTables.securitySchema(),
              committer.stagingPath("security")));
      long t3 = System.nanoTime();

      info.add("version", "iommusim", Version.get());
      info.add("version", "spark", spark.version());
      info.add("version", "java", System.getProperty("java.version"));
      for (Map.Entry<String, String> s : request.settings.asMap().entrySet()) {
        info.add("setting", s.getKey(), s.getValue());
      }
      info.add("model", "invalidation.mode", invalidation.name().toLowerCase());
      info.add("records", "dma_invalidation_events", scan.invalidations);
      for (Input in : inputs) {
        info.add("input", "file." + in.index, in.path);
        info.add("input", "file." + in.index + ".format", in.formatName());
        info.add("input", "file." + in.index + ".records", scan.recordsPerInput[in.index]);
        if (in.importSettings != null) {
          for (Map.Entry<String, String> s : in.importSettings.describe().entrySet()) {
            info.add("input", "file." + in.index + ".import." + s.getKey(), s.getValue());
          }
        }
      }
      List<Input> imported = inputs.stream().filter(in -> in.format == TraceInputs.Format.IMPORTED).toList();
      for (int i = 0; i < scan.importReports.size(); i++) {
        ImportReport r = scan.importReports.get(i);
        String p = "file." + imported.get(i).index + ".";
        info.add("import", p + "lines", r.lines());
        info.add("import", p + "event_lines", r.eventLines());
        info.add("import", p + "ignored_lines", r.ignoredLines());
        info.add("import", p + "unparsed_lines", r.unparsedLines());
        info.add("import", p + "events", r.events());
        for (Map.Entry<String, ImportReport.Tally> n : r.notes().entrySet()) {
          info.add("import", p + "note." + n.getKey(), n.getValue().amount() != 0 ? n.getValue().amount()
              : n.getValue().count());
        }
      }
      if (sidecars.isOpen()) {
        sidecars.write(inputs, scan.importReports);
        info.add("import", "report_file", sidecars.reportPath().toString());
        info.add("import", "rejects_file", sidecars.rejectsPath().toString());
      }
      info.add("records", "read", read);
      info.add("records", "replayed", replayedRecords);
      info.add("records", "rejected", 0);
      for (EventKind k : EventKind.values()) {
        info.add("records", "replayed." + k.text(), byKind[k.ordinal()]);
      }
      info.add("records", "faults", faultCount);
      info.add("spark", "master", spark.sparkContext().master());
      info.add("spark", "input_splits", scan.splits.size());
      info.add("spark", "replay_path", path);
      if (prepared != null) {
        info.add("spark", "replay_tasks", prepared.files.size());
      } else {
        info.add("spark", "replay_groups", scan.groups.groupCount());
        info.add("spark", "replay_tasks", scan.groups.partitions());
      }
      info.add("spark", "shuffle_partitions", spark.conf().get("spark.sql.shuffle.partitions"));
      info.add("timing", "scan_ms", (t1 - t0) / 1_000_000);
      info.add("timing", "replay_ms", (t2 - t1) / 1_000_000);
      info.add("timing", "write_ms", (t3 - t2) / 1_000_000);
      info.add("timing", "total_ms", (System.nanoTime() - t0) / 1_000_000);
      if (extension != null) {
        extension.afterTables(configId, committer::stagingPath, info);
      }
      write(info.rows(), RunInfo.SCHEMA, committer.stagingPath("run_info"));

      Result result = new Result();
      result.configId = configId;
      result.recordsRead = read;
      result.recordsReplayed = replayedRecords;
      result.faults = faultCount;
      result.domainStats = domainRows;
      if (sidecars.isOpen()) {
        result.importReports = scan.importReports;
        result.reportFile = sidecars.reportPath().toString();
        result.rejectsFile = sidecars.rejectsPath().toString();
      }
      return result;
    } finally {
      results.unpersist();
    }
  }

  /** Runs the actions on their own threads and waits for all; the first failure is rethrown. */
  private static void runConcurrently(Runnable... actions) {
    ExecutorService pool = Executors.newFixedThreadPool(actions.length);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable a : actions) {
        futures.add(pool.submit(a));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          if (cause instanceof Error) {
            throw (Error) cause;
          }
          throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while writing the result tables", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void write(List<Row> rows, StructType schema, String path) {
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
  }

  /**
   * The faults table from fault rows ({@link FaultRows#SCHEMA}): one row per faulting translation or
   * recorded interrupt fault, sorted by (ts_ns, seq, addr).
   */
  static Dataset<Row> faultsTable(Dataset<Row> results, String configId) {
    StringBuilder reasonText = new StringBuilder("CASE reason_code");
    for (FaultReason r : FaultReason.values()) {
      reasonText.append(" WHEN ").append(r.code()).append(" THEN '").append(r.text()).append('\'');
    }
    reasonText.append(" ELSE 'Unknown' END");
    return results
        .select(
            expr("'" + configId + "'").as("config_id"),
            col("ts_ns"), col("seq"), col("unit"), col("sid"),
            expr("CASE WHEN sid >= 65536 THEN format_string('%04x:%02x:%02x.%d', shiftright(sid, 16), "
                + "shiftright(sid, 8) & 255, shiftright(sid, 3) & 31, sid & 7) "
                + "ELSE format_string('%02x:%02x.%d', shiftright(sid, 8) & 255, shiftright(sid, 3) & 31, sid & 7) END")
                .as("bdf"),
            col("pasid"), col("domain"), col("addr"),
            expr("CASE WHEN interrupt THEN 'interrupt' WHEN write THEN 'write' ELSE 'read' END").as("access"),
            col("reason_code"),
            expr(reasonText.toString()).as("reason"),
            col("irte_index"))
        .orderBy(col("ts_ns"), col("seq"), col("addr"));
  }
}
