package io.iommusim.pipeline.job;

import io.iommusim.pipeline.output.ConfigTable;
import io.iommusim.pipeline.output.MrcTable;
import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.pipeline.output.SweepTables;
import io.iommusim.pipeline.output.SweepTables.SweptColumn;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The rows of a sweep's driver-side tables (sweep_stats, sweep_configs and every {@link ConfigTable}) and
 * the curves of its {@code mrc} table, gathered configuration by configuration, and the candidates of
 * the console's ranking.
 */
final class SweepRows {
  private final List<SweptColumn> columns;
  private final List<Row> sweepStats = new ArrayList<>();
  private final List<Row> sweepConfigs = new ArrayList<>();
  private final List<List<Row>> configTables = new ArrayList<>();
  private final List<MrcTable.Curve> curves = new ArrayList<>();
  private int configurations;
  private final List<BestConfigs.Candidate> candidates = new ArrayList<>();

  SweepRows(List<SweptColumn> columns) {
    this.columns = columns;
    for (int t = 0; t < ConfigTable.ALL.size(); t++) {
      configTables.add(new ArrayList<>());
    }
  }

  void add(ConfigResult r, String origin) {
    ConfigRun c = r.config;
    List<Row> domainRows = StatsTables.domainStats(c.configId, r.stats);
    sweepStats.addAll(SweepTables.sweepStats(columns, c.settings, domainRows));
    sweepConfigs.add(SweepTables.sweepConfig(columns, c.index, c.configId, origin, c.settings,
        c.invalidation.name().toLowerCase(), r.replayed, r.faults));
    for (int t = 0; t < ConfigTable.ALL.size(); t++) {
      configTables.get(t).addAll(ConfigTable.ALL.get(t).rows(c.configId, r.stats));
    }
    curves.addAll(MrcTable.curves(c.configId, r.stats));
    configurations++;
    StructType schema = StatsTables.domainStatsSchema();
    for (Row d : domainRows) {
      candidates.add(new BestConfigs.Candidate(d.getInt(schema.fieldIndex("unit")), d.getInt(schema.fieldIndex("domain")),
          c.model.iotlb.entries, c.index, c.configId, d.getLong(schema.fieldIndex("iotlb_hits")),
          d.getLong(schema.fieldIndex("iotlb_misses")), d.getLong(schema.fieldIndex("latency_sum_ns"))));
    }
  }

  void addTo(TableWriter tables) {
    tables.add("sweep_stats", sweepStats, SweepTables.sweepStatsSchema(columns))
        .add("sweep_configs", sweepConfigs, SweepTables.sweepConfigsSchema(columns));
    for (int t = 0; t < ConfigTable.ALL.size(); t++) {
      tables.add(ConfigTable.ALL.get(t).name, configTables.get(t), ConfigTable.ALL.get(t).schema());
    }
    tables.addMrc(curves, configurations);
  }

  List<BestConfigs.Best> best() {
    return BestConfigs.rank(candidates);
  }
}
