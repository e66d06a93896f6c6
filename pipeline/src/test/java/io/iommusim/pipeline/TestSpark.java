package io.iommusim.pipeline;

import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession of a test JVM (Surefire runs every test class of the module in one reused
 * fork): {@code local[2]}, UI off, 4 shuffle partitions. Created lazily on first use and never stopped
 * by the tests; Spark's own shutdown hook stops it when the JVM exits.
 *
 * <p>A JVM holds one SparkContext at a time and its master cannot change, so "local[1] vs local[2]"
 * cannot be compared in one JVM. The determinism tests instead vary what can change in-JVM:
 * {@code spark.sql.shuffle.partitions} (runtime SQL conf, see {@link #withShufflePartitions}) and the
 * replay path (prepared Parquet, one task per file, vs CSV with a shuffle).
 *
 * <p>The CLI verbs ({@code Main.run}) build their session with {@code getOrCreate} and stop it when
 * they finish, so a test that goes through {@code Main.run} stops this session; {@link #get()} then
 * builds a fresh one (a few seconds). Tests should prefer the job classes and keep CLI runs few.
 */
public final class TestSpark {
  public static final int DEFAULT_SHUFFLE_PARTITIONS = 4;

  private static SparkSession session;

  private TestSpark() {}

  public static synchronized SparkSession get() {
    if (session == null || session.sparkContext().isStopped()) {
      session = SparkSession.builder()
          .appName("iommusim-pipeline-tests")
          .master("local[2]")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.sql.shuffle.partitions", String.valueOf(DEFAULT_SHUFFLE_PARTITIONS))
          .config("spark.sql.parquet.compression.codec", "snappy")
          .getOrCreate();
    }
    return session;
  }

  /** Runs {@code body} with another shuffle partition count, restoring the default afterwards. */
  public static <T> T withShufflePartitions(int partitions, java.util.function.Supplier<T> body) {
    SparkSession s = get();
    s.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    try {
      return body.get();
    } finally {
      s.conf().set("spark.sql.shuffle.partitions", String.valueOf(DEFAULT_SHUFFLE_PARTITIONS));
    }
  }
}
