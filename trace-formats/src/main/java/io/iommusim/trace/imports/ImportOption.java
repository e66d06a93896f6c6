package io.iommusim.trace.imports;

/**
 * One option of an importer ({@code -o name=value}), for validation and {@code --help}.
 *
 * @param file true when the value names a file whose text the importer reads: the driver loads it once
 *     (see {@link ImportSettings#resolve}) so that tasks on other machines get its content
 */
public record ImportOption(String name, String defaultValue, String description, boolean file) {
  public static ImportOption value(String name, String defaultValue, String description) {
    return new ImportOption(name, defaultValue, description, false);
  }

  public static ImportOption file(String name, String description) {
    return new ImportOption(name, "", description, true);
  }
}
