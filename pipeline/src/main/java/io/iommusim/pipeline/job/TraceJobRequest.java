package io.iommusim.pipeline.job;

import java.util.ArrayList;
import java.util.List;

/** A job over canonical traces: the inputs (in the order that defines seq) and their format. */
public class TraceJobRequest extends OutputRequest {
  public List<String> inputs = new ArrayList<>();
  /** csv, parquet or auto (by file extension). */
  public String format = "auto";
}
