package io.iommusim.pipeline.ingest;

import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.csv.CanonicalCsvReader;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A prepared canonical Parquet trace, as {@code convert} and {@code generate} write it: a directory of
 * Parquet files in which every replay group (see {@link ReplayGroups}) lies wholly inside one file and
 * every file is sorted by (ts_ns, seq). {@code simulate} replays each file in its own task with no
 * shuffle and no sort.
 *
 * <p>Beside the data: {@value #LAYOUT} (format, version, clustering, files, event count) and
 * {@value #CONTROL}, a copy of the trace's control events (attach, attach_passthrough, detach and
 * unit-wide events) in canonical CSV, so the driver knows them without scanning the data. The data
 * files still hold every event; readers of the trace as plain Parquet ignore files starting with _.
 */
public final class PreparedTrace {
  public static final String LAYOUT = "_iommusim_layout.properties";
  public static final String CONTROL = "_iommusim_control.csv";
  public static final String FORMAT = "iommusim-prepared-trace";
  public static final String VERSION = "1";

  public final String dir;
  public final PartitionBy clusteredBy;
  public final List<String> files;
  public final long events;
  /** inv_iotlb, inv_context and inv_devtlb events in the trace (invalidation.mode=auto needs to know without reading it). */
  public final long invalidations;

  private PreparedTrace(String dir, PartitionBy clusteredBy, List<String> files, long events, long invalidations) {
    this.dir = dir;
    this.clusteredBy = clusteredBy;
    this.files = files;
    this.events = events;
    this.invalidations = invalidations;
  }

  /** Whether the layout serves replays partitioned as asked (unit groups contain device groups). */
  public boolean serves(PartitionBy partitionBy) {
    return clusteredBy == PartitionBy.UNIT || clusteredBy == partitionBy;
  }

  /** The prepared trace at {@code path}, or null when it is not a prepared trace directory. */
  public static PreparedTrace detect(String path, Configuration conf) {
    try {
      Path dir = new Path(path);
      FileSystem fs = dir.getFileSystem(conf);
      Path layout = new Path(dir, LAYOUT);
      if (!fs.exists(layout)) {
        return null;
      }
      Properties p = new Properties();
      try (InputStream in = fs.open(layout)) {
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      if (!FORMAT.equals(p.getProperty("format")) || !VERSION.equals(p.getProperty("version"))) {
        throw new IllegalArgumentException(layout + ": not a version-" + VERSION + " " + FORMAT
            + " layout (format=" + p.getProperty("format") + ", version=" + p.getProperty("version") + ")");
      }
      PartitionBy clusteredBy = PartitionBy.valueOf(p.getProperty("clustered_by", "").toUpperCase());
      List<String> files = new ArrayList<>();
      String listed = p.getProperty("files", "");
      if (!listed.isEmpty()) {
        for (String f : listed.split(",")) {
          files.add(new Path(dir, f).toString());
        }
      }
      String events = p.getProperty("events");
      String invalidations = p.getProperty("dma_invalidations");
      if (events == null || invalidations == null) {
        throw new IllegalArgumentException(layout + ": no events or dma_invalidations entry (an older layout?); "
            + "prepare the trace again with convert");
      }
      return new PreparedTrace(path, clusteredBy, files, Long.parseLong(events), Long.parseLong(invalidations));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the layout of " + path, e);
    }
  }

  /** The control events, read from {@value #CONTROL}. */
  public List<TraceEvent> controlEvents(Configuration conf) {
    try {
      Path control = new Path(dir, CONTROL);
      FileSystem fs = control.getFileSystem(conf);
      List<TraceEvent> events = new ArrayList<>();
      try (CanonicalCsvReader r = new CanonicalCsvReader(
          new InputStreamReader(fs.open(control), StandardCharsets.UTF_8), control.toString(), 0)) {
        TraceEvent e = new TraceEvent();
        while (r.next(e)) {
          events.add(e.copy());
        }
      }
      return events;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the control events of " + dir, e);
    }
  }

  /** The layout file's text. */
  public static String layoutText(PartitionBy clusteredBy, List<String> fileNames, long events, long invalidations) {
    return "# iommusim prepared trace: every replay group lies in one file; each file is sorted by (ts_ns, seq)\n"
        + "format=" + FORMAT + "\n"
        + "version=" + VERSION + "\n"
        + "clustered_by=" + clusteredBy.name().toLowerCase() + "\n"
        + "sorted_by=ts_ns,seq\n"
        + "events=" + events + "\n"
        + "dma_invalidations=" + invalidations + "\n"
        + "files=" + String.join(",", fileNames) + "\n";
  }

  @Override
  public String toString() {
    return dir + " (prepared, clustered by " + clusteredBy.name().toLowerCase() + ", " + files.size() + " files)";
  }
}
