package io.iommusim.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.GenerateJob;
import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.csv.CanonicalCsvReader;
import io.iommusim.trace.parquet.ParquetTraceReader;
import io.iommusim.translator.settings.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/** Runs the jobs on the shared test session and reads their outputs back. */
public final class PipelineTestSupport {
  /** The result tables compared for determinism (run_info holds timings and the replay path). */
  public static final List<String> STATS_TABLES = List.of("domain_stats", "device_stats", "faults", "latency_histogram",
      "mrc");

  /** sample-traces/ at the repository root; tests run with the module directory as working dir. */
  public static final Path SAMPLE_TRACES = Path.of("..", "sample-traces");

  private PipelineTestSupport() {}

  public static Settings settings(String... keyEqualsValue) {
    Settings s = Settings.defaults();
    for (String kv : keyEqualsValue) {
      s = s.with(kv, "test");
    }
    return s;
  }

  public static SimulateJob.Result simulate(Path input, Path out, String... settings) {
    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = List.of(input.toString());
    r.out = out.toString();
    r.settings = settings(settings);
    return new SimulateJob(TestSpark.get()).run(r);
  }

  public static long convert(Path input, Path out, String... settings) {
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(input.toString());
    r.out = out.toString();
    r.settings = settings(settings);
    return new ConvertJob(TestSpark.get()).run(r);
  }

  public static long generate(String workload, long events, long seed, Map<String, String> options, Path out) {
    GenerateJob.Request r = new GenerateJob.Request();
    r.workload = workload;
    r.events = events;
    r.seed = seed;
    r.options = options;
    r.out = out.toString();
    return new GenerateJob(GenerateJob.needsSpark(r.out) ? TestSpark.get() : null).run(r);
  }

  /** Every row of a result table, as collected from its Parquet directory (order as stored). */
  public static List<Row> table(Path out, String name) {
    return TestSpark.get().read().parquet(out.resolve(name).toString()).collectAsList();
  }

  /** Every row of a result table in a canonical order, rendered as text for exact comparison. */
  public static List<String> sortedRows(Path out, String name) {
    // outputs are written once and never changed afterwards: read each table once
    return SORTED_ROWS.computeIfAbsent(out.toAbsolutePath() + "/" + name,
        k -> table(out, name).stream().map(Row::toString).sorted().collect(Collectors.toList()));
  }

  private static final Map<String, List<String>> SORTED_ROWS = new java.util.concurrent.ConcurrentHashMap<>();

  /** run_info as "section.key" → value. */
  public static Map<String, String> runInfo(Path out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Row r : table(out, "run_info")) {
      m.put(r.getString(r.fieldIndex("section")) + "." + r.getString(r.fieldIndex("key")), r.getString(r.fieldIndex("value")));
    }
    return m;
  }

  public static void assertSameStats(Path expected, Path actual, String what) {
    for (String t : STATS_TABLES) {
      List<String> e = sortedRows(expected, t);
      List<String> a = sortedRows(actual, t);
      assertEquals(e.size(), a.size(), what + ": row count of " + t);
      assertEquals(e, a, what + ": " + t);
    }
  }

  /** Every event of a canonical CSV file, in file order, as the trace-formats reader returns them. */
  public static List<TraceEvent> readCsv(Path file) {
    List<TraceEvent> events = new ArrayList<>();
    try (CanonicalCsvReader r = CanonicalCsvReader.open(file, 0)) {
      TraceEvent e = new TraceEvent();
      while (r.next(e)) {
        events.add(e.copy());
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return events;
  }

  /** Every event of every Parquet data file of a directory (files starting with _ or . skipped). */
  public static List<TraceEvent> readParquetDir(Path dir) {
    List<TraceEvent> events = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet")
          && !p.getFileName().toString().startsWith("_") && !p.getFileName().toString().startsWith("."))
          .sorted().collect(Collectors.toList())) {
        try (ParquetTraceReader r = ParquetTraceReader.open(f, 0)) {
          TraceEvent e = new TraceEvent();
          while (r.next(e)) {
            events.add(e.copy());
          }
        }
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return events;
  }

  public static List<TraceEvent> sortedBySeq(List<TraceEvent> events) {
    List<TraceEvent> copy = new ArrayList<>(events);
    copy.sort(Comparator.comparingLong((TraceEvent e) -> e.seq).thenComparingLong(e -> e.tsNs));
    return copy;
  }

  /** What a CLI run printed and returned. */
  public static final class CliRun {
    public final int status;
    public final String out;
    public final String err;

    CliRun(int status, String out, String err) {
      this.status = status;
      this.out = out;
      this.err = err;
    }

    @Override
    public String toString() {
      return "exit " + status + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  /** Runs {@code iommusim args...} through {@link io.iommusim.pipeline.cli.Main#run}, capturing its output. */
  public static synchronized CliRun cli(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      status = io.iommusim.pipeline.cli.Main.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The Spark options a CLI test passes so that a session the verb creates matches the test session. */
  public static final String[] CLI_SPARK = {"--master", "local[2]", "--conf", "spark.ui.enabled=false",
      "--conf", "spark.sql.shuffle.partitions=4", "--conf", "spark.ui.showConsoleProgress=false"};

  public static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** Expected values of one row: named columns, in the order given; every other long column must be 0. */
  public static Map<String, Object> row(Object... kv) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /**
   * Asserts every column of a row: the expected value where one is given, 0 for other long columns;
   * any other column without an expectation is a failure (config_id is skipped).
   */
  public static void assertRow(Row actual, Map<String, Object> expected, String what) {
    List<String> problems = new java.util.ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : actual.schema().fields()) {
      if (f.name().equals("config_id")) {
        continue;
      }
      Object a = actual.get(actual.fieldIndex(f.name()));
      Object e;
      if (expected.containsKey(f.name())) {
        e = expected.get(f.name());
      } else if (f.dataType().equals(org.apache.spark.sql.types.DataTypes.LongType)) {
        e = 0L;
      } else {
        problems.add(f.name() + ": no expectation (actual " + a + ")");
        continue;
      }
      if (e instanceof Double && a instanceof Double) {
        if (Math.abs((Double) e - (Double) a) > 1e-9) {
          problems.add(f.name() + ": expected " + e + ", was " + a);
        }
      } else if (!java.util.Objects.equals(e, a)) {
        problems.add(f.name() + ": expected " + e + ", was " + a);
      }
    }
    for (String k : expected.keySet()) {
      if (!List.of(actual.schema().fieldNames()).contains(k)) {
        problems.add(k + ": no such column");
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(problems.isEmpty(), what + ":\n  " + String.join("\n  ", problems));
  }

  /** The one row whose column equals value. */
  public static Row only(List<Row> rows, String column, Object value) {
    List<Row> match = rows.stream().filter(r -> value.equals(r.get(r.fieldIndex(column))))
        .collect(java.util.stream.Collectors.toList());
    org.junit.jupiter.api.Assertions.assertEquals(1, match.size(), "rows with " + column + " = " + value + " in " + rows);
    return match.get(0);
  }
}
