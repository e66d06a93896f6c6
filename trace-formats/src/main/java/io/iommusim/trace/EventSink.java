package io.iommusim.trace;

import java.io.IOException;

/** Receives events in order (writers, in-memory collectors). The event may be reused by the caller after return. */
public interface EventSink extends AutoCloseable {
  void accept(TraceEvent event) throws IOException;

  @Override
  void close() throws IOException;
}
