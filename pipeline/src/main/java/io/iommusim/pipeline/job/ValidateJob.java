package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.trace.imports.ImportReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The validate job: simulate the trace, then compare its faults with the faults a real system recorded
 * and write table {@code fault_validation} beside simulate's tables, committed with them (README,
 * "Fault validation"). The observed inputs are read and checked before the replay, so a bad log fails
 * the job before the expensive part; their import report and rejects go to
 * {@code OUT.observed.import-report.txt} and {@code OUT.observed.import-rejects.txt}.
 */
public final class ValidateJob {
  /** The trace part is a simulate request (inputs, format, options, output, settings); the rest is the observed part. */
  public static final class Request {
    public SimulateJob.Request trace = new SimulateJob.Request();
    public List<String> observed = new ArrayList<>();
    /** csv, parquet, an importer's name (kernel-log ...), or auto. */
    public String observedFormat = "auto";
    public Map<String, String> observedOptions = Map.of();
    public boolean observedStrict;
  }

  /** What a finished validation reports back. */
  public static final class Result {
    public SimulateJob.Result simulate;
    public long observedRecords;
    public long simulatedFaults;
    public long observedFaults;
    public long suppressed;
    public long matchedRows;
    public long matchedSimulated;
    public long matchedObserved;
    public long missedRows;
    public long missedObserved;
    public long missedWithoutDevice;
    public long missedWithoutEquivalent;
    public long unexpectedRows;
    public long unexpectedSimulated;
    public List<ImportReport> observedReports = List.of();
    public String observedReportFile;
    public String observedRejectsFile;
  }

  /** The base name of the observed inputs' report and rejects files: {@code OUT.observed}. */
  public static final String OBSERVED_SIDECARS = ".observed";

  private final SparkSession spark;

  public ValidateJob(SparkSession spark) {
    this.spark = spark;
  }

  public Result run(Request request) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    String out = request.trace.out;
    String base = out.length() > 1 && out.endsWith("/") ? out.substring(0, out.length() - 1) : out;
    ImportSidecars sidecars = ImportSidecars.plan(base + OBSERVED_SIDECARS, request.trace.overwrite, conf);
    ObservedFaults[] observed = new ObservedFaults[1];
    Result result = new Result();
    try {
      TraceInputs.ImportRequest imports = new TraceInputs.ImportRequest();
      imports.options = request.observedOptions;
      imports.strict = request.observedStrict;
      imports.rejectsDir = sidecars.partsDir();
      List<Input> inputs = TraceInputs.resolve(request.observed, request.observedFormat, imports, conf);
      if (TraceInputs.anyImported(inputs)) {
        sidecars.open();
      }
      observed[0] = ObservedFaults.scan(jsc, inputs);
      ObservedFaults obs = observed[0];
      result.simulate = new SimulateJob(spark).with((configId, stagingPath, info) -> {
        long t0 = System.nanoTime();
        FaultValidation.Summary summary = FaultValidation.run(spark, spark.read().parquet(stagingPath.apply("faults")),
            obs.rows(spark), configId, obs.suppressed, stagingPath.apply("fault_validation"));
        for (Input in : inputs) {
          info.add("input", "observed.file." + in.index, in.path);
          info.add("input", "observed.file." + in.index + ".format", in.formatName());
          info.add("input", "observed.file." + in.index + ".records", obs.recordsPerInput[in.index]);
        }
        info.add("records", "observed.read", obs.records);
        info.add("records", "observed.faults", obs.faults);
        info.add("records", "observed.suppression_records", obs.suppressionRecords);
        info.add("records", "observed.other_events", obs.otherEvents);
        summary.addTo(info);
        if (sidecars.isOpen()) {
          sidecars.write(inputs, obs.importReports);
          info.add("import", "observed.report_file", sidecars.reportPath().toString());
          info.add("import", "observed.rejects_file", sidecars.rejectsPath().toString());
        }
        info.add("timing", "validate_ms", (System.nanoTime() - t0) / 1_000_000);
        fill(result, summary);
      }).run(request.trace);
      if (sidecars.isOpen()) {
        sidecars.commit();
        result.observedReports = obs.importReports;
        result.observedReportFile = sidecars.reportPath().toString();
        result.observedRejectsFile = sidecars.rejectsPath().toString();
      }
      result.observedRecords = obs.records;
      return result;
    } catch (Throwable e) { // Spark rethrows task failures as its checked SparkException
      sidecars.abort();
      throw e;
    }
  }

  private static void fill(Result r, FaultValidation.Summary s) {
    r.simulatedFaults = s.simulatedFaults;
    r.observedFaults = s.observedFaults;
    r.suppressed = s.suppressed;
    r.matchedRows = s.matchedRows;
    r.matchedSimulated = s.matchedSimulated;
    r.matchedObserved = s.matchedObserved;
    r.missedRows = s.missedRows;
    r.missedObserved = s.missedObserved;
    r.missedWithoutDevice = s.missedWithoutDevice;
    r.missedWithoutEquivalent = s.missedWithoutEquivalent;
    r.unexpectedRows = s.unexpectedRows;
    r.unexpectedSimulated = s.unexpectedSimulated;
  }
}
