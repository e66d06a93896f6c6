package io.iommusim.pipeline.job;

import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.parquet.ParquetTraceReader;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.IOException;

/**
 * Replay input from one file of a prepared trace. Unit-wide (broadcast) events are skipped here:
 * the driver hands them to every partition from the trace's control file.
 */
final class PreparedFileCursor implements EventCursor, AutoCloseable {
  private final ParquetTraceReader reader;
  long skippedBroadcast;

  PreparedFileCursor(String file) throws IOException {
    this.reader = ParquetTraceReader.open(io.iommusim.pipeline.ingest.InputSplit.localPath(file), 0);
  }

  @Override
  public boolean next(TraceEvent into) throws IOException {
    while (reader.next(into)) {
      if (!VtdTranslator.isBroadcast(into)) {
        return true;
      }
      skippedBroadcast++;
    }
    reader.close();
    return false;
  }

  @Override
  public String position() {
    return reader.position();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
