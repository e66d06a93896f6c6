package io.iommusim.trace.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Base of importers for text formats: a new {@link LineParser} per input, driven by
 * {@link LineInputParser}. Input is decoded as UTF-8 with malformed bytes replaced (kernel logs carry
 * stray bytes), so no input can fail on its encoding alone.
 */
public abstract class LineImporter implements Importer {
  /** A parser for one input; options were validated by {@link #validate}. */
  protected abstract LineParser<?> newParser(ImportOptions options, String fileName);

  @Override
  public InputParser open(InputStream in, String fileName, ImportOptions options) throws IOException {
    return new LineInputParser<>(new LineReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
        newParser(options, fileName));
  }
}
