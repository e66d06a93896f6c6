package io.iommusim.pipeline.job;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession a verb runs in: the user's master and --conf values over our defaults. */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * @param master null to leave it to spark-submit (or local[*] when nothing sets it)
   */
  public static SparkSession create(String appName, String master, Map<String, String> conf) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    boolean submitted = System.getProperty("spark.master") != null;
    if (master != null) {
      b.master(master);
    } else if (!submitted) {
      b.master("local[*]");
    }
    // defaults measured on 2-core machines (shared/reference/spark.md); --conf overrides them
    b.config("spark.sql.shuffle.partitions", "16");
    b.config("spark.ui.showConsoleProgress", "true");
    b.config("spark.sql.parquet.compression.codec", "snappy");
    for (Map.Entry<String, String> e : conf.entrySet()) {
      b.config(e.getKey(), e.getValue());
    }
    return b.getOrCreate();
  }
}
