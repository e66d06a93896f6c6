package io.iommusim.trace.imports;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads text lines with a bounded buffer: a line longer than {@link #MAX_LINE_CHARS} is consumed whole
 * but kept only in part and flagged, so that a binary or corrupt input cannot exhaust memory. Handles
 * CRLF and a byte-order mark on the first line.
 */
final class LineReader {
  static final int MAX_LINE_CHARS = 1 << 20;

  private final Reader in;
  private final char[] buf = new char[1 << 16];
  private int pos;
  private int limit;
  private final StringBuilder line = new StringBuilder(256);
  private long lineNumber;
  private boolean tooLong;

  LineReader(Reader in) {
    this.in = in;
  }

  /** Advances to the next line; false at the end of the input. */
  boolean next() throws IOException {
    line.setLength(0);
    tooLong = false;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          if (!any) {
            return false;
          }
          break;
        }
        pos = 0;
        limit = n;
      }
      any = true;
      int start = pos;
      while (pos < limit && buf[pos] != '\n') {
        pos++;
      }
      append(start, pos);
      if (pos < limit) {
        pos++; // the newline
        break;
      }
    }
    lineNumber++;
    int n = line.length();
    if (n > 0 && line.charAt(n - 1) == '\r') {
      line.setLength(n - 1);
    }
    if (lineNumber == 1 && line.length() > 0 && line.charAt(0) == '\uFEFF') {
      line.deleteCharAt(0);
    }
    return true;
  }

  private void append(int from, int to) {
    int room = MAX_LINE_CHARS - line.length();
    if (to - from > room) {
      tooLong = true;
      to = from + room;
    }
    line.append(buf, from, to - from);
  }

  String text() {
    return line.toString();
  }

  long lineNumber() {
    return lineNumber;
  }

  boolean tooLong() {
    return tooLong;
  }

  void close() throws IOException {
    in.close();
  }

  /**
   * The line without mail quoting: leading {@code >} markers (each with one optional space) that a mail
   * client puts before a quoted capture. No trace format starts a line with {@code >}.
   */
  static String stripQuote(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '>') {
      i++;
      if (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
    }
    return i == 0 ? s : s.substring(i);
  }
}
