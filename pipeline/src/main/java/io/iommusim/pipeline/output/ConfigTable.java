package io.iommusim.pipeline.output;

import io.iommusim.translator.stats.ReplayStats;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A result table built for one configuration from its merged statistics, every row tagged with the
 * configuration's config id. {@code simulate} writes one configuration's rows, {@code sweep} the rows
 * of every configuration into the same table. {@code domain_stats} is not in {@link #ALL}: a sweep
 * writes it as {@code sweep_stats}, with a column per swept setting. Nor is {@code mrc}, whose rows
 * are too many to build on the driver ({@link MrcTable}).
 */
public final class ConfigTable {
  public static final List<ConfigTable> ALL = List.of(
      new ConfigTable("device_stats", StatsTables::deviceStatsSchema, StatsTables::deviceStats),
      new ConfigTable("latency_histogram", StatsTables::latencyHistogramSchema, StatsTables::latencyHistogram),
      new ConfigTable("security", StatsTables::securitySchema, StatsTables::security));

  public final String name;
  private final Supplier<StructType> schema;
  private final BiFunction<String, ReplayStats, List<Row>> rows;

  public ConfigTable(String name, Supplier<StructType> schema, BiFunction<String, ReplayStats, List<Row>> rows) {
    this.name = name;
    this.schema = schema;
    this.rows = rows;
  }

  public StructType schema() {
    return schema.get();
  }

  public List<Row> rows(String configId, ReplayStats stats) {
    return rows.apply(configId, stats);
  }
}
