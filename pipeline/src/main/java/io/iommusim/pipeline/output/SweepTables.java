package io.iommusim.pipeline.output;

import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.settings.SettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The tables only a sweep writes: {@code sweep_stats} (the domain_stats columns with a column per
 * swept setting after {@code config_id}) and {@code sweep_configs} (one row per configuration).
 */
public final class SweepTables {
  private SweepTables() {}

  /**
   * The column of a swept setting: named after the key with every {@code .} replaced by {@code _}
   * ({@code iotlb.entries} → {@code iotlb_entries}), so it needs no quoting in SQL. Its type follows
   * the setting's documented default: an integer default gives {@code bigint} (the value parsed as
   * the model parses it, {@code 0x} hex included), {@code true}/{@code false} gives {@code boolean},
   * anything else {@code string} (the value as written).
   */
  public static final class SweptColumn {
    public final String key;
    public final String name;
    public final DataType type;

    private SweptColumn(String key, String name, DataType type) {
      this.key = key;
      this.name = name;
      this.type = type;
    }

    /** The column's value for a configuration's effective settings. */
    public Object value(Settings settings) {
      String text = settings.get(key);
      if (type == DataTypes.LongType) {
        try {
          return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
        } catch (NumberFormatException e) {
          throw new SettingsException(key + ": '" + text + "' is not an integer");
        }
      }
      if (type == DataTypes.BooleanType) {
        return Boolean.parseBoolean(text);
      }
      return text;
    }
  }

  /** The columns of the swept keys; a name that would collide with a domain_stats column is an error. */
  public static List<SweptColumn> columns(List<String> keys) {
    Settings defaults = Settings.defaults();
    Set<String> taken = new TreeSet<>(List.of(StatsTables.domainStatsSchema().fieldNames()));
    taken.addAll(List.of("config_index", "origin", "invalidation_in_force", "records_replayed", "faults"));
    List<SweptColumn> columns = new ArrayList<>();
    for (String key : keys) {
      String name = key.replace('.', '_');
      if (!taken.add(name)) {
        throw new SettingsException("the column of swept setting " + key + " (" + name
            + ") would collide with another column of sweep_stats or sweep_configs");
      }
      columns.add(new SweptColumn(key, name, typeOf(defaults.get(key))));
    }
    return columns;
  }

  private static DataType typeOf(String defaultValue) {
    if (defaultValue.matches("-?[0-9]+")) {
      return DataTypes.LongType;
    }
    if (defaultValue.equals("true") || defaultValue.equals("false")) {
      return DataTypes.BooleanType;
    }
    return DataTypes.StringType;
  }

  private static List<StructField> sweptFields(List<SweptColumn> columns) {
    List<StructField> f = new ArrayList<>();
    for (SweptColumn c : columns) {
      f.add(DataTypes.createStructField(c.name, c.type, false));
    }
    return f;
  }

  /** config_id, the swept columns, then every other domain_stats column. */
  public static StructType sweepStatsSchema(List<SweptColumn> columns) {
    StructField[] domain = StatsTables.domainStatsSchema().fields();
    List<StructField> f = new ArrayList<>();
    f.add(domain[0]);
    f.addAll(sweptFields(columns));
    for (int i = 1; i < domain.length; i++) {
      f.add(domain[i]);
    }
    return DataTypes.createStructType(f);
  }

  /** A configuration's domain_stats rows with its swept values inserted after config_id. */
  public static List<Row> sweepStats(List<SweptColumn> columns, Settings settings, List<Row> domainRows) {
    List<Row> rows = new ArrayList<>();
    for (Row d : domainRows) {
      Object[] v = new Object[d.length() + columns.size()];
      v[0] = d.get(0);
      for (int i = 0; i < columns.size(); i++) {
        v[1 + i] = columns.get(i).value(settings);
      }
      for (int i = 1; i < d.length(); i++) {
        v[columns.size() + i] = d.get(i);
      }
      rows.add(RowFactory.create(v));
    }
    return rows;
  }

  public static StructType sweepConfigsSchema(List<SweptColumn> columns) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("config_index", DataTypes.IntegerType, false));
    f.add(DataTypes.createStructField("config_id", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("origin", DataTypes.StringType, false));
    f.addAll(sweptFields(columns));
    f.add(DataTypes.createStructField("invalidation_in_force", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("records_replayed", DataTypes.LongType, false));
    f.add(DataTypes.createStructField("faults", DataTypes.LongType, false));
    return DataTypes.createStructType(f);
  }

  /** One configuration's sweep_configs row. */
  public static Row sweepConfig(List<SweptColumn> columns, int index, String configId, String origin,
      Settings settings, String invalidationMode, long recordsReplayed, long faults) {
    Object[] v = new Object[6 + columns.size()];
    v[0] = index;
    v[1] = configId;
    v[2] = origin;
    for (int i = 0; i < columns.size(); i++) {
      v[3 + i] = columns.get(i).value(settings);
    }
    v[3 + columns.size()] = invalidationMode;
    v[4 + columns.size()] = recordsReplayed;
    v[5 + columns.size()] = faults;
    return RowFactory.create(v);
  }
}
