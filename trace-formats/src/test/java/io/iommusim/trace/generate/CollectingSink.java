package io.iommusim.trace.generate;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Keeps copies: the workload reuses one TraceEvent, so keeping the instance would be a bug. */
final class CollectingSink implements EventSink {
  final List<TraceEvent> events = new ArrayList<>();

  @Override
  public void accept(TraceEvent event) {
    events.add(event.copy());
  }

  @Override
  public void close() {}

  static List<TraceEvent> run(Workload w, long events, long seed) throws IOException {
    CollectingSink sink = new CollectingSink();
    w.generate(events, seed, sink);
    return sink.events;
  }
}
