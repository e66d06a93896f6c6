package io.iommusim.trace.csv;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

final class CsvTestSupport {
  static final String FILE = "trace.csv";

  private CsvTestSupport() {}

  static List<TraceEvent> read(String text) throws IOException {
    return read(new StringReader(text), 0);
  }

  static List<TraceEvent> read(Reader in, long seqBase) throws IOException {
    List<TraceEvent> events = new ArrayList<>();
    try (CanonicalCsvReader reader = new CanonicalCsvReader(in, FILE, seqBase)) {
      TraceEvent e = new TraceEvent();
      while (reader.next(e)) {
        events.add(e.copy());
      }
    }
    return events;
  }

  static TraceEvent readOne(String text) throws IOException {
    List<TraceEvent> events = read(text);
    if (events.size() != 1) {
      throw new AssertionError("expected one event, got " + events);
    }
    return events.get(0);
  }

  static String errorMessage(String text) {
    return assertThrows(TraceFormatException.class, () -> read(text)).getMessage();
  }

  /** Hands out at most a few chars per read, so that lines straddle buffer refills. */
  static final class TrickleReader extends Reader {
    private final Reader in;
    private final int chunk;

    TrickleReader(String text, int chunk) {
      this.in = new StringReader(text);
      this.chunk = chunk;
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
      return in.read(cbuf, off, Math.min(len, chunk));
    }

    @Override
    public void close() {}
  }
}
