package io.iommusim.pipeline.output;

import io.iommusim.trace.Sid;
import io.iommusim.translator.ir.IrCounter;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.DomainCell;
import io.iommusim.translator.stats.DomainCounter;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.stats.StatsCell;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds the statistics tables (domain_stats, device_stats, latency_histogram) from merged replay
 * statistics. Column definitions are in the README; percentiles are nearest-rank values from the
 * HdrHistogram (exact below 2048 ns).
 */
public final class StatsTables {
  private StatsTables() {}

  /** Aggregate of cells: summed counters and merged histograms. */
  private static final class Aggregate {
    final StatsCell sum;
    int devices;

    Aggregate(int unit, int sid, int domain) {
      sum = new StatsCell(unit, sid, domain);
    }
  }

  // ---- schemas --------------------------------------------------------------------------------

  private static List<StructField> counterFields() {
    List<StructField> f = new ArrayList<>();
    for (DeviceCounter c : DeviceCounter.all()) {
      f.add(DataTypes.createStructField(c.column(), DataTypes.LongType, false));
    }
    for (IrCounter c : IrCounter.all()) {
      f.add(DataTypes.createStructField(c.column(), DataTypes.LongType, false));
    }
    f.add(DataTypes.createStructField("iotlb_miss_ratio", DataTypes.DoubleType, true));
    f.add(DataTypes.createStructField("latency_mean_ns", DataTypes.DoubleType, true));
    for (String p : new String[] {"latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_max_ns",
        "walk_latency_p50_ns", "walk_latency_p90_ns", "walk_latency_p99_ns", "walk_latency_max_ns"}) {
      f.add(DataTypes.createStructField(p, DataTypes.LongType, true));
    }
    return f;
  }

  public static StructType domainStatsSchema() {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("config_id", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("unit", DataTypes.IntegerType, false));
    f.add(DataTypes.createStructField("domain", DataTypes.IntegerType, false));
    f.add(DataTypes.createStructField("devices", DataTypes.IntegerType, false));
    f.addAll(counterFields());
    for (DomainCounter c : DomainCounter.all()) {
      f.add(DataTypes.createStructField(c.column(), DataTypes.LongType, false));
    }
    return DataTypes.createStructType(f);
  }

  public static StructType deviceStatsSchema() {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("config_id", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("unit", DataTypes.IntegerType, false));
    f.add(DataTypes.createStructField("sid", DataTypes.IntegerType, false));
    f.add(DataTypes.createStructField("bdf", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("domains", DataTypes.IntegerType, false));
    f.addAll(counterFields());
    return DataTypes.createStructType(f);
  }

  public static StructType latencyHistogramSchema() {
    return DataTypes.createStructType(List.of(
        DataTypes.createStructField("config_id", DataTypes.StringType, false),
        DataTypes.createStructField("unit", DataTypes.IntegerType, false),
        DataTypes.createStructField("domain", DataTypes.IntegerType, false),
        DataTypes.createStructField("metric", DataTypes.StringType, false),
        DataTypes.createStructField("latency_ns", DataTypes.LongType, false),
        DataTypes.createStructField("count", DataTypes.LongType, false),
        DataTypes.createStructField("cumulative_count", DataTypes.LongType, false),
        DataTypes.createStructField("cumulative_fraction", DataTypes.DoubleType, false)));
  }

  // ---- rows -----------------------------------------------------------------------------------

  private static TreeMap<Long, Aggregate> byDomain(ReplayStats stats) {
    TreeMap<Long, Aggregate> m = new TreeMap<>();
    for (StatsCell c : stats.cells()) {
      long key = ((long) c.unit << 32) | (c.domain & 0xFFFFFFFFL);
      Aggregate a = m.computeIfAbsent(key, k -> new Aggregate(c.unit, -1, c.domain));
      a.sum.add(c);
      a.devices++;
    }
    for (DomainCell d : stats.domains()) {
      long key = ((long) d.unit << 32) | (d.domain & 0xFFFFFFFFL);
      m.computeIfAbsent(key, k -> new Aggregate(d.unit, -1, d.domain));
    }
    return m;
  }

  public static List<Row> domainStats(String configId, ReplayStats stats) {
    TreeMap<Long, DomainCell> domains = new TreeMap<>();
    for (DomainCell d : stats.domains()) {
      domains.put(((long) d.unit << 32) | (d.domain & 0xFFFFFFFFL), d);
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Long, Aggregate> e : byDomain(stats).entrySet()) {
      Aggregate a = e.getValue();
      List<Object> v = new ArrayList<>();
      v.add(configId);
      v.add(a.sum.unit);
      v.add(a.sum.domain);
      v.add(a.devices);
      addCounterValues(v, a.sum);
      DomainCell d = domains.get(e.getKey());
      for (DomainCounter c : DomainCounter.all()) {
        v.add(d == null ? 0L : d.get(c));
      }
      rows.add(RowFactory.create(v.toArray()));
    }
    return rows;
  }

  public static List<Row> deviceStats(String configId, ReplayStats stats) {
    TreeMap<Long, Aggregate> m = new TreeMap<>();
    for (StatsCell c : stats.cells()) {
      long key = ((long) c.unit << 32) | (c.sid & 0xFFFFFFFFL);
      Aggregate a = m.computeIfAbsent(key, k -> new Aggregate(c.unit, c.sid, -1));
      a.sum.add(c);
      a.devices++; // here: the number of domains the device was seen in
    }
    List<Row> rows = new ArrayList<>();
    for (Aggregate a : m.values()) {
      List<Object> v = new ArrayList<>();
      v.add(configId);
      v.add(a.sum.unit);
      v.add(a.sum.sid);
      v.add(Sid.format(a.sum.sid));
      v.add(a.devices);
      addCounterValues(v, a.sum);
      rows.add(RowFactory.create(v.toArray()));
    }
    return rows;
  }

  private static void addCounterValues(List<Object> v, StatsCell c) {
    for (DeviceCounter k : DeviceCounter.all()) {
      v.add(c.get(k));
    }
    for (IrCounter k : IrCounter.all()) {
      v.add(c.get(k));
    }
    long hits = c.get(DeviceCounter.IOTLB_HITS);
    long misses = c.get(DeviceCounter.IOTLB_MISSES);
    v.add(hits + misses == 0 ? null : (double) misses / (hits + misses));
    long n = c.translationLatency.getTotalCount();
    v.add(n == 0 ? null : (double) c.get(DeviceCounter.LATENCY_SUM_NS) / n);
    addPercentiles(v, c.translationLatency);
    addPercentiles(v, c.walkLatency);
  }

  private static void addPercentiles(List<Object> v, Histogram h) {
    if (h.getTotalCount() == 0) {
      v.add(null);
      v.add(null);
      v.add(null);
      v.add(null);
      return;
    }
    v.add(percentile(h, 50));
    v.add(percentile(h, 90));
    v.add(percentile(h, 99));
    v.add(h.getMaxValue());
  }

  /**
   * Nearest-rank percentile: the smallest recorded value v such that at least p% of the values are
   * at most v (HdrHistogram's definition; values of 2048 ns and more are reported as the upper end
   * of their 3-significant-digit bucket).
   */
  public static long percentile(Histogram h, double p) {
    return h.getValueAtPercentile(p);
  }

  public static List<Row> latencyHistogram(String configId, ReplayStats stats) {
    List<Row> rows = new ArrayList<>();
    for (Aggregate a : byDomain(stats).values()) {
      addHistogramRows(rows, configId, a.sum.unit, a.sum.domain, "translation", a.sum.translationLatency);
      addHistogramRows(rows, configId, a.sum.unit, a.sum.domain, "walk", a.sum.walkLatency);
      addHistogramRows(rows, configId, a.sum.unit, a.sum.domain, "stale_exposure", a.sum.staleExposure);
    }
    return rows;
  }

  // ---- security -------------------------------------------------------------------------------

  public static StructType securitySchema() {
    return DataTypes.createStructType(List.of(
        DataTypes.createStructField("config_id", DataTypes.StringType, false),
        DataTypes.createStructField("unit", DataTypes.IntegerType, false),
        DataTypes.createStructField("sid", DataTypes.IntegerType, false),
        DataTypes.createStructField("bdf", DataTypes.StringType, false),
        DataTypes.createStructField("domain", DataTypes.IntegerType, false),
        DataTypes.createStructField("translations", DataTypes.LongType, false),
        DataTypes.createStructField("dma_blocked", DataTypes.LongType, false),
        DataTypes.createStructField("msi_total", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_reserved_request", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_index_over", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_irte_not_present", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_irte_reserved", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_compat", DataTypes.LongType, false),
        DataTypes.createStructField("msi_blocked_source_id", DataTypes.LongType, false),
        DataTypes.createStructField("msi_unprotected", DataTypes.LongType, false),
        DataTypes.createStructField("stale_hits", DataTypes.LongType, false),
        DataTypes.createStructField("stale_bytes", DataTypes.LongType, false),
        DataTypes.createStructField("exposure_p50_ns", DataTypes.LongType, true),
        DataTypes.createStructField("exposure_p99_ns", DataTypes.LongType, true),
        DataTypes.createStructField("exposure_max_ns", DataTypes.LongType, true)));
  }

  /** One row per (unit, device, domain): what the IOMMU blocked and what got through stale entries. */
  public static List<Row> security(String configId, ReplayStats stats) {
    List<Row> rows = new ArrayList<>();
    for (StatsCell c : stats.cells()) {
      Histogram x = c.staleExposure;
      boolean none = x.getTotalCount() == 0;
      rows.add(RowFactory.create(configId, c.unit, c.sid, Sid.format(c.sid), c.domain,
          c.get(DeviceCounter.TRANSLATIONS), c.get(DeviceCounter.FAULTS),
          c.get(IrCounter.MSI_TOTAL), c.get(IrCounter.MSI_BLOCKED),
          c.get(IrCounter.MSI_BLOCKED_RESERVED_REQUEST), c.get(IrCounter.MSI_BLOCKED_INDEX_OVER),
          c.get(IrCounter.MSI_BLOCKED_IRTE_NOT_PRESENT), c.get(IrCounter.MSI_BLOCKED_IRTE_RESERVED),
          c.get(IrCounter.MSI_BLOCKED_COMPAT), c.get(IrCounter.MSI_BLOCKED_SOURCE_ID),
          c.get(IrCounter.MSI_UNPROTECTED),
          c.get(DeviceCounter.STALE_HITS), c.get(DeviceCounter.STALE_BYTES),
          none ? null : percentile(x, 50), none ? null : percentile(x, 99), none ? null : x.getMaxValue()));
    }
    return rows;
  }

  private static void addHistogramRows(List<Row> rows, String configId, int unit, int domain, String metric, Histogram h) {
    long total = h.getTotalCount();
    long cumulative = 0;
    for (HistogramIterationValue step : h.recordedValues()) {
      long count = step.getCountAddedInThisIterationStep();
      cumulative += count;
      rows.add(RowFactory.create(configId, unit, domain, metric, step.getValueIteratedTo(), count, cumulative,
          (double) cumulative / total));
    }
  }
}
