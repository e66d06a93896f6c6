package io.iommusim.trace.parquet;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * Writes events as a canonical Parquet file ({@link TraceParquetSchema}): snappy, dictionary encoding.
 *
 * <p>The file appears at its name only when {@link #close()} succeeds; until then it is a hidden temporary file
 * beside it. If writing fails, or {@link #abort()} is called, the temporary file is deleted and nothing appears.
 * An existing file at the name is replaced on a successful close.
 *
 * <p>Events whose {@code seq} is {@link TraceEvent#NO_SEQ} are written with their 0-based row index within
 * this file as seq. Every event must have a kind.
 */
public final class ParquetTraceWriter implements EventSink {
  /** Default row-group size, bytes (before compression, as parquet estimates it). */
  public static final long DEFAULT_ROW_GROUP_BYTES = 64L << 20;

  private final TempOutputFile out;
  private final ParquetWriter<TraceEvent> writer;
  private boolean finished;

  public ParquetTraceWriter(Path file, Map<String, String> keyValueMetadata) throws IOException {
    this(file, keyValueMetadata, DEFAULT_ROW_GROUP_BYTES);
  }

  public ParquetTraceWriter(Path file, Map<String, String> keyValueMetadata, long rowGroupBytes) throws IOException {
    this(file, keyValueMetadata, rowGroupBytes, Integer.MAX_VALUE);
  }

  /**
   * @param rowGroupRows most rows per row group, whatever their size (a row group ends at whichever limit is
   *     reached first); useful to control how finely a file can be split between readers
   */
  public ParquetTraceWriter(Path file, Map<String, String> keyValueMetadata, long rowGroupBytes, int rowGroupRows)
      throws IOException {
    if (rowGroupBytes <= 0 || rowGroupRows <= 0) {
      throw new IllegalArgumentException("row-group limits must be positive: " + rowGroupBytes + " bytes, "
          + rowGroupRows + " rows");
    }
    this.out = new TempOutputFile(file);
    try {
      this.writer = new Builder(out, new TraceWriteSupport(keyValueMetadata))
          .withConf(new PlainParquetConfiguration())
          .withWriteMode(ParquetFileWriter.Mode.CREATE)
          .withCompressionCodec(CompressionCodecName.SNAPPY)
          .withDictionaryEncoding(true)
          .withRowGroupSize(rowGroupBytes)
          .withRowGroupRowCountLimit(rowGroupRows)
          .build();
    } catch (IOException | RuntimeException | Error e) {
      out.discard();
      throw e;
    }
  }

  /**
   * Appends one event. If this throws, the writer has already been aborted.
   * @throws IllegalArgumentException when the event has no kind
   */
  @Override
  public void accept(TraceEvent event) throws IOException {
    if (finished) {
      throw new IllegalStateException("writer already closed or aborted: " + out.getPath());
    }
    if (event.kind == null) {
      abort();
      throw new IllegalArgumentException("event has no kind: " + event);
    }
    try {
      writer.write(event);
    } catch (IOException | RuntimeException | Error e) {
      abort();
      throw e;
    }
  }

  /** Finishes the file and moves it to its name. Does nothing after {@link #abort()} or a second close. */
  @Override
  public void close() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    try {
      writer.close();
      out.commit();
    } catch (IOException | RuntimeException | Error e) {
      out.discard();
      throw e;
    }
  }

  /** Drops everything written so far; no file appears. Safe to call more than once, or after a failure. */
  public void abort() {
    if (finished) {
      return;
    }
    finished = true;
    out.discard();
  }

  private static final class Builder extends ParquetWriter.Builder<TraceEvent, Builder> {
    private final WriteSupport<TraceEvent> writeSupport;

    Builder(OutputFile file, WriteSupport<TraceEvent> writeSupport) {
      super(file);
      this.writeSupport = writeSupport;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<TraceEvent> getWriteSupport(Configuration conf) {
      return writeSupport;
    }

    @Override
    protected WriteSupport<TraceEvent> getWriteSupport(ParquetConfiguration conf) {
      return writeSupport;
    }
  }
}
