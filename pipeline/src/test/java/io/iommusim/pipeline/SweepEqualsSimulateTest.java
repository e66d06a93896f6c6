package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.convert;
import static io.iommusim.pipeline.PipelineTestSupport.generate;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.pipeline.job.SweepJob;
import io.iommusim.pipeline.job.SweepSpec;
import io.iommusim.translator.settings.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The independent check of a sweep: each configuration's rows equal those of a separate simulate
 * run with that configuration's settings (config id included), on both replay paths — a CSV trace
 * (shuffle; one configuration replays by unit, so the sweep orders by unit and replays the device
 * configurations from unit-clustered partitions) and a prepared trace (no shuffle).
 */
class SweepEqualsSimulateTest {
  @TempDir
  static Path tmp;

  private static final Map<String, List<Row>> TABLES = new java.util.concurrent.ConcurrentHashMap<>();

  /** A table's rows, read once (outputs are never changed after they are written). */
  private static List<Row> rows(Path out, String name) {
    return TABLES.computeIfAbsent(out.toAbsolutePath() + "/" + name, k -> table(out, name));
  }

  /** A sweep's rows of one configuration, with the swept columns dropped (sweep_stats becomes domain_stats). */
  private static List<String> configRows(Path out, String table, String configId, List<String> sweptKeys) {
    List<String> sweptColumns = sweptKeys.stream().map(k -> k.replace('.', '_')).collect(Collectors.toList());
    List<String> rows = new ArrayList<>();
    for (Row r : rows(out, table)) {
      if (!r.getString(r.fieldIndex("config_id")).equals(configId)) {
        continue;
      }
      List<Object> values = new ArrayList<>();
      for (String f : r.schema().fieldNames()) {
        if (!sweptColumns.contains(f)) {
          values.add(r.get(r.fieldIndex(f)));
        }
      }
      rows.add(values.toString());
    }
    rows.sort(null);
    return rows;
  }

  private static List<String> allRows(Path out, String table) {
    return rows(out, table).stream()
        .map(r -> {
          List<Object> values = new ArrayList<>();
          for (int i = 0; i < r.length(); i++) {
            values.add(r.get(i));
          }
          return values.toString();
        })
        .sorted().collect(Collectors.toList());
  }

  /** Every statistics table of one sweep configuration equals the simulate run's. */
  static void assertSameAsSimulate(Path sweep, Path simulate, String configId, List<String> sweptKeys) {
    assertEquals(allRows(simulate, "domain_stats"), configRows(sweep, "sweep_stats", configId, sweptKeys),
        "sweep_stats of " + configId);
    for (String t : List.of("device_stats", "faults", "latency_histogram", "security", "mrc")) {
      List<String> expected = allRows(simulate, t);
      assertEquals(expected, configRows(sweep, t, configId, List.of()), t + " of " + configId);
    }
    Map<String, String> info = new HashMap<>();
    for (Row r : rows(sweep, "run_info")) {
      if (r.getString(0).equals(configId)) {
        info.put(r.getString(1) + "." + r.getString(2), r.getString(3));
      }
    }
    Map<String, String> simulated = runInfo(simulate);
    for (Map.Entry<String, String> e : simulated.entrySet()) {
      if (e.getKey().startsWith("setting.") || e.getKey().startsWith("records.") || e.getKey().startsWith("model.")
          || e.getKey().startsWith("mrc.")) {
        assertEquals(e.getValue(), info.get(e.getKey()), e.getKey() + " of " + configId);
      }
    }
  }

  private static void sweepAndCompare(Path trace, SweepSpec spec, String expectedPath, String expectedClustering) {
    Path out = tmp.resolve("sweep-" + trace.getFileName());
    SweepJob.Request r = new SweepJob.Request();
    r.inputs = List.of(trace.toString());
    r.out = out.toString();
    r.spec = spec;
    SweepJob.Result result = new SweepJob(TestSpark.get()).run(r);
    assertEquals(spec.size(), result.configs);
    boolean faults = false;
    for (SweepSpec.Config c : spec.configs) {
      Path sim = tmp.resolve("simulate-" + trace.getFileName() + "-" + c.index);
      SimulateJob.Request s = new SimulateJob.Request();
      s.inputs = List.of(trace.toString());
      s.out = sim.toString();
      s.settings = c.settings;
      SimulateJob.Result simulated = new SimulateJob(TestSpark.get()).run(s);
      assertEquals(c.configId, simulated.configId);
      assertEquals(simulated.recordsRead, result.recordsReplayed[c.index]);
      assertEquals(simulated.faults, result.faults[c.index]);
      faults |= simulated.faults > 0;
      assertSameAsSimulate(out, sim, c.configId, spec.sweptKeys);
      Map<String, String> info = new HashMap<>();
      for (Row row : rows(out, "run_info")) {
        if (row.getString(0).equals(c.configId)) {
          info.put(row.getString(1) + "." + row.getString(2), row.getString(3));
        }
      }
      assertEquals(expectedPath, info.get("spark.replay_path"));
      assertEquals(expectedClustering, info.get("sweep.clustering"));
    }
    // the configurations must differ, or the comparison proves little
    List<String> distinct = rows(out, "sweep_stats").stream()
        .map(row -> row.getLong(row.fieldIndex("iotlb_misses")) + "/" + row.getLong(row.fieldIndex("stale_hits"))
            + "/" + row.getLong(row.fieldIndex("msi_blocked")) + "/" + row.getInt(row.fieldIndex("domain")))
        .distinct().collect(Collectors.toList());
    assertTrue(distinct.size() > rows(out, "sweep_stats").size() / spec.size(), "configurations gave equal rows: " + distinct);
    assertTrue(faults || !trace.toString().contains("bad-actor"), "the bad-actor trace must fault");
  }

  @Test
  void csvTraceWithAUnitConfigurationEqualsSeparateRuns() {
    Path nic = tmp.resolve("nic-ring.csv");
    assertEquals(20_000, generate("nic-ring", 20_000, 7, Map.of("devices", "2"), nic));
    SweepSpec spec = SweepSpec.fromLines(Settings.defaults(), "configs.txt", List.of(
        "iotlb.entries=8 iotlb.policy=fifo",
        "iotlb.entries=16 partition.by=unit",
        "iotlb.entries=32 invalidation.mode=lazy invalidation.lazy.queue_size=4"));
    sweepAndCompare(nic, spec, "shuffle", "unit");
  }

  /**
   * Configurations that differ only in the IOTLB's size, ways and policy under strict invalidation
   * share one computation of the curves (SharedCurves); each still equals its own simulate run, whose
   * curves are computed by its replay. A hashed set index changes the curves: that one computes its own.
   */
  @Test
  void configurationsDifferingOnlyInTheIotlbShareTheirCurves() {
    Path nic = tmp.resolve("nic-ring-shared.csv");
    assertEquals(20_000, generate("nic-ring", 20_000, 11, Map.of("devices", "2"), nic));
    SweepSpec spec = SweepSpec.fromLines(Settings.defaults().with("invalidation.mode=strict", "test"), "configs.txt",
        List.of(
            "iotlb.entries=8",
            "iotlb.entries=32 iotlb.policy=fifo",
            "iotlb.entries=16 iotlb.ways=4 iotlb.policy=plru random.seed=9",
            "iotlb.entries=16 iotlb.index=hash"));
    sweepAndCompare(nic, spec, "shuffle", "device");
    Map<String, String> from = new HashMap<>();
    for (Row row : rows(tmp.resolve("sweep-nic-ring-shared.csv"), "run_info")) {
      if (row.getString(1).equals("sweep") && row.getString(2).equals("mrc_curves_from")) {
        from.put(row.getString(0), row.getString(3));
      }
    }
    String first = spec.configs.get(0).configId;
    assertEquals(Map.of(first, first, spec.configs.get(1).configId, first, spec.configs.get(2).configId, first,
        spec.configs.get(3).configId, spec.configs.get(3).configId), from);
  }

  @Test
  void preparedTraceEqualsSeparateRuns() {
    Path bad = tmp.resolve("bad-actor.csv");
    assertEquals(5_000, generate("bad-actor", 5_000, 3, Map.of(), bad));
    Path prepared = tmp.resolve("bad-actor.prepared");
    convert(bad, prepared);
    SweepSpec spec = SweepSpec.fromLines(Settings.defaults(), "configs.txt", List.of(
        "iotlb.entries=4 ir.enabled=false",
        "iotlb.entries=64",
        "iotlb.entries=4 iotlb.policy=random"));
    sweepAndCompare(prepared, spec, "prepared (no shuffle)", "device");
    assertFalse(rows(tmp.resolve("sweep-bad-actor.prepared"), "faults").isEmpty());
  }
}
