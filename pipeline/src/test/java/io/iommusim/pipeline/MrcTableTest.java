package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.SAMPLE_TRACES;
import static io.iommusim.pipeline.PipelineTestSupport.generate;
import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static io.iommusim.pipeline.PipelineTestSupport.runInfo;
import static io.iommusim.pipeline.PipelineTestSupport.simulate;
import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.vtd.VtdTranslator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table {@code mrc} as simulate writes it: columns, one row per (curve, sets, ways), shared and
 * left-out curves, values worked out by hand on the quick-start trace, and, on a generated trace,
 * points equal to the IOTLB misses of full LRU simulations of those geometries (run in this JVM with
 * {@link VtdTranslator}).
 */
class MrcTableTest {
  @TempDir
  static Path tmp;

  static Path quickstart;
  static Path quickstartUnit;

  @BeforeAll
  static void run() {
    quickstart = tmp.resolve("quickstart");
    simulate(SAMPLE_TRACES.resolve("quickstart.csv"), quickstart);
    quickstartUnit = tmp.resolve("quickstart-unit");
    simulate(SAMPLE_TRACES.resolve("quickstart.csv"), quickstartUnit, "partition.by=unit");
  }

  private static String curve(Row r) {
    return r.getString(r.fieldIndex("scope")) + " " + r.getInt(r.fieldIndex("unit")) + " "
        + r.getInt(r.fieldIndex("domain")) + " " + r.getInt(r.fieldIndex("sid"));
  }

  /** Rows per curve: max_entries fully associative + max_entries / s for each other set count s. */
  private static final int DEFAULT_ROWS = 4096 + 512 + 256 + 64;

  @Test
  void columnsAndOneRowPerPoint() {
    List<Row> rows = table(quickstart, "mrc");
    assertEquals(List.of("config_id", "scope", "unit", "domain", "sid", "sets", "ways", "entries", "accesses",
        "misses", "miss_ratio"), Arrays.asList(rows.get(0).schema().fieldNames()));
    Set<String> points = new HashSet<>();
    TreeMap<String, Integer> perCurve = new TreeMap<>();
    for (Row r : rows) {
      int sets = r.getInt(r.fieldIndex("sets"));
      int ways = r.getInt(r.fieldIndex("ways"));
      assertEquals(sets * ways, r.getInt(r.fieldIndex("entries")));
      assertTrue(points.add(curve(r) + " " + sets + " " + ways), "duplicate " + r);
      perCurve.merge(curve(r), 1, Integer::sum);
    }
    // partition.by=device: NIC 03:00.0 in domain 1 and NVMe 04:00.0 in domain 2, each domain's
    // curve is its device's; the unit's two devices replay in two groups, so no unit curve
    assertEquals(Map.of("device 0 -1 768", DEFAULT_ROWS, "device 0 -1 1024", DEFAULT_ROWS,
        "domain 0 1 -1", DEFAULT_ROWS, "domain 0 2 -1", DEFAULT_ROWS), perCurve);
    Map<String, String> info = runInfo(quickstart);
    assertEquals("4", info.get("mrc.curves"));
    assertEquals("2", info.get("mrc.counters"));
    assertEquals("true", info.get("mrc.exact"));
    assertEquals("0", info.get("mrc.units_without_unit_curve"));
  }

  /**
   * By hand (sample-traces/README.md has the translations): the NIC's 9 IOTLB lookups are A cold,
   * A, A (depth 1), B cold, S (the 2 MiB superpage) cold, S, S (depth 1; the write faults on the
   * read-only page but hits), and two reads of unmapped pages that fault and fill nothing: 5 misses
   * whatever the geometry. The NVMe's 2: cold, then depth 1 (a read of its write-only page: a hit that
   * faults). partition.by=unit: one unit curve of all 11 lookups, 6 misses everywhere.
   */
  @Test
  void quickstartByHand() {
    for (Row r : table(quickstart, "mrc")) {
      int sid = r.getInt(r.fieldIndex("sid"));
      int domain = r.getInt(r.fieldIndex("domain"));
      boolean nic = sid == 0x300 || domain == 1;
      assertEquals(nic ? 9 : 2, r.getLong(r.fieldIndex("accesses")), r.toString());
      assertEquals(nic ? 5 : 1, r.getLong(r.fieldIndex("misses")), r.toString());
      assertEquals(nic ? 5.0 / 9 : 0.5, r.getDouble(r.fieldIndex("miss_ratio")), 1e-12);
    }
    List<Row> unit = table(quickstartUnit, "mrc").stream().filter(r -> r.getString(r.fieldIndex("scope")).equals("unit"))
        .toList();
    assertEquals(DEFAULT_ROWS, unit.size());
    for (Row r : unit) {
      assertEquals(-1, r.getInt(r.fieldIndex("domain")));
      assertEquals(-1, r.getInt(r.fieldIndex("sid")));
      assertEquals(11, r.getLong(r.fieldIndex("accesses")));
      assertEquals(6, r.getLong(r.fieldIndex("misses")));
    }
    assertEquals("", runInfo(quickstartUnit).get("mrc.units_without_unit_curve"));
  }

  @Test
  void disabledWritesAnEmptyTable() {
    Path out = tmp.resolve("off");
    simulate(SAMPLE_TRACES.resolve("quickstart.csv"), out, "mrc.enabled=false");
    assertTrue(table(out, "mrc").isEmpty());
    assertFalse(runInfo(out).containsKey("mrc.exact"));
    assertEquals("false", runInfo(out).get("setting.mrc.enabled"));
  }

  /**
   * Two NICs with the driver's page-selective invalidations, partition.by=unit: the unit curve (one
   * IOTLB for both) at each checked geometry equals the IOTLB misses of a full LRU simulation of that
   * geometry; the device curves equal partition.by=device simulations.
   */
  @Test
  void pointsEqualFullSimulations() {
    Path trace = tmp.resolve("nic.csv");
    generate("nic-ring", 30_000, 5, Map.of("devices", "2", "inv", "strict", "queues", "2", "ring_size", "64"), trace);
    Path out = tmp.resolve("nic");
    simulate(trace, out, "partition.by=unit", "mrc.max_entries=256", "mrc.sets=4,32");
    Map<String, Long> misses = new TreeMap<>();
    Map<String, Long> accesses = new TreeMap<>();
    for (Row r : table(out, "mrc")) {
      String point = curve(r) + " " + r.getInt(r.fieldIndex("sets")) + "x" + r.getInt(r.fieldIndex("ways"));
      misses.put(point, r.getLong(r.fieldIndex("misses")));
      accesses.put(curve(r), r.getLong(r.fieldIndex("accesses")));
    }
    assertEquals(1 + 2 + 2, accesses.size()); // unit; two domains sharing their devices' curves; two devices
    List<TraceEvent> events = readCsv(trace);
    int[][] geometries = {{1, 1}, {1, 7}, {1, 64}, {1, 256}, {4, 3}, {4, 64}, {32, 1}, {32, 8}};
    for (String partition : new String[] {"unit", "device"}) {
      for (int[] g : geometries) {
        ModelSettings s = new ModelSettings(Settings.defaults().with(Map.of("partition.by", partition,
            "iotlb.entries", String.valueOf(g[0] * g[1]), "iotlb.ways", String.valueOf(g[1]), "mrc.enabled", "false"),
            "test"));
        VtdTranslator t = new VtdTranslator(s, FaultSink.DISCARD, io.iommusim.translator.vtd.BusPresence.local(),
            ModelSettings.InvalidationMode.TRACE);
        events.forEach(t::apply);
        long unitMisses = 0;
        long unitLookups = 0;
        Map<Integer, Long> deviceMisses = new TreeMap<>();
        for (StatsCell c : t.finish().cells()) {
          unitMisses += c.get(DeviceCounter.IOTLB_MISSES);
          unitLookups += c.get(DeviceCounter.IOTLB_MISSES) + c.get(DeviceCounter.IOTLB_HITS);
          deviceMisses.merge(c.sid, c.get(DeviceCounter.IOTLB_MISSES), Long::sum);
        }
        String at = " " + g[0] + "x" + g[1];
        if (partition.equals("unit")) {
          assertEquals(unitLookups, accesses.get("unit 0 -1 -1"));
          assertEquals(unitMisses, misses.get("unit 0 -1 -1" + at), "unit" + at);
        } else {
          assertEquals(deviceMisses.get(0x300), misses.get("device 0 -1 768" + at), "03:00.0" + at);
          assertEquals(deviceMisses.get(0x400), misses.get("device 0 -1 1024" + at), "04:00.0" + at);
          assertEquals(deviceMisses.get(0x300), misses.get("domain 0 1 -1" + at), "domain 1" + at);
        }
      }
    }
    assertEquals("true", runInfo(out).get("mrc.exact"));
  }
}
