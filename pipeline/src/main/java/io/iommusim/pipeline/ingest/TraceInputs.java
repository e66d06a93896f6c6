package io.iommusim.pipeline.ingest;

import io.iommusim.trace.Column;
import io.iommusim.trace.imports.ImportSettings;
import io.iommusim.trace.imports.Importers;
import io.iommusim.trace.imports.Sniff;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The input files of a job, in the order that defines {@code seq}: the paths as given, each directory
 * expanded to its trace files sorted by name. Hidden files and files starting with {@code _} or
 * {@code .} are skipped (Spark's and ours: {@code _SUCCESS}, {@code _iommusim_layout.properties}).
 * Each file is canonical CSV, canonical Parquet, or a real trace format read by an importer
 * ({@link io.iommusim.trace.imports.Importers}; one task per file, like CSV).
 */
public final class TraceInputs {
  /** Input formats: canonical CSV, canonical Parquet, or a real trace format read by an importer. */
  public enum Format { CSV, PARQUET, IMPORTED }

  /** Each input file gets {@code seq} values from its index: seq = index << SEQ_FILE_SHIFT | line or row. */
  public static final int SEQ_FILE_SHIFT = 40;

  /** One input file. */
  public static final class Input implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int index;
    public final String path;
    public final Format format;
    /** How to import it (format IMPORTED only). */
    public final ImportSettings importSettings;
    /** Where the scan pass writes this input's unparsed lines (format IMPORTED only). */
    public final String rejectsPart;

    Input(int index, String path, Format format, ImportSettings importSettings, String rejectsPart) {
      this.index = index;
      this.path = path;
      this.format = format;
      this.importSettings = importSettings;
      this.rejectsPart = rejectsPart;
    }

    public static Input of(int index, String path, Format format) {
      return new Input(index, path, format, null, null);
    }

    /** The format's name as users write it: csv, parquet, or the importer's name. */
    public String formatName() {
      return format == Format.IMPORTED ? importSettings.format : format.name().toLowerCase();
    }

    public long seqBase() {
      return (long) index << SEQ_FILE_SHIFT;
    }

    @Override
    public String toString() {
      return path + " (" + formatName() + ")";
    }
  }

  private TraceInputs() {}

  /** What imported inputs need besides their format: the options of the request. */
  public static final class ImportRequest {
    public Map<String, String> options = Map.of();
    public boolean strict;
    public boolean synthesizeAccess;
    /** The directory (on the output's file system) where scan tasks write rejects, one part per input. */
    public String rejectsDir;

    /** True when any option that only importers take was given. */
    boolean anyGiven() {
      return !options.isEmpty() || strict || synthesizeAccess;
    }
  }

  /** Canonical inputs only (no importer options). */
  public static List<Input> resolve(List<String> paths, String format, Configuration conf) {
    return resolve(paths, format, new ImportRequest(), conf);
  }

  /**
   * Resolves the user's paths. {@code format} is {@code csv}, {@code parquet}, an importer's name, or
   * {@code auto}: by extension (.csv, .csv.gz, .parquet), else by content — Parquet's magic, a
   * canonical CSV header, or the importer whose detection is surest ({@link Importers#detect}).
   *
   * @throws IllegalArgumentException for an unknown format, an undetectable input, importer options
   *     without any imported input, or a bad importer option
   */
  public static List<Input> resolve(List<String> paths, String format, ImportRequest imports, Configuration conf) {
    if (!format.equals("auto") && !format.equals("csv") && !format.equals("parquet") && !Importers.exists(format)) {
      throw new IllegalArgumentException("--format: '" + format + "' is not one of csv, parquet, auto, "
          + String.join(", ", Importers.names()));
    }
    List<Input> inputs = new ArrayList<>();
    Map<String, ImportSettings> settingsByFormat = new TreeMap<>();
    List<String[]> files = new ArrayList<>();
    for (String p : paths) {
      for (String file : expand(p, conf)) {
        files.add(new String[] {file, formatOf(file, format, conf)});
      }
    }
    Map<String, Map<String, String>> optionsByFormat = optionsByFormat(files, imports.options);
    for (String[] f : files) {
      String file = f[0];
      String name = f[1];
      int index = inputs.size();
      if (name.equals("csv") || name.equals("parquet")) {
        inputs.add(Input.of(index, file, name.equals("csv") ? Format.CSV : Format.PARQUET));
      } else {
        ImportSettings s = settingsByFormat.computeIfAbsent(name, n -> ImportSettings.resolve(n,
            optionsByFormat.get(n), imports.strict, imports.synthesizeAccess, path -> readText(path, conf)));
        String part = imports.rejectsDir == null ? null : new Path(imports.rejectsDir, "part-" + index).toString();
        inputs.add(new Input(index, file, Format.IMPORTED, s, part));
      }
    }
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no trace files found in " + paths);
    }
    if (inputs.size() >= (1 << (63 - SEQ_FILE_SHIFT))) {
      throw new IllegalArgumentException("too many input files: " + inputs.size());
    }
    if (settingsByFormat.isEmpty() && imports.anyGiven()) {
      throw new IllegalArgumentException("-o, --strict and --synthesize-access apply to imported formats ("
          + String.join(", ", Importers.names()) + "); the inputs are canonical traces");
    }
    return inputs;
  }

  /**
   * The -o options each imported format gets. With one imported format, all of them (an option it
   * does not have is an error there). With several (a debugfs dump beside a QEMU trace), each gets
   * the options it declares and every format the framework's {@code access.*}; an option no format
   * declares is an error.
   */
  private static Map<String, Map<String, String>> optionsByFormat(List<String[]> files, Map<String, String> options) {
    Set<String> formats = new TreeSet<>();
    for (String[] f : files) {
      if (!f[1].equals("csv") && !f[1].equals("parquet")) {
        formats.add(f[1]);
      }
    }
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (String name : formats) {
      out.put(name, formats.size() == 1 ? options : new TreeMap<>());
    }
    if (formats.size() < 2) {
      return out;
    }
    for (Map.Entry<String, String> o : options.entrySet()) {
      boolean taken = false;
      for (String name : formats) {
        boolean declared = o.getKey().startsWith("access.")
            || Importers.get(name).options().stream().anyMatch(spec -> spec.name().equals(o.getKey()));
        if (declared) {
          out.get(name).put(o.getKey(), o.getValue());
          taken = true;
        }
      }
      if (!taken) {
        throw new IllegalArgumentException("-o " + o.getKey() + ": none of the input formats ("
            + String.join(", ", formats) + ") has this option");
      }
    }
    return out;
  }

  /** True when any input is imported (the job then writes a conversion report and a rejects file). */
  public static boolean anyImported(List<Input> inputs) {
    return inputs.stream().anyMatch(i -> i.format == Format.IMPORTED);
  }

  private static String readText(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        byte[] b = in.readNBytes(ImportSettings.MAX_OPTION_FILE_CHARS + 1);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read option file " + path + ": " + e.getMessage());
    }
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

  /** The format name of one file: csv, parquet or an importer's name. */
  static String formatOf(String file, String format, Configuration conf) {
    if (!format.equals("auto")) {
      return format;
    }
    String lower = file.toLowerCase();
    if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
      return "csv";
    }
    if (lower.endsWith(".parquet")) {
      return "parquet";
    }
    Sniff head;
    try {
      Path p = new Path(file);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        head = Sniff.of(file, in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    byte[] b = head.head();
    if (b.length >= 4 && b[0] == 'P' && b[1] == 'A' && b[2] == 'R' && b[3] == '1') {
      return "parquet";
    }
    if (isCanonicalCsv(head)) {
      return "csv";
    }
    String detected = Importers.detect(head);
    if (detected == null) {
      throw new IllegalArgumentException("cannot tell the format of " + file + " from its name or content; pass --format "
          + "csv, parquet or one of " + String.join(", ", Importers.names()));
    }
    return detected;
  }

  /** The first line that is neither blank nor a comment names only contract columns, ts_ns and kind among them. */
  private static boolean isCanonicalCsv(Sniff head) {
    for (String line : head.lines()) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      boolean ts = false;
      boolean kind = false;
      for (String name : t.split(",", -1)) {
        Column c = Column.byName(name.strip());
        if (c == null) {
          return false;
        }
        ts |= c == Column.TS_NS;
        kind |= c == Column.KIND;
      }
      return ts && kind;
    }
    return false;
  }
}
