package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.pipeline.ingest.ReplayGroups;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * Streams the events of a task's input splits as rows: each event becomes the row {@code rowOf} makes
 * of it, or nothing when that is null. The event is reused: {@code rowOf} must copy what it keeps.
 */
final class SourceRows implements Iterator<Row> {
  private final Iterator<InputSplit> splits;
  private final Function<TraceEvent, Row> rowOf;
  private final TraceEvent event = new TraceEvent();
  private EventSource source;
  private Row next;

  SourceRows(Iterator<InputSplit> splits, Function<TraceEvent, Row> rowOf) {
    this.splits = splits;
    this.rowOf = rowOf;
  }

  /**
   * The events as grouped rows ({@link EventRows#groupedSchema()}), leaving out broadcast events (the
   * driver hands those to every partition itself) unless {@code keepBroadcast}: all in the first
   * partition, as a prepared trace must hold every event.
   */
  static SourceRows grouped(Iterator<InputSplit> splits, ReplayGroups groups, boolean keepBroadcast) {
    return new SourceRows(splits, e -> keepBroadcast || !VtdTranslator.isBroadcast(e)
        ? EventRows.toGroupedRow(e, groups.partitionKeyOf(e))
        : null);
  }

  @Override
  public boolean hasNext() {
    try {
      while (next == null) {
        if (source == null) {
          if (!splits.hasNext()) {
            return false;
          }
          source = splits.next().open();
        }
        if (source.next(event)) {
          next = rowOf.apply(event);
        } else {
          source.close();
          source = null;
        }
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = next;
    next = null;
    return r;
  }
}
