package io.iommusim.pipeline.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A job over canonical traces: the inputs (in the order that defines seq) and their format. */
public class TraceJobRequest extends OutputRequest {
  public List<String> inputs = new ArrayList<>();
  /** csv, parquet, an importer's name, or auto (by file extension, then by content). */
  public String format = "auto";
  /** Importer options ({@code -o key=value}). */
  public Map<String, String> importOptions = Map.of();
  /** Fail on the first line an importer cannot parse. */
  public boolean strict;
  /** Synthesize device accesses from imported DMA mappings. */
  public boolean synthesizeAccess;
}
