package io.iommusim.pipeline.ingest;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The input files of a job, in the order that defines {@code seq}: the paths as given, each directory
 * expanded to its trace files sorted by name. Hidden files and files starting with {@code _} or
 * {@code .} are skipped (Spark's and ours: {@code _SUCCESS}, {@code _iommusim_layout.properties}).
 */
public final class TraceInputs {
  /** Input formats: canonical CSV or canonical Parquet. */
  public enum Format { CSV, PARQUET }

  /** Each input file gets {@code seq} values from its index: seq = index << SEQ_FILE_SHIFT | line or row. */
  public static final int SEQ_FILE_SHIFT = 40;

  /** One input file. */
  public static final class Input implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int index;
    public final String path;
    public final Format format;

    Input(int index, String path, Format format) {
      this.index = index;
      this.path = path;
      this.format = format;
    }

    public static Input of(int index, String path, Format format) {
      return new Input(index, path, format);
    }

    public long seqBase() {
      return (long) index << SEQ_FILE_SHIFT;
    }

    @Override
    public String toString() {
      return path + " (" + format.name().toLowerCase() + ")";
    }
  }

  private TraceInputs() {}

  /**
   * Resolves the user's paths. {@code format} is {@code csv}, {@code parquet} or {@code auto} (by file
   * extension: .csv, .parquet; a directory written by Spark holds .parquet part files).
   */
  public static List<Input> resolve(List<String> paths, String format, Configuration conf) {
    List<Input> inputs = new ArrayList<>();
    for (String p : paths) {
      for (String file : expand(p, conf)) {
        inputs.add(new Input(inputs.size(), file, formatOf(file, format)));
      }
    }
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no trace files found in " + paths);
    }
    if (inputs.size() >= (1 << (63 - SEQ_FILE_SHIFT))) {
      throw new IllegalArgumentException("too many input files: " + inputs.size());
    }
    return inputs;
  }

  private static List<String> expand(String p, Configuration conf) {
    try {
      Path path = new Path(p);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new IllegalArgumentException("input does not exist: " + p);
      }
      FileStatus status = fs.getFileStatus(path);
      if (!status.isDirectory()) {
        return List.of(p);
      }
      FileStatus[] children = fs.listStatus(path);
      Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
      List<String> files = new ArrayList<>();
      for (FileStatus c : children) {
        String name = c.getPath().getName();
        if (c.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          files.add(p.endsWith("/") ? p + name : p + "/" + name);
        }
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException("input directory holds no trace files: " + p);
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list input " + p, e);
    }
  }

  static Format formatOf(String file, String format) {
    switch (format) {
      case "csv":
        return Format.CSV;
      case "parquet":
        return Format.PARQUET;
      case "auto":
        String lower = file.toLowerCase();
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
          return Format.CSV;
        }
        if (lower.endsWith(".parquet")) {
          return Format.PARQUET;
        }
        throw new IllegalArgumentException("cannot tell the format of " + file
            + " from its name (.csv or .parquet); pass --format csv|parquet");
      default:
        throw new IllegalArgumentException("--format: '" + format + "' is not one of csv, parquet, auto");
    }
  }
}
