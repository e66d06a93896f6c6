package io.iommusim.trace.csv;

import io.iommusim.trace.Column;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams events from a canonical CSV trace (architecture.md, "Canonical event model"): a header naming
 * any subset of the contract columns in any order ({@code ts_ns} and {@code kind} required), then one
 * event per line. {@code #} comment lines and blank lines are skipped anywhere; an empty field takes the
 * column default. Without a {@code seq} column (or with an empty seq field) an event's seq is
 * {@code seqBase} plus its 1-based line number, so that seq leads back to the line.
 *
 * <p>Every problem is a {@link TraceFormatException} naming file, line, column and the offending text.
 * An input without any header (empty, or only comments) yields no events.
 */
public final class CanonicalCsvReader implements EventSource {
  private static final int PASID_MAX = 0xFFFFF;
  private static final int MAX_ADDRESS_MASK = 63;

  private final LineScanner lines;
  private final String fileName;
  private final long seqBase;
  private Column[] layout;
  private long lastRecordLine = -1;

  public CanonicalCsvReader(Reader in, String fileName, long seqBase) {
    this.lines = new LineScanner(in);
    this.fileName = fileName;
    this.seqBase = seqBase;
  }

  /** Opens {@code file} as UTF-8; error messages name the file as {@code file.toString()}. */
  public static CanonicalCsvReader open(Path file, long seqBase) throws IOException {
    return new CanonicalCsvReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString(), seqBase);
  }

  @Override
  public boolean next(TraceEvent into) throws IOException {
    while (lines.next()) {
      char[] b = lines.buffer();
      int from = lines.start();
      int to = lines.end();
      while (from < to && Fields.isBlank(b[from])) {
        from++;
      }
      if (from == to || b[from] == '#') {
        continue;
      }
      if (layout == null) {
        layout = CsvHeader.parse(b, from, to, fileName, lines.lineNumber());
        continue;
      }
      lastRecordLine = lines.lineNumber();
      parseRecord(b, from, to, into);
      return true;
    }
    return false;
  }

  private void parseRecord(char[] b, int from, int to, TraceEvent e) {
    e.clear();
    Column[] columns = layout;
    int p = from;
    for (int i = 0; i < columns.length; i++) {
      int comma = p;
      while (comma < to && b[comma] != ',') {
        comma++;
      }
      if (comma == to && i < columns.length - 1) {
        throw fieldCountError(b, from, to);
      }
      int fieldFrom = p;
      int fieldTo = comma;
      while (fieldFrom < fieldTo && Fields.isBlank(b[fieldFrom])) {
        fieldFrom++;
      }
      while (fieldTo > fieldFrom && Fields.isBlank(b[fieldTo - 1])) {
        fieldTo--;
      }
      Column column = columns[i];
      if (fieldFrom < fieldTo) {
        try {
          setField(e, column, b, fieldFrom, fieldTo);
        } catch (BadFieldException problem) {
          throw new TraceFormatException(fileName, lines.lineNumber(), column.columnName(),
              new String(b, fieldFrom, fieldTo - fieldFrom), problem.getMessage());
        }
      } else if (column == Column.TS_NS || column == Column.KIND) {
        throw new TraceFormatException(fileName, lines.lineNumber(), column.columnName(), "", "missing value");
      }
      p = comma + 1;
    }
    if (p <= to) { // a comma after the last field
      throw fieldCountError(b, from, to);
    }
    if (e.seq == TraceEvent.NO_SEQ) {
      e.seq = seqBase + lines.lineNumber();
    }
  }

  private static void setField(TraceEvent e, Column column, char[] b, int from, int to) {
    switch (column) {
      case TS_NS: e.tsNs = Fields.parseLong(b, from, to); break;
      case SEQ: e.seq = Fields.parseLong(b, from, to); break;
      case KIND: e.kind = Fields.parseKind(b, from, to); break;
      case UNIT: e.unit = Fields.parseInt(b, from, to, 0, Integer.MAX_VALUE, "out of range (must be >= 0)"); break;
      case SID: e.sid = Fields.parseSid(b, from, to); break;
      case PASID: e.pasid = Fields.parseInt(b, from, to, -1, PASID_MAX, "out of range (-1..0xfffff)"); break;
      case DOMAIN: e.domain = Fields.parseInt(b, from, to, -1, Integer.MAX_VALUE, "out of range (must be >= -1)"); break;
      case ADDR: e.addr = Fields.parseLong(b, from, to); break;
      case SIZE: e.size = nonNegative(Fields.parseLong(b, from, to)); break;
      case PHYS: e.phys = Fields.parseLong(b, from, to); break;
      case PERM: e.perm = Fields.parsePerm(b, from, to); break;
      case PAGE_SIZE: e.pageSize = pageSize(Fields.parseLong(b, from, to)); break;
      case DATA: e.data = Fields.parseLong(b, from, to); break;
      case INDEX: e.index = Fields.parseInt(b, from, to, -1, Integer.MAX_VALUE, "out of range (must be >= -1)"); break;
      case IRTE_LO: e.irteLo = Fields.parseLong(b, from, to); break;
      case IRTE_HI: e.irteHi = Fields.parseLong(b, from, to); break;
      case GRANULARITY: e.granularity = Fields.parseGranularity(b, from, to); break;
      case AM: e.am = (byte) Fields.parseInt(b, from, to, 0, MAX_ADDRESS_MASK, "out of range (0..63)"); break;
      case REASON: e.reason = Fields.parseInt(b, from, to, Integer.MIN_VALUE, Integer.MAX_VALUE, null); break;
      case VENDOR: e.vendor = Fields.parseVendor(b, from, to); break;
      default: throw new IllegalStateException("column without a parser: " + column);
    }
  }

  private static long nonNegative(long size) {
    if (size < 0) {
      throw new BadFieldException("out of range (must be >= 0)");
    }
    return size;
  }

  private static long pageSize(long size) {
    if (size != 4096 && size != 2L << 20 && size != 1L << 30) {
      throw new BadFieldException("not a page size (4096, 2097152, 1073741824)");
    }
    return size;
  }

  private TraceFormatException fieldCountError(char[] b, int from, int to) {
    int fields = 1;
    for (int i = from; i < to; i++) {
      if (b[i] == ',') {
        fields++;
      }
    }
    return new TraceFormatException(fileName, lines.lineNumber(), null, new String(b, from, to - from),
        "expected " + layout.length + " fields, found " + fields);
  }

  /** {@code file:line} of the last event returned, or just the file name before the first. */
  @Override
  public String position() {
    return lastRecordLine < 0 ? fileName : fileName + ":" + lastRecordLine;
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
