package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.trace.TraceEvent;
import java.util.Iterator;
import org.apache.spark.sql.Row;

/** Replay input from sorted Spark rows. */
final class RowCursor implements EventCursor {
  private final Iterator<Row> rows;
  private final SourceNames names;
  private long lastSeq;

  RowCursor(Iterator<Row> rows, SourceNames names) {
    this.rows = rows;
    this.names = names;
  }

  @Override
  public boolean next(TraceEvent into) {
    if (!rows.hasNext()) {
      return false;
    }
    EventRows.fill(rows.next(), into);
    lastSeq = into.seq;
    return true;
  }

  @Override
  public String position() {
    return names.position(lastSeq);
  }
}
