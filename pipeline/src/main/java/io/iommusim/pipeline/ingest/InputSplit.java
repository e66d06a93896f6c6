package io.iommusim.pipeline.ingest;

import io.iommusim.pipeline.ingest.TraceInputs.Format;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.csv.CanonicalCsvReader;
import io.iommusim.trace.imports.ImportedSource;
import io.iommusim.trace.imports.Importers;
import io.iommusim.trace.imports.RejectSink;
import io.iommusim.trace.parquet.ParquetTraceReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A piece of one input file that one task reads: a whole CSV or imported file, or a range of Parquet row
 * groups.
 */
public final class InputSplit implements Serializable {
  private static final long serialVersionUID = 1L;

  public final Input input;
  public final int firstRowGroup;
  public final int rowGroups;

  private InputSplit(Input input, int firstRowGroup, int rowGroups) {
    this.input = input;
    this.firstRowGroup = firstRowGroup;
    this.rowGroups = rowGroups;
  }

  /** One split per CSV file and per Parquet row group. */
  public static List<InputSplit> plan(List<Input> inputs) {
    List<InputSplit> splits = new ArrayList<>();
    for (Input in : inputs) {
      if (in.format != Format.PARQUET) {
        splits.add(new InputSplit(in, 0, -1));
      } else {
        int groups = rowGroupCount(in);
        for (int g = 0; g < groups; g++) {
          splits.add(new InputSplit(in, g, 1));
        }
      }
    }
    return splits;
  }

  private static int rowGroupCount(Input in) {
    try {
      return ParquetTraceReader.rowGroupCount(localPath(in.path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the footer of " + in.path, e);
    }
  }

  /** Opens the split; the reader names the input as the user gave it in its error messages. */
  public EventSource open() throws IOException {
    if (input.format == Format.IMPORTED) {
      return openImported(RejectSink.NONE);
    }
    if (input.format == Format.CSV) {
      Path p = new Path(input.path);
      FileSystem fs = p.getFileSystem(new Configuration());
      java.io.InputStream stream = fs.open(p);
      if (input.path.toLowerCase().endsWith(".gz")) {
        stream = new GZIPInputStream(stream, 1 << 16);
      }
      return new CanonicalCsvReader(new InputStreamReader(stream, StandardCharsets.UTF_8), input.path, input.seqBase());
    }
    return ParquetTraceReader.open(localPath(input.path), input.seqBase(), firstRowGroup, rowGroups);
  }

  /** Opens an imported input, sending its unparsed lines to {@code rejects}. */
  public ImportedSource openImported(RejectSink rejects) throws IOException {
    Path p = new Path(input.path);
    FileSystem fs = p.getFileSystem(new Configuration());
    return Importers.open(fs.open(p), input.path, input.seqBase(), input.importSettings, rejects);
  }

  /** Parquet traces are read through java.nio: local paths (or file: URIs) only, for now. */
  public static java.nio.file.Path localPath(String path) {
    if (path.startsWith("file:")) {
      return java.nio.file.Paths.get(URI.create(path));
    }
    if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException("Parquet traces must be on a local or mounted file system: " + path);
    }
    return java.nio.file.Paths.get(path);
  }

  @Override
  public String toString() {
    return input.path + (rowGroups < 0 ? "" : " row groups " + firstRowGroup + ".." + (firstRowGroup + rowGroups - 1));
  }
}
