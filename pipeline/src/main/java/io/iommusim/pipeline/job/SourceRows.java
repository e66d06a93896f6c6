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
import org.apache.spark.sql.Row;

/**
 * Streams the events of a task's input splits as grouped rows ({@link EventRows#groupedSchema()}),
 * leaving out broadcast events (the driver hands those to every partition itself).
 */
final class SourceRows implements Iterator<Row> {
  private final Iterator<InputSplit> splits;
  private final ReplayGroups groups;
  private final TraceEvent event = new TraceEvent();
  private final boolean keepBroadcast;
  private EventSource source;
  private Row next;

  /**
   * @param keepBroadcast true to keep broadcast events too (all in the first partition), as a
   *     prepared trace must hold every event
   */
  SourceRows(Iterator<InputSplit> splits, ReplayGroups groups, boolean keepBroadcast) {
    this.splits = splits;
    this.groups = groups;
    this.keepBroadcast = keepBroadcast;
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
          if (keepBroadcast || !VtdTranslator.isBroadcast(event)) {
            next = EventRows.toGroupedRow(event, groups.partitionKeyOf(event));
          }
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
