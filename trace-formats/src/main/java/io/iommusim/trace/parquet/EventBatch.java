package io.iommusim.trace.parquet;

import io.iommusim.trace.Column;
import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/**
 * A batch of consecutive rows of one row group, decoded column by column into primitive arrays, validated, then
 * served row by row. Decoding a column in one tight loop is what makes the reader fast; keeping the batch small
 * keeps all twenty arrays in the CPU cache between decoding and serving.
 *
 * <p>Bad values do not throw during decoding: the earliest bad row of the batch is remembered and thrown when the
 * consumer reaches it, so every good row before it is still delivered, in order.
 *
 * <p>A column that holds one value throughout a row group (absent from the file, or a chunk whose statistics
 * prove it, see {@link ColumnChunkReader#uniform()}) fills its array once and is skipped by every batch of the
 * group. Kinds and granularities are kept as byte codes, not references: a reference store into an array or
 * object that has reached the old generation costs a GC write barrier with a memory fence, per row.
 */
final class EventBatch {
  /** Rows per batch: 20 columns of at most 8 bytes stay within a typical L2 cache. */
  static final int CAPACITY = 4096;

  private static final long PAGE_4K = 4096;
  private static final long PAGE_2M = 2L << 20;
  private static final long PAGE_1G = 1L << 30;
  private static final int MAX_PERM = Perm.READ_WRITE;
  private static final int MAX_AM = 63;
  private static final int NO_ROW = Integer.MAX_VALUE;
  /** Kind code of a null or unknown kind (such a row is bad and never delivered). */
  private static final byte NO_KIND = -1;
  private static final int COLUMNS = Column.values().length;

  private final String file;
  private final FileColumns columns;
  private final DistinctStrings kindStrings = new DistinctStrings();
  private final DistinctStrings granularityStrings = new DistinctStrings();
  private final DistinctStrings vendorStrings = new DistinctStrings();
  /** By Column ordinal; null where the file lacks the column. */
  private final ColumnChunkReader[] readers = new ColumnChunkReader[Column.values().length];

  /** {@link DistinctStrings} id → kind ordinal, or {@link #NO_KIND} when the text is no kind. */
  private byte[] kindCodeById = new byte[0];
  /** {@link DistinctStrings} id → granularity ordinal, or -1 when the text is no granularity. */
  private byte[] granularityCodeById = new byte[0];
  /**
   * By Column ordinal: the column's array already holds its one value (absent column, or uniform chunk) in
   * every slot, so batches neither decode nor fill it.
   */
  private final boolean[] filled = new boolean[COLUMNS];

  private long rowsLeftInGroup;
  private long nextFirstRow;
  private int rows;
  private long firstRow;
  /** The decoded batch; the arrays below are its columns. */
  private final EventColumns view = new EventColumns(CAPACITY);
  private final long[] tsNs = view.tsNs, seq = view.seq, addr = view.addr, size = view.size, phys = view.phys,
      pageSize = view.pageSize, data = view.data, irteLo = view.irteLo, irteHi = view.irteHi;
  private final int[] unit = view.unit, sid = view.sid, pasid = view.pasid, domain = view.domain,
      index = view.index, reason = view.reason, perm = view.perm, am = view.am;
  private final int[] stringIds = new int[CAPACITY];
  private final byte[] kind = view.kind;
  private final byte[] granularity = view.granularity;
  private final String[] vendor = view.vendor;

  private int badRow = NO_ROW;
  private String badColumn;
  private String badText;
  private String badProblem;

  EventBatch(String file, FileColumns columns) {
    this.file = file;
    this.columns = columns;
    for (Column column : Column.all()) {
      ColumnDescriptor descriptor = columns.descriptor(column);
      if (descriptor != null) {
        readers[column.ordinal()] = new ColumnChunkReader(file, descriptor);
      }
    }
  }

  /** Rows in the current batch. */
  int rows() {
    return rows;
  }

  /** File row index of the first row of the current batch. */
  long firstRow() {
    return firstRow;
  }

  /**
   * Starts on a row group whose first row is row {@code firstRowOfGroup} of the file.
   * @param block the row group's footer metadata (for the chunks' statistics)
   */
  void startRowGroup(PageReadStore pages, BlockMetaData block, long firstRowOfGroup) throws IOException {
    for (Column column : Column.all()) {
      ColumnChunkReader reader = readers[column.ordinal()];
      if (reader != null) {
        reader.startChunk(pages.getPageReader(columns.descriptor(column)), statisticsOf(block, column),
            pages.getRowCount());
        filled[column.ordinal()] = false;
      }
    }
    rowsLeftInGroup = pages.getRowCount();
    nextFirstRow = firstRowOfGroup;
    rows = 0;
  }

  /** Decodes the next batch of the current row group; false when the row group is used up. */
  boolean loadNext(long seqBase) throws IOException {
    if (rowsLeftInGroup == 0) {
      return false;
    }
    this.rows = (int) Math.min(CAPACITY, rowsLeftInGroup);
    view.rows = rows;
    this.firstRow = nextFirstRow;
    rowsLeftInGroup -= rows;
    nextFirstRow += rows;
    this.badRow = NO_ROW;
    try {
      decodeColumns(seqBase);
    } catch (ArrayIndexOutOfBoundsException e) {
      // a dictionary id beyond its dictionary: checking each id would cost more than this catch
      throw new TraceFormatException(file, firstRow, null, null, "corrupt Parquet data: " + e.getMessage());
    }
    return true;
  }

  private static Statistics<?> statisticsOf(BlockMetaData block, Column column) {
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      String[] path = chunk.getPath().toArray();
      if (path.length == 1 && path[0].equals(column.columnName())) {
        return chunk.getStatistics();
      }
    }
    return null;
  }

  private void decodeColumns(long seqBase) throws IOException {
    // canonical column order, so that of two bad values in one row the earlier column is reported
    readLongs(Column.TS_NS, tsNs, 0, true);
    readSeq(seqBase + firstRow);
    readKinds();
    readInts(Column.UNIT, unit, 0);
    readInts(Column.SID, sid, TraceEvent.NONE);
    readInts(Column.PASID, pasid, TraceEvent.NONE);
    readInts(Column.DOMAIN, domain, TraceEvent.NONE);
    readLongs(Column.ADDR, addr, 0, false);
    readLongs(Column.SIZE, size, 0, false);
    readLongs(Column.PHYS, phys, 0, false);
    readInts(Column.PERM, perm, Perm.READ_WRITE);
    checkRange(Column.PERM, perm, 0, MAX_PERM);
    readLongs(Column.PAGE_SIZE, pageSize, PAGE_4K, false);
    checkPageSizes();
    readLongs(Column.DATA, data, 0, false);
    readInts(Column.INDEX, index, TraceEvent.NONE);
    readLongs(Column.IRTE_LO, irteLo, 0, false);
    readLongs(Column.IRTE_HI, irteHi, 0, false);
    readGranularities();
    readInts(Column.AM, am, 0);
    checkRange(Column.AM, am, 0, MAX_AM);
    readInts(Column.REASON, reason, TraceEvent.NONE);
    readVendors();
  }

  /**
   * Copies row {@code i} into {@code into}.
   * @throws TraceFormatException when row {@code i} is the first bad row of this batch
   */
  void fill(int i, TraceEvent into) {
    if (i == badRow) {
      throw badRowError();
    }
    view.copyRow(i, into);
  }

  /** The current batch as columns (valid until the next {@link #loadNext}). */
  EventColumns view() {
    return view;
  }

  /** Rows of the current batch before its first bad row (all of them when none is bad). */
  int goodRows() {
    return Math.min(rows, badRow);
  }

  /** The error of the current batch's first bad row; call only when {@link #goodRows()} < {@link #rows()}. */
  TraceFormatException badRowError() {
    return new TraceFormatException(file, firstRow + badRow, badColumn, badText, badProblem);
  }

  private void readLongs(Column column, long[] out, long absent, boolean nullIsBad)
      throws IOException {
    int c = column.ordinal();
    if (filled[c]) {
      return;
    }
    ColumnChunkReader reader = readers[c];
    if (reader == null || (reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL && !nullIsBad)) {
      fillAll(c, out, absent);
      return;
    }
    if (reader.uniform() == ColumnChunkReader.Uniform.ONE_VALUE) {
      fillAll(c, out, reader.uniformLong());
      return;
    }
    reader.readLongs(out, rows, absent);
    if (nullIsBad && reader.nulls() > 0) {
      markFirstNull(reader, column);
    }
  }

  private void fillAll(int column, long[] out, long value) {
    Arrays.fill(out, value);
    filled[column] = true;
  }

  private void fillAll(int column, int[] out, int value) {
    Arrays.fill(out, value);
    filled[column] = true;
  }

  /** Like {@link #readLongs}, but an absent or null seq is the row's position in the input. */
  private void readSeq(long seqOfFirstRow) throws IOException {
    ColumnChunkReader reader = readers[Column.SEQ.ordinal()];
    int n = rows;
    if (reader != null && reader.uniform() == ColumnChunkReader.Uniform.ONE_VALUE) {
      if (!filled[Column.SEQ.ordinal()]) {
        fillAll(Column.SEQ.ordinal(), seq, reader.uniformLong());
      }
      return;
    }
    if (reader == null || reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL) {
      for (int i = 0; i < n; i++) {
        seq[i] = seqOfFirstRow + i;
      }
      return;
    }
    reader.readLongs(seq, n, 0);
    if (reader.nulls() > 0) {
      for (int i = 0; i < n; i++) {
        if (reader.isNull(i)) {
          seq[i] = seqOfFirstRow + i;
        }
      }
    }
  }

  private void readInts(Column column, int[] out, int absent) throws IOException {
    int c = column.ordinal();
    if (filled[c]) {
      return;
    }
    ColumnChunkReader reader = readers[c];
    if (reader == null || reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL) {
      fillAll(c, out, absent);
      return;
    }
    if (reader.uniform() == ColumnChunkReader.Uniform.ONE_VALUE) {
      fillAll(c, out, (int) reader.uniformLong());
      return;
    }
    reader.readInts(out, rows, absent);
  }

  private void markFirstNull(ColumnChunkReader reader, Column column) {
    for (int i = 0; i < rows; i++) {
      if (reader.isNull(i)) {
        markBad(i, column, null, "null in a required column");
        return;
      }
    }
  }

  private void readKinds() throws IOException {
    int c = Column.KIND.ordinal();
    ColumnChunkReader reader = readers[c]; // present: FileColumns rejects files without kind
    if (reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL) {
      Arrays.fill(kind, 0, rows, NO_KIND);
      markBad(0, Column.KIND, null, "null in a required column");
      return;
    }
    if (reader.uniform() == ColumnChunkReader.Uniform.ONE_VALUE) {
      int id = kindStrings.idOf(reader.uniformBinary());
      byte code = kindCodeOf(id);
      if (!filled[c]) {
        Arrays.fill(kind, code);
        filled[c] = true;
      }
      if (code == NO_KIND) {
        markBad(0, Column.KIND, kindStrings.value(id), "unknown kind");
      }
      return;
    }
    reader.readStringIds(kindStrings, stringIds, rows);
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      byte code = id < 0 ? NO_KIND : kindCodeOf(id);
      kind[i] = code;
      if (code == NO_KIND) {
        if (id < 0) {
          markBad(i, Column.KIND, null, "null in a required column");
        } else {
          markBad(i, Column.KIND, kindStrings.value(id), "unknown kind");
        }
      }
    }
  }

  private byte kindCodeOf(int id) {
    if (id >= kindCodeById.length) {
      kindCodeById = Arrays.copyOf(kindCodeById, Math.max(kindStrings.size(), id + 1));
      for (int i = 0; i < kindCodeById.length; i++) {
        EventKind k = EventKind.fromText(kindStrings.value(i));
        kindCodeById[i] = k == null ? NO_KIND : (byte) k.ordinal();
      }
    }
    return kindCodeById[id];
  }

  private void readGranularities() throws IOException {
    int c = Column.GRANULARITY.ordinal();
    if (filled[c]) {
      return;
    }
    ColumnChunkReader reader = readers[c];
    if (reader == null || reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL) {
      Arrays.fill(granularity, (byte) Granularity.NONE.ordinal());
      filled[c] = true;
      return;
    }
    if (reader.uniform() == ColumnChunkReader.Uniform.ONE_VALUE) {
      int id = granularityStrings.idOf(reader.uniformBinary());
      byte code = granularityCodeOf(id);
      if (code < 0) {
        Arrays.fill(granularity, 0, rows, (byte) Granularity.NONE.ordinal());
        markBad(0, Column.GRANULARITY, granularityStrings.value(id), "unknown granularity");
        return;
      }
      Arrays.fill(granularity, code);
      filled[c] = true;
      return;
    }
    reader.readStringIds(granularityStrings, stringIds, rows);
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      byte code = id < 0 ? (byte) Granularity.NONE.ordinal() : granularityCodeOf(id);
      if (code < 0) {
        granularity[i] = (byte) Granularity.NONE.ordinal();
        markBad(i, Column.GRANULARITY, granularityStrings.value(id), "unknown granularity");
      } else {
        granularity[i] = code;
      }
    }
  }

  private byte granularityCodeOf(int id) {
    if (id >= granularityCodeById.length) {
      granularityCodeById = Arrays.copyOf(granularityCodeById, Math.max(granularityStrings.size(), id + 1));
      for (int i = 0; i < granularityCodeById.length; i++) {
        Granularity g = Granularity.fromText(granularityStrings.value(i));
        granularityCodeById[i] = g == null ? -1 : (byte) g.ordinal();
      }
    }
    return granularityCodeById[id];
  }

  private void readVendors() throws IOException {
    int c = Column.VENDOR.ordinal();
    if (filled[c]) {
      return;
    }
    ColumnChunkReader reader = readers[c];
    if (reader == null || reader.uniform() != ColumnChunkReader.Uniform.NO) {
      String text = reader == null || reader.uniform() == ColumnChunkReader.Uniform.ALL_NULL
          ? null : vendorStrings.value(vendorStrings.idOf(reader.uniformBinary()));
      Arrays.fill(vendor, text == null || text.isEmpty() ? null : text);
      filled[c] = true;
      return;
    }
    reader.readStringIds(vendorStrings, stringIds, rows);
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      String text = id < 0 ? null : vendorStrings.value(id);
      // an empty cell means "no vendor", as in CSV
      vendor[i] = text == null || text.isEmpty() ? null : text;
    }
  }

  private void checkRange(Column column, int[] values, int min, int max) {
    // a filled column holds one value: its first row stands for all
    int n = filled[column.ordinal()] ? Math.min(rows, 1) : rows;
    for (int i = 0; i < n && i < badRow; i++) {
      int v = values[i];
      if (v < min || v > max) {
        markBad(i, column, Integer.toString(v), "out of range " + min + ".." + max);
        return;
      }
    }
  }

  private void checkPageSizes() {
    int n = filled[Column.PAGE_SIZE.ordinal()] ? Math.min(rows, 1) : rows;
    for (int i = 0; i < n && i < badRow; i++) {
      long v = pageSize[i];
      if (v != PAGE_4K && v != PAGE_2M && v != PAGE_1G) {
        markBad(i, Column.PAGE_SIZE, Long.toString(v), "not a page size (4096, 2097152 or 1073741824)");
        return;
      }
    }
  }

  /** Remembers the problem if it is in an earlier row than any found so far. */
  private void markBad(int row, Column column, String text, String problem) {
    if (row < badRow) {
      badRow = row;
      badColumn = column.columnName();
      badText = text;
      badProblem = problem;
    }
  }


}
