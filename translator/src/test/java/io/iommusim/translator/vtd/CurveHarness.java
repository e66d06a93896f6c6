package io.iommusim.translator.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.stats.StatsCell;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The independent check of the miss-ratio curves: one translator computes the curves, and beside it
 * one full simulation per geometry (an LRU IOTLB of {@code sets × ways}, {@code mrc.enabled=false},
 * every other setting equal) replays the same events. Where a curve's scope is an IOTLB that a
 * simulation models — a device's with {@code partition.by=device}, a unit's with {@code
 * partition.by=unit}, and a domain's or device's where it is alone on that IOTLB — the curve's misses
 * at that geometry must equal the simulation's {@code iotlb_misses} of the scope's cells, and its
 * accesses the simulation's {@code iotlb_hits + iotlb_misses}.
 */
final class CurveHarness implements EventSink {
  /** One simulated geometry, and the partition.by of its simulation (the curves do not depend on it). */
  record Geometry(int sets, int ways, ModelSettings.PartitionBy partition) {
    Geometry(int sets, int ways) {
      this(sets, ways, ModelSettings.PartitionBy.DEVICE);
    }

    int entries() {
      return sets * ways;
    }

    Geometry with(ModelSettings.PartitionBy p) {
      return new Geometry(sets, ways, p);
    }
  }

  private final VtdTranslator curves;
  private final Map<Geometry, VtdTranslator> sims = new LinkedHashMap<>();
  private final TreeMap<Long, TreeSet<Integer>> domainsOfDevice = new TreeMap<>();
  private final TreeMap<Long, TreeSet<Integer>> devicesOfDomain = new TreeMap<>();
  private final TreeMap<Integer, TreeSet<Integer>> devicesOfUnit = new TreeMap<>();
  private final TreeMap<Integer, TreeSet<Integer>> domainsOfUnit = new TreeMap<>();
  private final List<TraceEvent> attaches = new ArrayList<>();
  long events;

  /**
   * @param settings overrides for both sides (the curve run adds nothing; each simulation adds its
   *     geometry and partition.by, {@code iotlb.policy=lru} and {@code mrc.enabled=false})
   */
  CurveHarness(InvalidationMode mode, MrcPlan plan, List<Geometry> geometries, String... settings) {
    ModelSettings curveSettings = settings(settings);
    this.curves = new VtdTranslator(curveSettings, FaultSink.DISCARD, BusPresence.local(), mode, plan);
    for (Geometry g : geometries) {
      List<String> s = new ArrayList<>(List.of(settings));
      s.add("iotlb.entries=" + g.entries());
      s.add("iotlb.ways=" + g.ways());
      s.add("iotlb.policy=lru");
      s.add("mrc.enabled=false");
      s.add("partition.by=" + g.partition().name().toLowerCase());
      sims.put(g, new VtdTranslator(settings(s.toArray(new String[0])), FaultSink.DISCARD, BusPresence.local(), mode));
    }
  }

  static ModelSettings settings(String... overrides) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      m.put(o.substring(0, eq), o.substring(eq + 1));
    }
    return new ModelSettings(Settings.defaults().with(m, "test"));
  }

  /** Every geometry with {@code sets} in {@code setCounts} and at most {@code maxEntries} entries. */
  static List<Geometry> all(int maxEntries, int... setCounts) {
    List<Geometry> out = new ArrayList<>();
    for (int sets : setCounts) {
      for (int ways = 1; sets * ways <= maxEntries; ways++) {
        out.add(new Geometry(sets, ways));
      }
    }
    return out;
  }

  /** The geometries simulated with both partitionings. */
  static List<Geometry> bothPartitionings(List<Geometry> geometries) {
    List<Geometry> out = new ArrayList<>();
    for (ModelSettings.PartitionBy p : ModelSettings.PartitionBy.values()) {
      for (Geometry g : geometries) {
        out.add(g.with(p));
      }
    }
    return out;
  }

  @Override
  public void accept(TraceEvent e) {
    events++;
    if (e.kind == EventKind.ATTACH && e.domain >= 0) {
      domainsOfDevice.computeIfAbsent(id(e.unit, e.sid), k -> new TreeSet<>()).add(e.domain);
      devicesOfDomain.computeIfAbsent(id(e.unit, e.domain), k -> new TreeSet<>()).add(e.sid);
      devicesOfUnit.computeIfAbsent(e.unit, k -> new TreeSet<>()).add(e.sid);
      domainsOfUnit.computeIfAbsent(e.unit, k -> new TreeSet<>()).add(e.domain);
      attaches.add(e.copy());
    }
    curves.apply(e);
    for (VtdTranslator t : sims.values()) {
      t.apply(e);
    }
  }

  @Override
  public void close() {}

  private static long id(int unit, int x) {
    return ((long) unit << 32) | (x & 0xFFFFFFFFL);
  }

  /** The curves of the run, and the MrcPlan the trace's attach graph gives (for the pipeline's view). */
  ReplayStats curveStats() {
    return curves.finish();
  }

  MrcPlan planOfTrace(boolean unitCurveNeedsOneGroup) {
    ContextTimeline.Builder b = new ContextTimeline.Builder();
    attaches.forEach(b::add);
    return b.build().mrcPlan(unitCurveNeedsOneGroup);
  }

  /** Whether a simulation with {@code partition} models an IOTLB that serves exactly {@code key}'s lookups. */
  private boolean simulated(CurveKey key, ModelSettings.PartitionBy partition) {
    boolean byDevice = partition == ModelSettings.PartitionBy.DEVICE;
    int unit = key.unit();
    switch (key.scope()) {
      case DEVICE:
        return byDevice || devicesOfUnit.get(unit).size() == 1;
      case UNIT:
        return !byDevice || devicesOfUnit.get(unit).size() == 1;
      default:
        TreeSet<Integer> devices = devicesOfDomain.get(id(unit, key.domain()));
        if (byDevice) {
          return devices.size() == 1 && domainsOfDevice.get(id(unit, devices.first())).size() == 1;
        }
        return domainsOfUnit.get(unit).size() == 1;
    }
  }

  private static boolean matches(CurveKey key, StatsCell c) {
    if (c.unit != key.unit()) {
      return false;
    }
    switch (key.scope()) {
      case DEVICE:
        return c.sid == key.sid();
      case DOMAIN:
        return c.domain == key.domain();
      default:
        return true;
    }
  }

  /**
   * Asserts every simulated curve point and returns how many (curve, geometry) pairs were compared.
   * Curves with divergent lookups are expected only where {@code divergentAllowed}; the others must
   * report none.
   */
  int assertExact() {
    ReplayStats stats = curves.finish();
    Map<Geometry, ReplayStats> simStats = new HashMap<>();
    sims.forEach((g, t) -> simStats.put(g, t.finish()));
    int compared = 0;
    for (Map.Entry<CurveKey, ReplayStats.MrcCurve> e : stats.mrc().entrySet()) {
      CurveKey key = e.getKey();
      ReplayStats.MrcCurve curve = e.getValue();
      assertEquals(0, curve.divergentLookups(), key + ": divergent lookups");
      for (Map.Entry<Geometry, ReplayStats> s : simStats.entrySet()) {
        Geometry g = s.getKey();
        if (!simulated(key, g.partition())) {
          continue;
        }
        long hits = 0;
        long misses = 0;
        for (StatsCell c : s.getValue().cells()) {
          if (matches(key, c)) {
            hits += c.get(DeviceCounter.IOTLB_HITS);
            misses += c.get(DeviceCounter.IOTLB_MISSES);
          }
        }
        assertEquals(hits + misses, curve.curves().accesses(), key + ": accesses");
        assertEquals(misses, curve.curves().misses(g.sets(), g.ways()), key + " at " + g.sets() + " sets x " + g.ways() + " ways");
        compared++;
      }
    }
    assertTrue(compared > 0, "nothing compared");
    return compared;
  }
}
