package io.iommusim.trace.imports;

import java.io.Closeable;
import java.io.IOException;

/**
 * Parses one input a piece at a time, so that memory stays bounded however long the input is. Each
 * {@link #step} reads at least one line (or record) and accounts for it through the
 * {@link ImportOutput}; events it emits are queued there until the consumer takes them.
 */
public interface InputParser extends Closeable {
  /** Reads the next line(s); false when the input is exhausted (then {@link #finish} follows). */
  boolean step(ImportOutput out) throws IOException;

  /** End of input: settles every line still held (incomplete records, unpaired events). */
  void finish(ImportOutput out);
}
