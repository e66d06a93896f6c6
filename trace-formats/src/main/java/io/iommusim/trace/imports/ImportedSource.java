package io.iommusim.trace.imports;

import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;

/**
 * The canonical events of one imported input, pulled one at a time: the parser is stepped only when
 * the queue is empty, so memory stays bounded by what one line (or one ended mapping) produces.
 * After the last event, {@link #report()} is complete.
 */
public final class ImportedSource implements EventSource {
  private final InputParser parser;
  private final ImportOutput out;
  private boolean finished;

  public ImportedSource(InputParser parser, ImportOutput out) {
    this.parser = parser;
    this.out = out;
  }

  @Override
  public boolean next(TraceEvent into) throws IOException {
    while (!out.hasQueued()) {
      if (finished) {
        return false;
      }
      if (!parser.step(out)) {
        parser.finish(out);
        out.finish();
        finished = true;
      }
    }
    out.take(into);
    return true;
  }

  /** Where the events come from: the input's name (an event can stem from several lines). */
  @Override
  public String position() {
    return out.file();
  }

  /** The conversion report; complete once {@link #next} has returned false. */
  public ImportReport report() {
    return out.report();
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }
}
