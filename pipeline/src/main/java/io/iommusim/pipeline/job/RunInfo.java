package io.iommusim.pipeline.job;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The run_info table: one row per fact about the run, as (config_id, section, key, value). Sections:
 * {@code version}, {@code setting} (every effective model setting), {@code input}, {@code records}
 * (accounting: read = replayed + rejected, and replayed by kind), {@code spark}, {@code timing} (ms).
 * Times and run-specific facts live only here, never in the statistics tables.
 */
public final class RunInfo {
  public static final StructType SCHEMA = DataTypes.createStructType(List.of(
      DataTypes.createStructField("config_id", DataTypes.StringType, false),
      DataTypes.createStructField("section", DataTypes.StringType, false),
      DataTypes.createStructField("key", DataTypes.StringType, false),
      DataTypes.createStructField("value", DataTypes.StringType, false)));

  private final String configId;
  private final List<Row> rows = new ArrayList<>();

  public RunInfo(String configId) {
    this.configId = configId;
  }

  public RunInfo add(String section, String key, Object value) {
    rows.add(RowFactory.create(configId, section, key, String.valueOf(value)));
    return this;
  }

  public List<Row> rows() {
    return rows;
  }
}
