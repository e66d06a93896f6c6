package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Format;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import java.io.Serializable;
import java.util.List;

/**
 * Turns a record's source position ({@code file index << 40 | line or row}) back into the text a
 * user needs to find the record: {@code trace.csv:17}, {@code trace.parquet row 9}, or for an imported
 * input {@code trace.txt event #5} (the position of the event in the importer's stream; the conversion
 * report and {@code convert} output lead from there to the lines). For a prepared trace the inputs it
 * was prepared from are not known; its events are named by the trace directory and their seq.
 */
final class SourceNames implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] paths;
  private final boolean[] csv;
  private final boolean[] imported;
  private final String prepared;

  SourceNames(List<Input> inputs) {
    paths = new String[inputs.size()];
    csv = new boolean[inputs.size()];
    imported = new boolean[inputs.size()];
    for (Input in : inputs) {
      paths[in.index] = in.path;
      csv[in.index] = in.format == Format.CSV;
      imported[in.index] = in.format == Format.IMPORTED;
    }
    prepared = null;
  }

  private SourceNames(String preparedDir) {
    paths = new String[0];
    csv = new boolean[0];
    imported = new boolean[0];
    prepared = preparedDir;
  }

  /** Names for the events of a prepared trace directory. */
  static SourceNames ofPrepared(String dir) {
    return new SourceNames(dir);
  }

  String describe(long src) {
    if (prepared != null) {
      return prepared;
    }
    int file = (int) (src >>> TraceInputs.SEQ_FILE_SHIFT);
    long pos = src & ((1L << TraceInputs.SEQ_FILE_SHIFT) - 1);
    if (file < 0 || file >= paths.length) {
      return "record " + src;
    }
    if (imported[file]) {
      return paths[file] + " event #" + pos;
    }
    return csv[file] ? paths[file] + ":" + pos : paths[file] + " row " + pos;
  }

  /** The position of the event with this seq, as error messages give it. */
  String position(long seq) {
    return describe(seq) + " (seq " + seq + ")";
  }
}
