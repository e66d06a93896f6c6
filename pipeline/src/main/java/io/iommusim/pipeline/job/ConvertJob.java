package io.iommusim.pipeline.job;

import static org.apache.spark.sql.functions.col;

import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.csv.CanonicalCsvWriter;
import io.iommusim.translator.settings.ModelSettings;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The convert job: canonical traces in, one canonical trace out — a CSV file when the output ends in
 * {@code .csv} (events in seq order), otherwise a prepared Parquet trace directory (see
 * {@link PreparedTrace}) clustered for {@code partition.by}. Output is committed atomically. Inputs in a
 * real trace format are imported on the way ({@link TraceInputs}); the conversion report and the rejects
 * file are then written next to the output ({@link ImportSidecars}).
 */
public final class ConvertJob {
  /** What to convert. */
  public static final class Request extends TraceJobRequest {}

  /** What a finished conversion reports back. */
  public static final class Result {
    public long events;
    /** Reports of the imported inputs, in input order (empty when every input was canonical). */
    public List<ImportReport> importReports = List.of();
    /** The report and rejects files, or null without imported inputs. */
    public String reportFile;
    public String rejectsFile;
  }

  private final SparkSession spark;

  public ConvertJob(SparkSession spark) {
    this.spark = spark;
  }

  public static boolean writesCsv(String out) {
    return out.toLowerCase().endsWith(".csv");
  }

  /** Converts and returns the number of events written. */
  public long run(Request r) {
    return convert(r).events;
  }

  public Result convert(Request r) {
    ModelSettings settings = new ModelSettings(r.settings);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return JobOutput.write(r, jsc.hadoopConfiguration(), (committer, sidecars) -> {
      List<Input> inputs = TraceInputs.resolve(r.inputs, r.format, importRequest(r, sidecars), jsc.hadoopConfiguration());
      if (TraceInputs.anyImported(inputs)) {
        sidecars.open();
      }
      TraceScan scan = TraceScan.run(jsc, inputs, settings.partitionBy, TraceScan.maxPartitions(spark));
      long n = writesCsv(r.out) ? writeCsv(jsc, scan, committer) : writePrepared(jsc, scan, settings, committer);
      if (n != scan.records()) {
        throw new IllegalStateException("record accounting failed: read " + scan.records() + ", wrote " + n);
      }
      Result result = new Result();
      result.events = n;
      if (sidecars.isOpen()) {
        sidecars.write(inputs, scan.importReports);
        result.importReports = scan.importReports;
        result.reportFile = sidecars.reportPath().toString();
        result.rejectsFile = sidecars.rejectsPath().toString();
      }
      return result;
    });
  }

  /** The importer part of a request, with the scratch directory for rejects parts. */
  static TraceInputs.ImportRequest importRequest(TraceJobRequest r, ImportSidecars sidecars) {
    TraceInputs.ImportRequest i = new TraceInputs.ImportRequest();
    i.options = r.importOptions;
    i.strict = r.strict;
    i.synthesizeAccess = r.synthesizeAccess;
    i.rejectsDir = sidecars.partsDir();
    return i;
  }

  private Dataset<Row> events(JavaSparkContext jsc, TraceScan scan) {
    Broadcast<ReplayGroups> groups = jsc.broadcast(scan.groups);
    JavaRDD<Row> rows = jsc.parallelize(scan.splits, Math.max(1, scan.splits.size()))
        .mapPartitions(splits -> SourceRows.grouped(splits, groups.value(), true));
    return spark.createDataFrame(rows, EventRows.groupedSchema());
  }

  private long writeCsv(JavaSparkContext jsc, TraceScan scan, OutputCommitter committer) {
    Dataset<Row> ordered = events(jsc, scan).orderBy(col("seq"), col("ts_ns"));
    long n = 0;
    try (Writer out = new OutputStreamWriter(committer.rawFileSystem().create(committer.staging()), StandardCharsets.UTF_8);
        CanonicalCsvWriter csv = new CanonicalCsvWriter(out)) {
      TraceEvent e = new TraceEvent();
      Iterator<Row> it = ordered.toLocalIterator();
      while (it.hasNext()) {
        csv.accept(EventRows.fill(it.next(), e));
        n++;
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write " + committer.target(), ex);
    }
    return n;
  }

  /**
   * Parquet writer settings of a prepared trace, chosen for the replay's reader (see the README's
   * "Prepared traces"): v2 data pages, so that integer columns without a useful dictionary (ts_ns and
   * seq always; phys, addr... when their dictionary overflows) are DELTA_BINARY_PACKED, about one or two
   * bytes a value for sorted timestamps, instead of PLAIN (eight); no compression, since decompressing
   * snappy took about a third of the replay's reading and the delta-packed pages hardly compress;
   * pages of up to 100 000 rows (parquet's default is 20 000) for fewer page switches.
   */
  static final Map<String, String> PREPARED_WRITER_OPTIONS = Map.of(
      "compression", "none",
      "parquet.writer.version", "v2",
      "parquet.enable.dictionary#ts_ns", "false",
      "parquet.enable.dictionary#seq", "false",
      "parquet.page.row.count.limit", "100000");

  private long writePrepared(JavaSparkContext jsc, TraceScan scan, ModelSettings settings, OutputCommitter committer) {
    String staging = committer.staging().toString();
    events(jsc, scan)
        .repartition(scan.groups.partitions(), col(EventRows.GROUP))
        .sortWithinPartitions(col("ts_ns"), col("seq"))
        .drop(EventRows.GROUP)
        .write().options(PREPARED_WRITER_OPTIONS).parquet(staging);
    try {
      FileSystem fs = committer.rawFileSystem();
      FileStatus[] parts = fs.listStatus(committer.staging(), p -> p.getName().endsWith(".parquet"));
      Arrays.sort(parts, Comparator.comparing(s -> s.getPath().getName()));
      List<String> names = new ArrayList<>();
      for (FileStatus p : parts) {
        names.add(p.getPath().getName());
      }
      long n = spark.read().parquet(staging).count();
      writeText(fs, new Path(committer.staging(), PreparedTrace.LAYOUT),
          PreparedTrace.layoutText(settings.partitionBy, names, n, scan.invalidations));
      try (Writer out = new OutputStreamWriter(fs.create(new Path(committer.staging(), PreparedTrace.CONTROL)),
              StandardCharsets.UTF_8);
          CanonicalCsvWriter csv = new CanonicalCsvWriter(out)) {
        for (TraceEvent e : scan.control) {
          csv.accept(e);
        }
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the layout of " + committer.target(), e);
    }
  }

  private static void writeText(FileSystem fs, Path path, String text) throws IOException {
    try (Writer w = new OutputStreamWriter(fs.create(path), StandardCharsets.UTF_8)) {
      w.write(text);
    }
  }
}
