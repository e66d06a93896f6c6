package io.iommusim.trace.csv;

import io.iommusim.trace.Column;
import io.iommusim.trace.TraceFormatException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Reads the header row of a canonical CSV file: which contract column each field position holds. */
final class CsvHeader {
  private CsvHeader() {}

  /** @return the column of each field position, validated (known names, no duplicates, ts_ns and kind present) */
  static Column[] parse(char[] b, int from, int to, String file, long line) {
    List<Column> layout = new ArrayList<>();
    EnumSet<Column> seen = EnumSet.noneOf(Column.class);
    int p = from;
    while (true) {
      int comma = Fields.indexOf(b, p, to, ',');
      int fieldEnd = comma < 0 ? to : comma;
      String name = trimmed(b, p, fieldEnd);
      Column column = Column.byName(name);
      if (column == null) {
        throw new TraceFormatException(file, line, null, name, "unknown column");
      }
      if (!seen.add(column)) {
        throw new TraceFormatException(file, line, null, name, "duplicate column");
      }
      layout.add(column);
      if (comma < 0) {
        break;
      }
      p = comma + 1;
    }
    for (Column required : new Column[] {Column.TS_NS, Column.KIND}) {
      if (!seen.contains(required)) {
        throw new TraceFormatException(file, line, null, required.columnName(), "missing required column");
      }
    }
    return layout.toArray(new Column[0]);
  }

  private static String trimmed(char[] b, int from, int to) {
    while (from < to && Fields.isBlank(b[from])) {
      from++;
    }
    while (to > from && Fields.isBlank(b[to - 1])) {
      to--;
    }
    return new String(b, from, to - from);
  }
}
