package io.iommusim.bench.spark;

import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.generate.Workload;
import io.iommusim.trace.generate.Workloads;
import io.iommusim.trace.parquet.ParquetTraceWriter;
import io.iommusim.translator.settings.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** What the Spark benchmarks share: the benchmark trace, the jobs they time, and RESULT lines. */
final class BenchSupport {
  private BenchSupport() {}

  /** The benchmark trace: {@code nic-ring} with 8 NICs (8 replay groups), seed 1, as raw canonical Parquet. */
  static void generate(Path file, long events) throws Exception {
    Workload w = Workloads.create("nic-ring", Map.of("devices", "8"));
    try (EventSink sink = new ParquetTraceWriter(file, Map.of())) {
      w.generate(events, 1, sink);
    }
  }

  /** {@code convert} of {@code raw} into the prepared layout at {@code prepared}. */
  static void prepare(SparkSession spark, Path raw, Path prepared) {
    ConvertJob.Request c = new ConvertJob.Request();
    c.inputs = List.of(raw.toString());
    c.out = prepared.toString();
    new ConvertJob(spark).run(c);
  }

  static SimulateJob.Result simulate(SparkSession spark, Settings settings, Path input, Path out) {
    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = List.of(input.toString());
    r.out = out.toString();
    r.overwrite = true;
    r.settings = settings;
    return new SimulateJob(spark).run(r);
  }

  static double secs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static void result(String name, double value, String unit) {
    System.out.printf("RESULT %s %.3f %s%n", name, value, unit);
  }
}
