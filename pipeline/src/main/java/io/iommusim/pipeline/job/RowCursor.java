package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.EventRows;
import io.iommusim.trace.EventColumns;
import io.iommusim.trace.TraceEvent;
import java.util.Iterator;
import org.apache.spark.sql.Row;

/** Replay input from sorted Spark rows, gathered into batches. */
final class RowCursor implements EventCursor {
  /** Rows per batch: enough to make the per-batch work negligible, few enough to stay in cache. */
  static final int BATCH = 1024;

  private final Iterator<Row> rows;
  private final SourceNames names;
  private final EventColumns batch = new EventColumns(BATCH);
  private final TraceEvent event = new TraceEvent();

  RowCursor(Iterator<Row> rows, SourceNames names) {
    this.rows = rows;
    this.names = names;
  }

  @Override
  public EventColumns nextBatch() {
    int n = 0;
    while (n < BATCH && rows.hasNext()) {
      batch.setRow(n++, EventRows.fill(rows.next(), event));
    }
    batch.rows = n;
    return n == 0 ? null : batch;
  }

  @Override
  public String position(int i) {
    return names.position(batch.seq[i]);
  }
}
