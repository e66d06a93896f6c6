package io.iommusim.pipeline.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.iommusim.pipeline.output.MrcTable;
import io.iommusim.pipeline.output.OutputCommitter;
import io.iommusim.translator.FaultReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a job's result tables under its staging directory. The tables are independent Spark jobs:
 * they are submitted together, which overlaps their scheduling.
 */
final class TableWriter {
  private final SparkSession spark;
  private final OutputCommitter committer;
  private final List<Runnable> writes = new ArrayList<>();

  TableWriter(SparkSession spark, OutputCommitter committer) {
    this.spark = spark;
    this.committer = committer;
  }

  /** A table from driver-side rows, written as one file. */
  TableWriter add(String name, List<Row> rows, StructType schema) {
    writes.add(() -> spark.createDataFrame(rows, schema).coalesce(1).write().parquet(committer.stagingPath(name)));
    return this;
  }

  /**
   * Table {@code mrc} from its curves, in table order: one slice of curves per configuration, each
   * expanded to rows by an executor and written as one file, so that the files follow the table order
   * and their number does not depend on the master.
   */
  TableWriter addMrc(List<MrcTable.Curve> curves, int configurations) {
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(curves, Math.max(1, Math.min(configurations, curves.size())))
        .flatMap(c -> c.rows().iterator());
    writes.add(() -> spark.createDataFrame(rows, MrcTable.schema()).write().parquet(committer.stagingPath("mrc")));
    return this;
  }

  /**
   * The faults table from the replay's rows ({@link FaultRows#SCHEMA}): one row per faulting
   * translation or recorded interrupt fault, tagged with its configuration's config id and sorted by
   * (config_id, ts_ns, seq, addr).
   *
   * @param configIds the config id of each configuration index
   * @param faults the number of fault rows (0: the replay rows are not read again)
   */
  TableWriter addFaults(JavaRDD<Row> replayed, String[] configIds, long faults) {
    JavaRDD<Row> rows = faults == 0
        ? JavaSparkContext.fromSparkContext(spark.sparkContext()).emptyRDD()
        : replayed.filter(FaultRows::isFault);
    Dataset<Row> table = faultsTable(spark.createDataFrame(rows, FaultRows.SCHEMA), configIds);
    writes.add(() -> table.write().parquet(committer.stagingPath("faults")));
    return this;
  }

  static Dataset<Row> faultsTable(Dataset<Row> replayed, String[] configIds) {
    StringBuilder reasonText = new StringBuilder("CASE reason_code");
    for (FaultReason r : FaultReason.values()) {
      reasonText.append(" WHEN ").append(r.code()).append(" THEN '").append(r.text()).append('\'');
    }
    reasonText.append(" ELSE 'Unknown' END");
    Column configId = configIds.length == 1
        ? lit(configIds[0])
        : element_at(lit(configIds), col("config").plus(1));
    return replayed
        .select(
            configId.as("config_id"),
            col("ts_ns"), col("seq"), col("unit"), col("sid"),
            expr("CASE WHEN sid >= 65536 THEN format_string('%04x:%02x:%02x.%d', shiftright(sid, 16), "
                + "shiftright(sid, 8) & 255, shiftright(sid, 3) & 31, sid & 7) "
                + "ELSE format_string('%02x:%02x.%d', shiftright(sid, 8) & 255, shiftright(sid, 3) & 31, sid & 7) END")
                .as("bdf"),
            col("pasid"), col("domain"), col("addr"),
            expr("CASE WHEN interrupt THEN 'interrupt' WHEN write THEN 'write' ELSE 'read' END").as("access"),
            col("reason_code"),
            expr(reasonText.toString()).as("reason"),
            col("irte_index"))
        .orderBy(col("config_id"), col("ts_ns"), col("seq"), col("addr"));
  }

  /** Runs every write on its own thread and waits for all; the first failure is rethrown. */
  void writeAll() {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, writes.size()));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable w : writes) {
        futures.add(pool.submit(w));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          if (cause instanceof Error) {
            throw (Error) cause;
          }
          throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while writing the result tables", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    writes.clear();
  }
}
