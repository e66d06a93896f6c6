package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Format;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.trace.EventColumns;
import io.iommusim.trace.parquet.ParquetTraceReader;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Turns a record's source position ({@code file index << 40 | line or row}) back into the text a
 * user needs to find the record: {@code trace.csv:17}, {@code trace.parquet row 9}, or for an imported
 * input {@code trace.txt event #5} (the position of the event in the importer's stream; the conversion
 * report and {@code convert} output lead from there to the lines). For a prepared trace the inputs it
 * was prepared from are not known: an event is named by the prepared file and row that hold its seq,
 * found by reading the files again (error messages only; the replay of a sweep keeps no file).
 */
final class SourceNames implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] paths;
  private final boolean[] csv;
  private final boolean[] imported;
  private final String prepared;
  private final String[] preparedFiles;

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
    preparedFiles = new String[0];
  }

  private SourceNames(String preparedDir, List<String> files) {
    paths = new String[0];
    csv = new boolean[0];
    imported = new boolean[0];
    prepared = preparedDir;
    preparedFiles = files.toArray(new String[0]);
  }

  /** Names for the events of a prepared trace directory and its data files. */
  static SourceNames ofPrepared(String dir, List<String> files) {
    return new SourceNames(dir, files);
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
    if (prepared != null) {
      String row = preparedRow(seq);
      return (row != null ? row : prepared) + " (seq " + seq + ")";
    }
    return describe(seq) + " (seq " + seq + ")";
  }

  /** {@code file row N} of the prepared trace's event with this seq; null if no file can show it. */
  private String preparedRow(long seq) {
    for (String file : preparedFiles) {
      try (ParquetTraceReader reader = ParquetTraceReader.open(InputSplit.localPath(file), 0)) {
        EventColumns batch;
        while ((batch = reader.nextBatch()) != null) {
          for (int i = 0; i < batch.rows; i++) {
            if (batch.seq[i] == seq) {
              return reader.position(i);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        return null; // the message still names the trace and the seq
      }
    }
    return null;
  }
}
