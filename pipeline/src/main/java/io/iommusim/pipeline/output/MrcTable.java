package io.iommusim.pipeline.output;

import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MissCurves;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.stats.ReplayStats;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Table {@code mrc}: one row per point of every miss-ratio curve (README, "mrc"), in table order
 * (unit, scope, domain, sid, sets, ways): {@code max_entries + Σ max_entries / sets} rows per curve.
 * Not a {@link ConfigTable}: its rows are expanded from {@link Curve}s on the executors.
 */
public final class MrcTable {
  private MrcTable() {}

  public static StructType schema() {
    return DataTypes.createStructType(List.of(
        DataTypes.createStructField("config_id", DataTypes.StringType, false),
        DataTypes.createStructField("scope", DataTypes.StringType, false),
        DataTypes.createStructField("unit", DataTypes.IntegerType, false),
        DataTypes.createStructField("domain", DataTypes.IntegerType, false),
        DataTypes.createStructField("sid", DataTypes.IntegerType, false),
        DataTypes.createStructField("sets", DataTypes.IntegerType, false),
        DataTypes.createStructField("ways", DataTypes.IntegerType, false),
        DataTypes.createStructField("entries", DataTypes.IntegerType, false),
        DataTypes.createStructField("accesses", DataTypes.LongType, false),
        DataTypes.createStructField("misses", DataTypes.LongType, false),
        DataTypes.createStructField("miss_ratio", DataTypes.DoubleType, false)));
  }

  /**
   * One curve of one configuration as the table's writer ships it: its key and histograms
   * ({@link MissCurves#toLongArray}, ~40 KiB at the defaults) instead of its ~4 900 rows, which an
   * executor expands. A sweep's table has a million rows; built on the driver and shipped as rows,
   * they took longer to write than the sweep took to replay.
   */
  public record Curve(String configId, String scope, int unit, int domain, int sid, long[] histograms)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** This curve's rows, in table order (set counts ascending, then ways). */
    public List<Row> rows() {
      List<Row> out = new ArrayList<>();
      MissCurves.fromLongArray(histograms).forEachPoint((sets, ways, entries, accesses, misses) ->
          out.add(RowFactory.create(configId, scope, unit, domain, sid, sets, ways, entries, accesses, misses,
              (double) misses / accesses)));
      return out;
    }
  }

  /** Every curve of {@code stats}, in table order (none when mrc.enabled=false). */
  public static List<Curve> curves(String configId, ReplayStats stats) {
    List<Curve> out = new ArrayList<>();
    stats.mrc().forEach((key, c) -> out.add(new Curve(configId, key.scope().text(), key.unit(), key.domain(),
        key.sid(), c.curves().toLongArray())));
    return out;
  }

  /**
   * The {@code mrc} section of run_info: {@code curves} (curves in the table), {@code counters}
   * (curves computed; the others share one), {@code exact} (true when no curve has a divergent lookup),
   * {@code divergent_lookups.<scope>.<unit>.<domain>.<sid>} for each curve that has some, and
   * {@code units_without_unit_curve} (comma-separated; partition.by=device only).
   */
  public static Map<String, String> runInfo(ReplayStats stats, MrcPlan plan) {
    Map<String, String> info = new LinkedHashMap<>();
    Map<CurveKey, ReplayStats.MrcCurve> curves = stats.mrc();
    long computed = curves.entrySet().stream().filter(e -> e.getKey().equals(e.getValue().source())).count();
    info.put("curves", String.valueOf(curves.size()));
    info.put("counters", String.valueOf(computed));
    info.put("exact", String.valueOf(curves.values().stream().allMatch(c -> c.divergentLookups() == 0)));
    curves.forEach((k, c) -> {
      if (c.divergentLookups() > 0) {
        info.put("divergent_lookups." + k.scope().text() + "." + k.unit() + "." + k.domain() + "." + k.sid(),
            String.valueOf(c.divergentLookups()));
      }
    });
    StringBuilder units = new StringBuilder();
    for (int u : plan.unitsWithoutUnitCurve()) {
      units.append(units.length() == 0 ? "" : ",").append(u);
    }
    info.put("units_without_unit_curve", units.toString());
    return info;
  }
}
