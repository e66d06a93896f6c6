package io.iommusim.trace.parquet;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;

/**
 * Reads canonical events from one Parquet file, or from a range of its row groups (so that one file can be
 * split between tasks). Files written by {@link ParquetTraceWriter} and by Spark are both accepted; see
 * {@link FileColumns} for what is tolerated.
 *
 * <p>{@code seq} comes from the file's seq column; where the file has none (or a null), it is
 * {@code seqBase} + the row's 0-based index within the file, so a row gets the same seq whichever row-group
 * range it is read through.
 *
 * <p>Events come one at a time ({@link #next}) or a decoded batch at a time ({@link #nextBatch}); a
 * stream is read one way only.
 */
public final class ParquetTraceReader implements EventSource {
  private final String fileName;
  private final ParquetFileReader reader;
  private final EventBatch batch;
  private final long seqBase;
  private final int endRowGroup;
  private int nextRowGroup;
  private long nextRowGroupFirstRow;
  private PageReadStore rowGroupPages;
  private int cursor;
  private long lastRow = -1;
  /** A bad row ends the stream: the same exception is thrown again rather than reading past it. */
  private TraceFormatException failure;
  /** {@link #nextBatch} returned the good rows before a bad row: the next call throws its error. */
  private boolean badRowNext;

  private ParquetTraceReader(Path file, long seqBase, int firstRowGroup, int rowGroupCount) throws IOException {
    this.fileName = file.toString();
    this.seqBase = seqBase;
    this.reader = openFile(file);
    try {
      List<BlockMetaData> groups = reader.getRowGroups();
      if (firstRowGroup < 0 || rowGroupCount < 0 || firstRowGroup > groups.size() - rowGroupCount) {
        throw new IllegalArgumentException(fileName + ": " + rowGroupCount + " row groups from row group "
            + firstRowGroup + " requested, the file has " + groups.size());
      }
      FileMetaData meta = reader.getFileMetaData();
      FileColumns columns = FileColumns.match(meta.getSchema(), fileName);
      reader.setRequestedSchema(columns.projection());
      this.batch = new EventBatch(fileName, columns);
      this.nextRowGroup = firstRowGroup;
      this.endRowGroup = firstRowGroup + rowGroupCount;
      for (int g = 0; g < firstRowGroup; g++) {
        nextRowGroupFirstRow += groups.get(g).getRowCount();
      }
    } catch (RuntimeException | Error e) {
      reader.close();
      throw e;
    }
  }

  /** Reads the whole file. */
  public static ParquetTraceReader open(Path file, long seqBase) throws IOException {
    return open(file, seqBase, 0, rowGroupCount(file));
  }

  /** Reads row groups {@code firstRowGroup} .. {@code firstRowGroup + rowGroupCount - 1}. */
  public static ParquetTraceReader open(Path file, long seqBase, int firstRowGroup, int rowGroupCount)
      throws IOException {
    return new ParquetTraceReader(file, seqBase, firstRowGroup, rowGroupCount);
  }

  public static int rowGroupCount(Path file) throws IOException {
    try (ParquetFileReader r = openFile(file)) {
      return r.getRowGroups().size();
    }
  }

  public static long rowCount(Path file) throws IOException {
    try (ParquetFileReader r = openFile(file)) {
      return r.getRecordCount();
    }
  }

  /** The file's key-value metadata (including any that other writers, e.g. Spark, put there). */
  public static Map<String, String> keyValueMetadata(Path file) throws IOException {
    try (ParquetFileReader r = openFile(file)) {
      return Map.copyOf(r.getFileMetaData().getKeyValueMetaData());
    }
  }

  @Override
  public boolean next(TraceEvent into) throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (cursor == batch.rows() && !loadNextBatch()) {
      return false;
    }
    int i = cursor++;
    lastRow = batch.firstRow() + i;
    try {
      batch.fill(i, into);
    } catch (TraceFormatException e) {
      failure = e;
      throw e;
    }
    return true;
  }

  /**
   * The next batch of events, or null at the end of the input: rows {@code [0, rows)} of the returned
   * columns, valid until the next call. A batch holds only good rows; when a bad row follows them, the
   * next call throws its error (and {@link #position()} names it), as {@link #next} would on reaching it.
   */
  public EventColumns nextBatch() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (badRowNext) {
      return failAtBadRow();
    }
    if (!loadNextBatch()) {
      return null;
    }
    cursor = batch.rows(); // the whole batch goes out at once
    int good = batch.goodRows();
    if (good == 0) {
      return failAtBadRow();
    }
    EventColumns columns = batch.view();
    columns.rows = good;
    badRowNext = good < batch.rows();
    lastRow = batch.firstRow() + good - 1;
    return columns;
  }

  private EventColumns failAtBadRow() {
    failure = batch.badRowError();
    lastRow = failure.line();
    throw failure;
  }

  /** {@code <file> row <N>}: N is the 0-based row index within the file of the last event returned. */
  @Override
  public String position() {
    return fileName + " row " + lastRow;
  }

  /** {@link #position()} of row {@code i} of the last batch {@link #nextBatch} returned. */
  public String position(int i) {
    return fileName + " row " + (batch.firstRow() + i);
  }

  @Override
  public void close() throws IOException {
    closeRowGroup();
    reader.close();
  }

  private boolean loadNextBatch() throws IOException {
    try {
      // a loop, because a row group may hold no rows
      while (!batch.loadNext(seqBase)) {
        closeRowGroup();
        if (nextRowGroup == endRowGroup) {
          return false;
        }
        rowGroupPages = reader.readRowGroup(nextRowGroup);
        batch.startRowGroup(rowGroupPages, reader.getRowGroups().get(nextRowGroup), nextRowGroupFirstRow);
        nextRowGroupFirstRow += rowGroupPages.getRowCount();
        nextRowGroup++;
      }
    } catch (TraceFormatException e) {
      failure = e;
      throw e;
    }
    cursor = 0;
    return true;
  }

  private void closeRowGroup() {
    if (rowGroupPages != null) {
      rowGroupPages.close();
      rowGroupPages = null;
    }
  }

  private static ParquetFileReader openFile(Path file) throws IOException {
    // PlainParquetConfiguration: no Hadoop Configuration, FileSystem or .crc files involved
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new DirectSnappyCodecFactory())
        .build();
    return ParquetFileReader.open(new LocalParquetFile(file), options);
  }
}
