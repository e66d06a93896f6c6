package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.csv.CanonicalCsvWriter;
import io.iommusim.trace.generate.Workload;
import io.iommusim.trace.generate.Workloads;
import io.iommusim.trace.parquet.ParquetTraceWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The generate job: streams a synthetic workload (bounded memory, any length) to canonical CSV, or to
 * a canonical Parquet file that {@link ConvertJob} then turns into a prepared trace.
 */
public final class GenerateJob {
  /** What to generate. */
  public static final class Request extends OutputRequest {
    public String workload;
    public long events;
    public long seed = 1;
    public Map<String, String> options = Map.of();
  }

  private final SparkSession spark;

  public GenerateJob(SparkSession spark) {
    this.spark = spark;
  }

  public static boolean needsSpark(String out) {
    return !ConvertJob.writesCsv(out);
  }

  public long run(Request r) {
    Workload workload = Workloads.create(r.workload, r.options);
    if (r.events < workload.minimumEvents()) {
      throw new IllegalArgumentException("--events: " + r.workload + " needs at least " + workload.minimumEvents()
          + " events for its setup, got " + r.events);
    }
    if (ConvertJob.writesCsv(r.out)) {
      OutputCommitter committer = OutputCommitter.begin(r.out, r.overwrite, new Configuration());
      try {
        try (CanonicalCsvWriter csv = CanonicalCsvWriter.create(InputSplit.localPath(committer.staging().toString()))) {
          workload.generate(r.events, r.seed, csv);
        }
        committer.commit();
        return r.events;
      } catch (IOException e) {
        committer.abort();
        throw new UncheckedIOException("cannot write " + r.out, e);
      } catch (RuntimeException | Error e) {
        committer.abort();
        throw e;
      }
    }
    // the raw stream goes to a temporary Parquet file, then convert prepares it
    java.nio.file.Path out = InputSplit.localPath(r.out).toAbsolutePath();
    java.nio.file.Path tmp = out.resolveSibling("." + out.getFileName() + ".generated-" + System.nanoTime() + ".parquet");
    try {
      try (EventSink sink = new ParquetTraceWriter(tmp, Map.of("iommusim.workload", r.workload,
          "iommusim.seed", Long.toString(r.seed)))) {
        workload.generate(r.events, r.seed, sink);
      }
      ConvertJob.Request c = new ConvertJob.Request();
      c.inputs = List.of(tmp.toString());
      c.format = "parquet";
      c.out = r.out;
      c.overwrite = r.overwrite;
      c.settings = r.settings;
      return new ConvertJob(spark).run(c);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot generate " + r.out, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // a leftover temporary file is harmless; the job's own outcome matters
      }
    }
  }
}
