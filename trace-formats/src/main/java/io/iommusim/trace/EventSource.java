package io.iommusim.trace;

import java.io.IOException;

/**
 * A stream of events read from one input (a file, a row-group range, a generator).
 * {@link #next(TraceEvent)} overwrites every field of the given event, so one instance serves a whole stream.
 */
public interface EventSource extends AutoCloseable {
  /** Fills {@code into} with the next event and returns true, or returns false at the end of the input. */
  boolean next(TraceEvent into) throws IOException;

  /** Where the last event came from, for error messages: e.g. {@code trace.csv:17} or {@code part-0.parquet row 9}. */
  String position();

  @Override
  void close() throws IOException;
}
