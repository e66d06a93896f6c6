package io.iommusim.trace.imports;

import io.iommusim.trace.Numbers;
import io.iommusim.trace.generate.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The options one importer was given, checked against its {@link ImportOption}s plus the framework's own
 * ({@link AccessSynthesizer#OPTIONS}), parsed on demand into typed values. Every error is an
 * {@link IllegalArgumentException} naming the format and the option.
 */
public final class ImportOptions {
  private final String format;
  private final List<ImportOption> specs;
  private final Map<String, String> given;
  private final Map<String, String> files;

  /**
   * @param given option values as the user wrote them
   * @param files the text of every given file option, by option name
   * @throws IllegalArgumentException for an option the format does not have, listing the valid ones
   */
  public ImportOptions(String format, List<ImportOption> importerOptions, Map<String, String> given,
      Map<String, String> files) {
    this.format = format;
    List<ImportOption> all = new ArrayList<>(importerOptions);
    all.addAll(AccessSynthesizer.OPTIONS);
    this.specs = List.copyOf(all);
    this.given = Map.copyOf(given);
    this.files = Map.copyOf(files);
    for (String name : given.keySet()) {
      if (spec(name) == null) {
        throw new IllegalArgumentException("format '" + format + "': unknown option '" + name + "'; valid options: "
            + specs.stream().map(ImportOption::name).collect(Collectors.joining(", ")));
      }
    }
  }

  /** Options with no values given: every option at its default. */
  public static ImportOptions defaults(Importer importer) {
    return new ImportOptions(importer.name(), importer.options(), Map.of(), Map.of());
  }

  ImportOption spec(String name) {
    for (ImportOption s : specs) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  public String format() {
    return format;
  }

  public boolean isGiven(String name) {
    return given.containsKey(name);
  }

  /** The given text (trimmed), or the documented default. */
  public String text(String name) {
    ImportOption s = spec(name);
    if (s == null) {
      throw new IllegalStateException("format '" + format + "' declares no option '" + name + "'");
    }
    String v = given.get(name);
    return v == null ? s.defaultValue() : v.trim();
  }

  /** The content of a file option, or null when the option was not given. */
  public String fileText(String name) {
    text(name); // declared?
    return files.get(name);
  }

  public IllegalArgumentException error(String name, String problem) {
    return new IllegalArgumentException(
        "format '" + format + "': option '" + name + "': " + problem + ", got '" + text(name) + "'");
  }

  /** An integer (decimal or 0x hex) in {@code [min, max]}. */
  public long integer(String name, long min, long max) {
    long v = Numbers.parseLongOrMin(text(name));
    if (v == Long.MIN_VALUE || v < min || v > max) {
      throw error(name, "expected an integer in " + min + ".." + max);
    }
    return v;
  }

  /** A byte size (4096, 0x1000, 4KiB, 2MiB ...) in {@code [min, max]}. */
  public long size(String name, long min, long max) {
    long v;
    try {
      v = Sizes.parse(text(name));
    } catch (IllegalArgumentException e) {
      throw error(name, "expected a size such as 4096, 0x1000, 4KiB or 2MiB");
    }
    if (v < min || v > max) {
      throw error(name, "expected a size in " + Sizes.format(min) + ".." + Sizes.format(max));
    }
    return v;
  }

  public boolean bool(String name) {
    String v = text(name);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw error(name, "expected true or false");
  }

  /** One of the allowed words. */
  public String choice(String name, String... allowed) {
    String v = text(name);
    for (String a : allowed) {
      if (a.equals(v)) {
        return a;
      }
    }
    throw error(name, "expected one of " + String.join(", ", allowed));
  }
}
