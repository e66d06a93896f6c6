package io.iommusim.trace.imports;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Everything a task needs to import one input, resolved on the driver: the format, the options as
 * given, the text of file options (read once, where the user's paths are valid), whether to fail on
 * the first unparsed line, and whether to synthesize device accesses.
 */
public final class ImportSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** File options larger than this are refused: they are shipped to every task. */
  public static final int MAX_OPTION_FILE_CHARS = 16 << 20;

  public final String format;
  public final Map<String, String> options;
  public final Map<String, String> files;
  public final boolean strict;
  public final boolean synthesizeAccess;

  private ImportSettings(String format, Map<String, String> options, Map<String, String> files, boolean strict,
      boolean synthesizeAccess) {
    this.format = format;
    this.options = options;
    this.files = files;
    this.strict = strict;
    this.synthesizeAccess = synthesizeAccess;
  }

  /**
   * Checks the options against the format (unknown options, bad values) and loads file options.
   *
   * @param loader reads a file option's path into text (the driver's file system)
   * @throws IllegalArgumentException naming the bad option or format
   */
  public static ImportSettings resolve(String format, Map<String, String> options, boolean strict,
      boolean synthesizeAccess, Function<String, String> loader) {
    Importer importer = Importers.get(format);
    Map<String, String> given = new TreeMap<>(options);
    Map<String, String> files = new TreeMap<>();
    ImportOptions check = new ImportOptions(format, importer.options(), given, Map.of());
    for (Map.Entry<String, String> o : given.entrySet()) {
      if (check.spec(o.getKey()).file()) {
        String text = loader.apply(o.getValue().trim());
        if (text.length() > MAX_OPTION_FILE_CHARS) {
          throw new IllegalArgumentException("format '" + format + "': option '" + o.getKey() + "': file "
              + o.getValue() + " is larger than " + MAX_OPTION_FILE_CHARS + " characters");
        }
        files.put(o.getKey(), text);
      }
    }
    ImportSettings s = new ImportSettings(format, given, files, strict, synthesizeAccess);
    importer.validate(s.options(importer));
    AccessSynthesizer.Model.of(s.options(importer)); // the framework's own options too
    return s;
  }

  /** For tests and in-process use: options given, files none. */
  public static ImportSettings of(String format, Map<String, String> options, boolean strict, boolean synthesizeAccess) {
    return resolve(format, options, strict, synthesizeAccess, path -> {
      throw new IllegalArgumentException("file options need a loader: " + path);
    });
  }

  public ImportOptions options(Importer importer) {
    return new ImportOptions(format, importer.options(), options, files);
  }

  /** The settings as text, for run_info: format, flags and every option given. */
  public Map<String, String> describe() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("format", format);
    d.put("strict", Boolean.toString(strict));
    d.put("synthesize_access", Boolean.toString(synthesizeAccess));
    options.forEach((k, v) -> d.put("option." + k, v));
    return d;
  }
}
