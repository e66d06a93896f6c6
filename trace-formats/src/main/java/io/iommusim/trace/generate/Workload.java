package io.iommusim.trace.generate;

import io.iommusim.trace.EventSink;
import java.io.IOException;

/**
 * A synthetic workload that streams canonical events.
 *
 * <p>Contract for every implementation: exactly {@code events} events reach the sink (setup events
 * included), with {@code seq} = 0..events-1 and non-decreasing {@code ts_ns}; the stream is a pure
 * function of the options and the seed; memory does not grow with {@code events}. The sink sees one
 * reused {@link io.iommusim.trace.TraceEvent} and must copy what it keeps.
 */
public interface Workload {
  /**
   * @throws IllegalArgumentException when {@code events} is smaller than {@link #minimumEvents()}
   */
  void generate(long events, long seed, EventSink sink) throws IOException;

  /** The number of setup events, below which {@link #generate} refuses to run. */
  long minimumEvents();
}
