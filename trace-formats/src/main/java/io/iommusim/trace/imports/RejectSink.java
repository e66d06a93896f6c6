package io.iommusim.trace.imports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Receives every unparsed line. The rejects file holds one line per rejected input line:
 * {@code <file>:<line><TAB><reason><TAB><text as read>}.
 */
public interface RejectSink {
  void reject(String file, long line, String reason, String text);

  /** Discards rejects (the report still counts them). */
  RejectSink NONE = (file, line, reason, text) -> { };

  /** Writes the rejects file format to {@code out}; the caller closes {@code out}. */
  static RejectSink to(Writer out) {
    return (file, line, reason, text) -> {
      try {
        out.write(file + ":" + line + "\t" + reason + "\t" + text + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the rejects file", e);
      }
    };
  }
}
