package io.iommusim.pipeline.job;

import static org.apache.spark.sql.functions.col;

import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.trace.EventColumns;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * A trace in replay order: Spark partitions that each hold whole replay groups with their events in
 * (ts_ns, seq) order, and how a task reads one partition as events. The driver hands broadcast events
 * to every task; a prepared file still holds them, so its cursor yields them and the replay (and the
 * block encoder) leave them out. Built lazily: nothing runs until a job consumes it.
 *
 * @param <T> what a partition holds: prepared trace files, sorted rows, or encoded event blocks
 */
final class OrderedTrace<T> {
  /** Opens a partition's contents as an event cursor (runs in the task). */
  interface Cursors<T> extends Serializable {
    EventCursor open(Iterator<T> partition) throws Exception;
  }

  final JavaRDD<T> partitions;
  final Cursors<T> cursors;
  private final boolean persisted;

  private OrderedTrace(JavaRDD<T> partitions, Cursors<T> cursors, boolean persisted) {
    this.partitions = partitions;
    this.cursors = cursors;
    this.persisted = persisted;
  }

  /** A prepared trace: one partition per file (a file holds whole replay groups, already in order). */
  static OrderedTrace<String> preparedFiles(JavaSparkContext jsc, List<String> files) {
    return new OrderedTrace<>(jsc.parallelize(files, Math.max(1, files.size())),
        file -> file.hasNext() ? new PreparedFileCursor(file.next()) : EMPTY, false);
  }

  /** Any other input: every event keyed by its replay group, shuffled by group and sorted by (ts_ns, seq). */
  static OrderedTrace<Row> shuffled(SparkSession spark, TraceScan scan, SourceNames names) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<ReplayGroups> groups = jsc.broadcast(scan.groups);
    JavaRDD<Row> routed = jsc.parallelize(scan.splits, Math.max(1, scan.splits.size()))
        .mapPartitions(splits -> SourceRows.grouped(splits, groups.value(), false));
    JavaRDD<Row> sorted = spark.createDataFrame(routed, EventRows.groupedSchema())
        .repartition(scan.groups.partitions(), col(EventRows.GROUP))
        .sortWithinPartitions(col("ts_ns"), col("seq"))
        .toJavaRDD();
    return new OrderedTrace<>(sorted, rows -> new RowCursor(rows, names), false);
  }

  /**
   * This trace encoded into {@link EventBlocks} and kept in Spark's block store (memory, spilling to
   * disk), so that any number of replays read it without reading, shuffling or sorting the input
   * again. Runs one Spark job that fills the store; returns the stored trace with its size.
   */
  Cached cache(SourceNames names) {
    Cursors<T> source = cursors;
    JavaRDD<byte[]> blocks = partitions.mapPartitions(p -> EventBlocks.encode(source.open(p)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long[] size;
    try {
      size = blocks.map(b -> new long[] {EventBlocks.events(b), b.length})
          .fold(new long[2], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    } catch (RuntimeException | Error e) {
      blocks.unpersist(false); // a bad record failed the job: drop the blocks already stored
      throw e;
    }
    return new Cached(new OrderedTrace<>(blocks, b -> new EventBlocks.Cursor(b, names), true), size[0], size[1]);
  }

  /** A trace kept in the block store: how many events it holds, in how many bytes. */
  static final class Cached {
    final OrderedTrace<byte[]> trace;
    final long events;
    final long bytes;

    Cached(OrderedTrace<byte[]> trace, long events, long bytes) {
      this.trace = trace;
      this.events = events;
      this.bytes = bytes;
    }
  }

  /** Drops what {@link #cache} stored; a no-op for a trace that was not cached. */
  void release() {
    if (persisted) {
      partitions.unpersist(false);
    }
  }

  private static final EventCursor EMPTY = new EventCursor() {
    @Override
    public EventColumns nextBatch() {
      return null;
    }

    @Override
    public String position(int i) {
      return "(no input)";
    }
  };
}
