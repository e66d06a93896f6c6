package io.iommusim.pipeline.job;

import io.iommusim.trace.EventColumns;

/**
 * A replay partition's input: events in (ts_ns, seq) order, a batch at a time. A batch may hold
 * broadcast events ({@link io.iommusim.translator.vtd.VtdTranslator#isBroadcast}): consumers skip them.
 */
interface EventCursor {
  /** The next batch (at least one row), valid until the next call; null at the end. */
  EventColumns nextBatch() throws Exception;

  /** Where row {@code i} of the last batch came from, for error messages: {@code file:line} or {@code file row N}. */
  String position(int i);
}
