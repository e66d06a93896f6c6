package io.iommusim.pipeline.job;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.vtd.ContextTimeline;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * Replays an ordered trace under one or more configurations. Each configuration maps the same
 * partitions, and the union of those mappings is one Spark stage with a task per (configuration,
 * replay partition) pair, so a sweep keeps every core busy however few replay groups the trace has.
 * A task emits its fault rows, then its statistics ({@link FaultRows}), tagged with the
 * configuration's index.
 */
final class ReplayStage {
  private ReplayStage() {}

  static <T> JavaRDD<Row> replay(JavaSparkContext jsc, OrderedTrace<T> trace, TraceScan scan, List<ConfigRun> configs) {
    Broadcast<TraceEvent[]> broadcastEvents = jsc.broadcast(scan.broadcast);
    Broadcast<ContextTimeline> timeline = jsc.broadcast(scan.timeline);
    ModelSettings[] models = new ModelSettings[configs.size()];
    for (ConfigRun c : configs) {
      models[c.index] = c.replayModel;
    }
    Broadcast<ModelSettings[]> model = jsc.broadcast(models);
    OrderedTrace.Cursors<T> cursors = trace.cursors;
    List<JavaRDD<Row>> perConfig = new ArrayList<>();
    for (ConfigRun c : configs) {
      int index = c.index;
      InvalidationMode invalidation = c.invalidation;
      perConfig.add(trace.partitions.mapPartitions(p -> new ReplayPartition(index, cursors.open(p),
          broadcastEvents.value(), timeline.value(), model.value()[index], invalidation)));
    }
    if (perConfig.size() == 1) {
      return perConfig.get(0);
    }
    @SuppressWarnings("unchecked")
    JavaRDD<Row>[] all = perConfig.toArray(new JavaRDD[0]);
    return jsc.union(all);
  }

  /** Runs the replay (an action) and merges each configuration's statistics, indexed as the configurations. */
  static ReplayStats[] statistics(JavaRDD<Row> replayed, int configs) {
    ReplayStats[] stats = new ReplayStats[configs];
    for (int i = 0; i < configs; i++) {
      stats[i] = new ReplayStats(EventKind.values().length);
    }
    for (Row r : replayed.filter(FaultRows::isStats).collect()) {
      stats[FaultRows.config(r)].merge(ReplayStats.fromBytes(FaultRows.statsBlob(r)));
    }
    return stats;
  }
}
