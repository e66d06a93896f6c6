package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.trace.EventColumns;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The prepared replay of {@code simulate} without Spark: files of a prepared trace replayed one after
 * the other on one thread through the same {@link ReplayPartition} a Spark task runs (reading,
 * translation, statistics), timed by the thread's CPU clock. Steadier than the Spark job on a shared
 * machine, so it is the one to compare builds or settings with. (In the pipeline's package because
 * the replay classes are package-private.)
 *
 * <p>Usage: {@code ReplayBench PREPARED_DIR [FILES] [REPS] [key=value...]} (defaults: 2 files, 6
 * repetitions; key=value: model settings). Prints {@code RESULT replay.ns_per_event} and
 * {@code RESULT replay.events_per_cpu_second} for the median of the repetitions after the first.
 */
public final class ReplayBench {
  private ReplayBench() {}

  public static void main(String[] args) throws Exception {
    String dir = args[0];
    int maxFiles = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    Settings s = Settings.defaults();
    for (int i = 3; i < args.length; i++) {
      s = s.with(args[i], "ReplayBench argument");
    }
    ModelSettings settings = new ModelSettings(s);
    Configuration conf = new Configuration();
    PreparedTrace p = PreparedTrace.detect(dir, conf);
    if (p == null) {
      throw new IllegalArgumentException(dir + " is not a prepared trace (run bench/spark/run.sh first)");
    }
    TraceScan scan = TraceScan.ofPrepared(List.of(TraceInputs.Input.of(0, p.dir, TraceInputs.Format.PARQUET)),
        p.events, p.invalidations, p.controlEvents(conf), settings.partitionBy);
    ModelSettings.InvalidationMode invalidation = settings.invalidationFor(scan.invalidations > 0);
    List<String> files = p.files.subList(0, Math.min(maxFiles, p.files.size()));
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] nsPerEvent = new double[reps];
    for (int rep = 0; rep < reps; rep++) {
      long events = 0;
      long cpu = threads.getCurrentThreadCpuTime();
      for (String file : files) {
        try (PreparedFileCursor cursor = new PreparedFileCursor(file)) {
          CountingCursor input = new CountingCursor(cursor);
          ReplayPartition replay = new ReplayPartition(0, input, scan.broadcast, scan.timeline, settings, invalidation);
          while (replay.hasNext()) {
            replay.next();
          }
          events += input.rows;
        }
      }
      cpu = threads.getCurrentThreadCpuTime() - cpu;
      nsPerEvent[rep] = (double) cpu / events;
      System.out.printf("rep %d: %d files, %d events, %.3f s thread CPU, %.1f ns per event%n",
          rep, files.size(), events, cpu / 1e9, nsPerEvent[rep]);
    }
    double[] steady = Arrays.copyOfRange(nsPerEvent, Math.min(1, reps - 1), reps);
    Arrays.sort(steady);
    double median = steady[(steady.length - 1) / 2];
    System.out.printf("RESULT replay.ns_per_event %.1f ns%n", median);
    System.out.printf("RESULT replay.events_per_cpu_second %.2f Mevents/s%n", 1e3 / median);
  }

  /** Counts the rows read. */
  private static final class CountingCursor implements EventCursor {
    private final EventCursor in;
    long rows;

    CountingCursor(EventCursor in) {
      this.in = in;
    }

    @Override
    public EventColumns nextBatch() throws Exception {
      EventColumns b = in.nextBatch();
      if (b != null) {
        rows += b.rows;
      }
      return b;
    }

    @Override
    public String position(int i) {
      return in.position(i);
    }
  }
}
