package io.iommusim.trace.csv;

import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;

/**
 * Hands out lines as ranges of one reusable char buffer, so that reading a large trace allocates
 * nothing per line. A line ends at {@code \n}; a {@code \r} before it is dropped (CRLF files).
 */
final class LineScanner {
  private static final int INITIAL_CAPACITY = 1 << 16;

  private final Reader in;
  private char[] buf = new char[INITIAL_CAPACITY];
  private int pos;
  private int limit;
  private boolean eof;

  private int start;
  private int end;
  private long lineNumber;

  LineScanner(Reader in) {
    this.in = in;
  }

  /** Advances to the next line; false at the end of the input. */
  boolean next() throws IOException {
    int scanFrom = pos;
    while (true) {
      char[] b = buf;
      for (int i = scanFrom; i < limit; i++) {
        if (b[i] == '\n') {
          setLine(pos, i);
          pos = i + 1;
          return true;
        }
      }
      if (eof) {
        if (pos < limit) { // last line without a terminator
          setLine(pos, limit);
          pos = limit;
          return true;
        }
        return false;
      }
      scanFrom = fill();
    }
  }

  /** Keeps the unfinished line, reads more after it; returns where the newline search resumes. */
  private int fill() throws IOException {
    int carried = limit - pos;
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, carried);
    } else if (carried == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
    }
    pos = 0;
    limit = carried;
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
    } else {
      limit += n;
    }
    return carried;
  }

  private void setLine(int from, int to) {
    lineNumber++;
    if (to > from && buf[to - 1] == '\r') {
      to--;
    }
    if (lineNumber == 1 && to > from && buf[from] == '\uFEFF') {
      from++; // a UTF-8 byte order mark some editors put before the header
    }
    start = from;
    end = to;
  }

  /** The buffer holding the current line; valid until the next call to {@link #next()}. */
  char[] buffer() {
    return buf;
  }

  int start() {
    return start;
  }

  int end() {
    return end;
  }

  /** 1-based number of the current line. */
  long lineNumber() {
    return lineNumber;
  }

  String lineText() {
    return new String(buf, start, end - start);
  }

  void close() throws IOException {
    in.close();
  }
}
