package io.iommusim.trace.imports;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A trace importer: turns one input in a real trace format into canonical events. See
 * {@code package-info.java} for the contract every implementation follows.
 */
public interface Importer {
  /** The {@code --format} name, lower case with dashes, e.g. {@code ftrace}. */
  String name();

  /** One line for {@code --help}. */
  String description();

  /**
   * What one accounted piece of input is called in reports and errors: {@code line} for text formats,
   * {@code record} for binary ones (whose "line numbers" are then record numbers).
   */
  default String unit() {
    return "line";
  }

  /** The format's own options ({@code -o name=value}); the framework adds {@link AccessSynthesizer#OPTIONS}. */
  List<ImportOption> options();

  /**
   * How sure this importer is that the input starting with {@code head} is in its format: 0 (not at
   * all) to 100 (certain). {@code --format auto} picks the highest score of at least
   * {@link Importers#DETECT_THRESHOLD}; a tie is an error.
   */
  int detect(Sniff head);

  /**
   * Parses every option value, so that bad values fail on the driver before any task starts.
   *
   * @throws IllegalArgumentException naming the option ({@link ImportOptions#error})
   */
  void validate(ImportOptions options);

  /**
   * Starts parsing one input. The stream is already decompressed; the parser owns it and closes it.
   *
   * @param fileName the input as the user named it, for messages
   */
  InputParser open(InputStream in, String fileName, ImportOptions options) throws IOException;
}
