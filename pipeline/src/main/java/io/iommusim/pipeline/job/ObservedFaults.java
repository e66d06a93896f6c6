package io.iommusim.pipeline.job;

import io.iommusim.pipeline.ingest.InputSplit;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.validate.ObservedReasons;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSource;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportedSource;
import io.iommusim.trace.imports.RejectSink;
import java.io.IOException;
import java.io.Serializable;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The faults a real system recorded ({@code validate --observed}): canonical or imported inputs, read
 * like traces, of which only {@code fault_observed} events are used. A first pass (one task per split)
 * counts and checks every record, collects the import reports and writes the rejects; the second
 * streams the observed faults as rows ({@link #SCHEMA}) for the comparison.
 *
 * <p>A {@code fault_observed} with a reason is an observed fault. One without a reason and with
 * {@code size} ≥ 1 is a suppression record: the source suppressed that many fault messages (kernel
 * rate limiting), so observed counts are lower bounds. One with neither is an error.
 */
final class ObservedFaults {
  /** Observed faults, classified for matching ({@link ObservedReasons}). */
  static final StructType SCHEMA = DataTypes.createStructType(List.of(
      DataTypes.createStructField("ts_ns", DataTypes.LongType, false),
      DataTypes.createStructField("rid", DataTypes.IntegerType, false),
      DataTypes.createStructField("access", DataTypes.StringType, false),
      DataTypes.createStructField("loc", DataTypes.LongType, false),
      DataTypes.createStructField("vendor", DataTypes.StringType, false),
      DataTypes.createStructField("vendor_code", DataTypes.IntegerType, false)));

  /** What the first pass found in one split. */
  static final class Scan implements Serializable {
    private static final long serialVersionUID = 1L;
    int inputIndex;
    long records;
    long faults;
    long suppressionRecords;
    long suppressed;
    long otherEvents;
    ImportReport report;
  }

  final List<Input> inputs;
  final List<InputSplit> splits;
  final long[] recordsPerInput;
  final long records;
  final long faults;
  final long suppressionRecords;
  /** Fault messages the sources suppressed: when above 0, observed counts are lower bounds. */
  final long suppressed;
  /** Events of other kinds in the observed inputs (counted, not used). */
  final long otherEvents;
  final List<ImportReport> importReports;

  private ObservedFaults(List<Input> inputs, List<InputSplit> splits, List<Scan> scans) {
    this.inputs = inputs;
    this.splits = splits;
    this.recordsPerInput = new long[inputs.size()];
    long rec = 0;
    long f = 0;
    long sr = 0;
    long s = 0;
    long o = 0;
    ImportReport[] reports = new ImportReport[inputs.size()];
    for (Scan scan : scans) {
      recordsPerInput[scan.inputIndex] += scan.records;
      rec += scan.records;
      f += scan.faults;
      sr += scan.suppressionRecords;
      s += scan.suppressed;
      o += scan.otherEvents;
      if (scan.report != null) {
        reports[scan.inputIndex] = scan.report;
      }
    }
    this.records = rec;
    this.faults = f;
    this.suppressionRecords = sr;
    this.suppressed = s;
    this.otherEvents = o;
    List<ImportReport> r = new ArrayList<>();
    for (ImportReport report : reports) {
      if (report != null) {
        r.add(report);
      }
    }
    this.importReports = r;
  }

  /** The first pass: counts, checks, import reports and rejects. */
  static ObservedFaults scan(JavaSparkContext jsc, List<Input> inputs) {
    List<InputSplit> splits = InputSplit.plan(inputs);
    List<Scan> scans = jsc.parallelize(splits, Math.max(1, splits.size())).map(ObservedFaults::scanSplit).collect();
    ObservedFaults o = new ObservedFaults(inputs, splits, scans);
    if (o.records != o.faults + o.suppressionRecords + o.otherEvents) {
      throw new IllegalStateException("observed record accounting failed: " + o.records + " read, " + o.faults
          + " faults + " + o.suppressionRecords + " suppression records + " + o.otherEvents + " other events");
    }
    return o;
  }

  private static Scan scanSplit(InputSplit split) throws IOException {
    Scan scan = new Scan();
    scan.inputIndex = split.input.index;
    Writer rejects = split.input.rejectsPart == null ? null : ControlScan.openRejects(split.input.rejectsPart);
    TraceEvent e = new TraceEvent();
    try (EventSource source = rejects == null ? split.open() : split.openImported(RejectSink.to(rejects))) {
      while (source.next(e)) {
        scan.records++;
        switch (classify(e, split.input)) {
          case FAULT -> scan.faults++;
          case SUPPRESSION -> {
            scan.suppressionRecords++;
            scan.suppressed += e.size;
          }
          default -> scan.otherEvents++;
        }
      }
      if (source instanceof ImportedSource) {
        scan.report = ((ImportedSource) source).report();
      }
    } finally {
      if (rejects != null) {
        rejects.close();
      }
    }
    return scan;
  }

  private enum Kind { FAULT, SUPPRESSION, OTHER }

  private static Kind classify(TraceEvent e, Input input) {
    if (e.kind != EventKind.FAULT_OBSERVED) {
      return Kind.OTHER;
    }
    if (e.reason >= 0) {
      return Kind.FAULT;
    }
    if (e.size >= 1) {
      return Kind.SUPPRESSION;
    }
    throw new TraceFormatException(input.path, e.seq & ((1L << TraceInputs.SEQ_FILE_SHIFT) - 1), "reason", null,
        "a fault_observed event needs a reason (or, as a suppression record, a size of at least 1)");
  }

  /** The second pass: one row per observed fault. */
  Dataset<Row> rows(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows = jsc.parallelize(splits, Math.max(1, splits.size())).mapPartitions(
        part -> new SourceRows(part, e -> e.kind == EventKind.FAULT_OBSERVED && e.reason >= 0 ? toRow(e) : null));
    return spark.createDataFrame(rows, SCHEMA);
  }

  static Row toRow(TraceEvent e) {
    String vendor = ObservedReasons.vendor(e.vendor);
    String access = ObservedReasons.access(vendor, e.reason, e.perm);
    return RowFactory.create(e.tsNs, e.sid < 0 ? -1 : e.sid & 0xFFFF, access,
        ObservedReasons.location(access, e.reason, e.addr, e.index), vendor, e.reason);
  }
}
