package io.iommusim.bench.spark;

import static io.iommusim.bench.spark.BenchSupport.result;
import static io.iommusim.bench.spark.BenchSupport.secs;
import static io.iommusim.bench.spark.BenchSupport.simulate;

import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.pipeline.job.SparkSessions;
import io.iommusim.pipeline.job.SweepJob;
import io.iommusim.pipeline.job.SweepSpec;
import io.iommusim.translator.settings.Settings;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A sweep of K = 12 configurations ({@code iotlb.entries} 16, 32, 64, 128 × {@code iotlb.policy}
 * lru, fifo, random) against separate simulate runs of the same configurations, on a prepared trace
 * (no shuffle) and on the raw trace (shuffle), in one JVM and one SparkSession. Checks that every
 * separately simulated configuration's domain_stats equal the sweep's rows. Prints
 * {@code RESULT <name> <value> <unit>} lines: wall-clock seconds, and the JVM's CPU seconds (Spark runs
 * in this JVM with a local master, so that is the work done, whatever else the machine runs).
 *
 * <p>Usage: {@code SweepBench WORKDIR [EVENTS] [MASTER] [SEPARATE]} (defaults 5000000, local[2], 12):
 * SEPARATE separate runs per path; with fewer than 12 the cost of 12 is their mean times 12 (the
 * configurations differ only in the IOTLB, so runs cost about the same: the RESULT lines show each).
 * The trace is nic-ring with 8 NICs, generated once into WORKDIR as raw Parquet and prepared once.
 */
public final class SweepBench {
  private static final List<String> GRID = List.of("iotlb.entries=16,32,64,128", "iotlb.policy=lru,fifo,random");

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    long events = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000L;
    String master = args.length > 2 ? args[2] : "local[2]";
    int separate = args.length > 3 ? Integer.parseInt(args[3]) : 12;
    Files.createDirectories(work);
    Path raw = work.resolve("nic-ring-" + events + ".parquet");
    Path prepared = work.resolve("nic-ring-" + events + ".prepared");
    Path warmupRaw = work.resolve("nic-ring-500000.parquet");
    Path warmupPrepared = work.resolve("nic-ring-500000.prepared");
    generateOnce(raw, events);
    generateOnce(warmupRaw, 500_000);

    SweepSpec spec = SweepSpec.fromGrids(Settings.defaults(), GRID);
    SparkSession spark = SparkSessions.create("iommusim sweep bench", master,
        Map.of("spark.ui.enabled", "false", "spark.ui.showConsoleProgress", "false"));
    try {
      prepareOnce(spark, raw, prepared);
      prepareOnce(spark, warmupRaw, warmupPrepared);
      // JIT and Spark code generation warm-up on a small trace, both paths, both jobs
      for (Path w : List.of(warmupPrepared, warmupRaw)) {
        sweep(spark, w, spec, work.resolve("warmup"));
        simulate(spark, spec.configs.get(0).settings, w, work.resolve("warmup"));
      }
      run(spark, "prepared", prepared, spec, separate, work);
      run(spark, "unprepared", raw, spec, separate, work);
    } finally {
      spark.stop();
    }
  }

  private static void run(SparkSession spark, String name, Path trace, SweepSpec spec, int separate, Path work) {
    Path sweepOut = work.resolve("sweep-" + name);
    long t = System.nanoTime();
    long cpu = cpuNanos();
    SweepJob.Result sweep = sweep(spark, trace, spec, sweepOut);
    double sweepSecs = secs(t);
    double sweepCpu = (cpuNanos() - cpu) / 1e9;
    result("spark.sweep" + spec.size() + "." + name, sweepSecs, "s");
    result("spark.sweep" + spec.size() + "." + name + ".cpu", sweepCpu, "s");
    result("spark.sweep" + spec.size() + "." + name + ".rate",
        sweep.recordsRead * spec.size() / sweepSecs / 1e6, "Mevents/s (records x configurations)");

    phases(spark, sweepOut, "spark.sweep" + spec.size() + "." + name, spec.configs.get(0).configId);
    List<Row> sweepRows = spark.read().parquet(sweepOut.resolve("sweep_stats").toString()).collectAsList();
    double total = 0;
    double totalCpu = 0;
    int runs = Math.min(separate, spec.size());
    for (int i = 0; i < runs; i++) {
      // spread the measured runs over the grid: with 3 of 12, configurations 0, 4 and 8
      SweepSpec.Config c = spec.configs.get(i * spec.size() / runs);
      t = System.nanoTime();
      cpu = cpuNanos();
      SimulateJob.Result r = simulate(spark, c.settings, trace, work.resolve("simulate-" + name));
      double s = secs(t);
      double sCpu = (cpuNanos() - cpu) / 1e9;
      total += s;
      totalCpu += sCpu;
      result("spark.simulate." + name + ".config" + c.index, s, "s");
      result("spark.simulate." + name + ".config" + c.index + ".cpu", sCpu, "s");
      phases(spark, work.resolve("simulate-" + name), "spark.simulate." + name + ".config" + c.index, c.configId);
      if (!rows(r.domainStats).equals(sweepRowsOf(sweepRows, c, spec))) {
        throw new IllegalStateException("sweep and simulate disagree for " + c.origin);
      }
    }
    String separate12 = "spark.separate" + spec.size() + "." + name + (runs < spec.size() ? ".extrapolated" : "");
    double separateSecs = total / runs * spec.size();
    double separateCpu = totalCpu / runs * spec.size();
    result(separate12, separateSecs, "s");
    result(separate12 + ".cpu", separateCpu, "s");
    result("spark.sweep_over_separate." + name, sweepSecs / separateSecs, "x");
    result("spark.sweep_over_separate." + name + ".cpu", sweepCpu / separateCpu, "x");
  }

  /** The run's phase timings from run_info (a sweep repeats them in every configuration's rows). */
  private static void phases(SparkSession spark, Path out, String name, String configId) {
    for (Row r : spark.read().parquet(out.resolve("run_info").toString()).collectAsList()) {
      if (r.getString(0).equals(configId) && r.getString(1).equals("timing") && !r.getString(2).equals("total_ms")) {
        result(name + "." + r.getString(2).replace("_ms", ""), Long.parseLong(r.getString(3)) / 1e3, "s");
      }
      if (r.getString(0).equals(configId) && r.getString(1).equals("sweep") && r.getString(2).equals("stored_bytes")) {
        result(name + ".stored", Long.parseLong(r.getString(3)) / 1e6, "MB");
      }
    }
  }

  /** The sweep's rows of one configuration with the swept columns dropped: domain_stats rows. */
  private static List<String> sweepRowsOf(List<Row> sweepRows, SweepSpec.Config c, SweepSpec spec) {
    List<String> rows = new ArrayList<>();
    for (Row r : sweepRows) {
      if (r.getString(0).equals(c.configId)) {
        List<Object> v = new ArrayList<>();
        for (int i = 0; i < r.length(); i++) {
          if (i < 1 || i > spec.sweptKeys.size()) {
            v.add(r.get(i));
          }
        }
        rows.add(v.toString());
      }
    }
    rows.sort(null);
    return rows;
  }

  private static List<String> rows(List<Row> domainStats) {
    List<String> rows = new ArrayList<>();
    for (Row r : domainStats) {
      List<Object> v = new ArrayList<>();
      for (int i = 0; i < r.length(); i++) {
        v.add(r.get(i));
      }
      rows.add(v.toString());
    }
    rows.sort(null);
    return rows;
  }

  private static void generateOnce(Path file, long events) throws Exception {
    if (Files.exists(file)) {
      return;
    }
    long t = System.nanoTime();
    BenchSupport.generate(file, events);
    result("spark.generate_raw." + events, secs(t), "s");
  }

  private static void prepareOnce(SparkSession spark, Path raw, Path prepared) {
    if (Files.exists(prepared)) {
      return;
    }
    BenchSupport.prepare(spark, raw, prepared);
  }

  private static SweepJob.Result sweep(SparkSession spark, Path input, SweepSpec spec, Path out) {
    SweepJob.Request r = new SweepJob.Request();
    r.inputs = List.of(input.toString());
    r.out = out.toString();
    r.overwrite = true;
    r.spec = spec;
    return new SweepJob(spark).run(r);
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

}
