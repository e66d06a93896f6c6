package io.iommusim.trace;

/**
 * Bad input: names the file, the line (or row), the column and the offending text, so a user can fix the trace.
 */
public class TraceFormatException extends RuntimeException {
  private final String file;
  private final long line;
  private final String column;
  private final String text;

  /**
   * @param file the input's name as the user gave it
   * @param line 1-based line number (CSV) or 0-based row number (Parquet); -1 when unknown
   * @param column the contract column name, or null when the problem is not in one column
   * @param text the offending text (null when not applicable)
   * @param problem what was wrong, e.g. "not a number"
   */
  public TraceFormatException(String file, long line, String column, String text, String problem) {
    super(message(file, line, column, text, problem));
    this.file = file;
    this.line = line;
    this.column = column;
    this.text = text;
  }

  private static String message(String file, long line, String column, String text, String problem) {
    StringBuilder b = new StringBuilder();
    b.append(file);
    if (line >= 0) {
      b.append(':').append(line);
    }
    b.append(": ");
    if (column != null) {
      b.append("column '").append(column).append("': ");
    }
    b.append(problem);
    if (text != null) {
      b.append(": '").append(text.length() > 200 ? text.substring(0, 200) + "…" : text).append('\'');
    }
    return b.toString();
  }

  public String file() {
    return file;
  }

  public long line() {
    return line;
  }

  public String column() {
    return column;
  }

  public String text() {
    return text;
  }
}
