package io.iommusim.trace.parquet;

import io.iommusim.trace.Column;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;

/**
 * A batch of consecutive rows of one row group, decoded column by column into primitive arrays, validated, then
 * served row by row. Decoding a column in one tight loop is what makes the reader fast; keeping the batch small
 * keeps all twenty arrays in the CPU cache between decoding and serving.
 *
 * <p>Bad values do not throw during decoding: the earliest bad row of the batch is remembered and thrown when the
 * consumer reaches it, so every good row before it is still delivered, in order.
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

  private final String file;
  private final FileColumns columns;
  private final DistinctStrings kindStrings = new DistinctStrings();
  private final DistinctStrings granularityStrings = new DistinctStrings();
  private final DistinctStrings vendorStrings = new DistinctStrings();
  /** By Column ordinal; null where the file lacks the column. */
  private final ColumnChunkReader[] readers = new ColumnChunkReader[Column.values().length];

  private EventKind[] kindById = new EventKind[0];
  private Granularity[] granularityById = new Granularity[0];

  private long rowsLeftInGroup;
  private long nextFirstRow;
  private int rows;
  private long firstRow;
  private final long[] tsNs = new long[CAPACITY], seq = new long[CAPACITY], addr = new long[CAPACITY],
      size = new long[CAPACITY], phys = new long[CAPACITY], pageSize = new long[CAPACITY], data = new long[CAPACITY],
      irteLo = new long[CAPACITY], irteHi = new long[CAPACITY];
  private final int[] unit = new int[CAPACITY], sid = new int[CAPACITY], pasid = new int[CAPACITY],
      domain = new int[CAPACITY], index = new int[CAPACITY], reason = new int[CAPACITY], perm = new int[CAPACITY],
      am = new int[CAPACITY], stringIds = new int[CAPACITY];
  private final EventKind[] kind = new EventKind[CAPACITY];
  private final Granularity[] granularity = new Granularity[CAPACITY];
  private final String[] vendor = new String[CAPACITY];

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

  /** Starts on a row group whose first row is row {@code firstRowOfGroup} of the file. */
  void startRowGroup(PageReadStore pages, long firstRowOfGroup) throws IOException {
    for (Column column : Column.all()) {
      ColumnChunkReader reader = readers[column.ordinal()];
      if (reader != null) {
        reader.startChunk(pages.getPageReader(columns.descriptor(column)));
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
      throw new TraceFormatException(file, firstRow + i, badColumn, badText, badProblem);
    }
    into.tsNs = tsNs[i];
    into.seq = seq[i];
    into.kind = kind[i];
    into.unit = unit[i];
    into.sid = sid[i];
    into.pasid = pasid[i];
    into.domain = domain[i];
    into.addr = addr[i];
    into.size = size[i];
    into.phys = phys[i];
    into.perm = (byte) perm[i];
    into.pageSize = pageSize[i];
    into.data = data[i];
    into.index = index[i];
    into.irteLo = irteLo[i];
    into.irteHi = irteHi[i];
    into.granularity = granularity[i];
    into.am = (byte) am[i];
    into.reason = reason[i];
    into.vendor = vendor[i];
  }

  private void readLongs(Column column, long[] out, long absent, boolean nullIsBad)
      throws IOException {
    ColumnChunkReader reader = readers[column.ordinal()];
    if (reader == null) {
      Arrays.fill(out, 0, rows, absent);
      return;
    }
    reader.readLongs(out, rows, absent);
    if (nullIsBad && reader.nulls() > 0) {
      markFirstNull(reader, column);
    }
  }

  /** Like {@link #readLongs}, but an absent or null seq is the row's position in the input. */
  private void readSeq(long seqOfFirstRow) throws IOException {
    ColumnChunkReader reader = readers[Column.SEQ.ordinal()];
    int n = rows;
    if (reader == null) {
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
    ColumnChunkReader reader = readers[column.ordinal()];
    if (reader == null) {
      Arrays.fill(out, 0, rows, absent);
      return;
    }
    reader.readInts(out, rows, absent);
  }

  /** Fills {@link #stringIds} with the {@link DistinctStrings} id of each row, -1 for null; false if absent. */
  private boolean readStringIds(Column column, DistinctStrings strings) throws IOException {
    ColumnChunkReader reader = readers[column.ordinal()];
    if (reader == null) {
      return false;
    }
    reader.readStringIds(strings, stringIds, rows);
    return true;
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
    readStringIds(Column.KIND, kindStrings); // present: FileColumns rejects files without kind
    if (kindById.length < kindStrings.size()) {
      kindById = new EventKind[kindStrings.size()];
      for (int id = 0; id < kindById.length; id++) {
        kindById[id] = EventKind.fromText(kindStrings.value(id));
      }
    }
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      if (id < 0) {
        kind[i] = null;
        markBad(i, Column.KIND, null, "null in a required column");
      } else {
        kind[i] = kindById[id];
        if (kind[i] == null) {
          markBad(i, Column.KIND, kindStrings.value(id), "unknown kind");
        }
      }
    }
  }

  private void readGranularities() throws IOException {
    if (!readStringIds(Column.GRANULARITY, granularityStrings)) {
      Arrays.fill(granularity, 0, rows, Granularity.NONE);
      return;
    }
    if (granularityById.length < granularityStrings.size()) {
      granularityById = new Granularity[granularityStrings.size()];
      for (int id = 0; id < granularityById.length; id++) {
        granularityById[id] = Granularity.fromText(granularityStrings.value(id));
      }
    }
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      if (id < 0) {
        granularity[i] = Granularity.NONE;
      } else {
        granularity[i] = granularityById[id];
        if (granularity[i] == null) {
          markBad(i, Column.GRANULARITY, granularityStrings.value(id), "unknown granularity");
        }
      }
    }
  }

  private void readVendors() throws IOException {
    if (!readStringIds(Column.VENDOR, vendorStrings)) {
      Arrays.fill(vendor, 0, rows, null);
      return;
    }
    int[] ids = stringIds;
    for (int i = 0; i < rows; i++) {
      int id = ids[i];
      String text = id < 0 ? null : vendorStrings.value(id);
      // an empty cell means "no vendor", as in CSV
      vendor[i] = text == null || text.isEmpty() ? null : text;
    }
  }

  private void checkRange(Column column, int[] values, int min, int max) {
    for (int i = 0; i < rows && i < badRow; i++) {
      int v = values[i];
      if (v < min || v > max) {
        markBad(i, column, Integer.toString(v), "out of range " + min + ".." + max);
        return;
      }
    }
  }

  private void checkPageSizes() {
    for (int i = 0; i < rows && i < badRow; i++) {
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
