package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.trace.EventColumns;
import io.iommusim.trace.parquet.ParquetTraceReader;
import java.io.IOException;

/**
 * Replay input from one file of a prepared trace, as the reader decodes it: batches of columns, never
 * copied row by row. The file still holds the trace's unit-wide (broadcast) events; the replay skips
 * them, as the driver hands them to every partition from the trace's control file.
 */
final class PreparedFileCursor implements EventCursor, AutoCloseable {
  private final ParquetTraceReader reader;

  PreparedFileCursor(String file) throws IOException {
    this.reader = ParquetTraceReader.open(InputSplit.localPath(file), 0);
  }

  @Override
  public EventColumns nextBatch() throws IOException {
    EventColumns batch = reader.nextBatch();
    if (batch == null) {
      reader.close();
    }
    return batch;
  }

  @Override
  public String position(int i) {
    return reader.position(i);
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
