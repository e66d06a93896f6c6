package io.iommusim.pipeline.job;

import io.iommusim.trace.TraceEvent;

/** A replay partition's input: events in (ts_ns, seq) order, each with the input position it came from. */
interface EventCursor {
  /** Fills {@code into} and returns true, or returns false at the end. */
  boolean next(TraceEvent into) throws Exception;

  /** Where the last event came from, for error messages: {@code file:line} or {@code file row N}. */
  String position();
}
