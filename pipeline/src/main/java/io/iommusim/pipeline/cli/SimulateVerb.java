package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.pipeline.output.StatsTables;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** {@code simulate}: replay canonical traces through the IOMMU model and write the result tables. */
final class SimulateVerb implements Verb {
  @Override
  public String name() {
    return "simulate";
  }

  @Override
  public String summary() {
    return "replay traces through the IOMMU model; write per-domain statistics as Parquet";
  }

  @Override
  public Options options() {
    Options o = new Options();
    CommonOptions.addInputs(o, "trace files or directories (canonical CSV or Parquet, or a format below), in the order "
        + "that defines seq");
    CommonOptions.addOutput(o, "output directory for the result tables");
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public int run(CommandLine cl) {
    SimulateJob.Request r = new SimulateJob.Request();
    CommonOptions.fillInputs(cl, r);
    return CommonOptions.inSpark(cl, "simulate", spark -> {
      SimulateJob.Result result = new SimulateJob(spark).run(r);
      printSummary(result);
      CommonOptions.printImportSummary(result.importReports, result.reportFile, result.rejectsFile);
      return 0;
    });
  }

  @Override
  public String footer() {
    return CommonOptions.importersHelp();
  }

  static void printSummary(SimulateJob.Result r) {
    System.out.println();
    System.out.printf("iommusim simulate: config %s, %,d records replayed, %,d faults -> %s%n",
        r.configId, r.recordsReplayed, r.faults, r.out);
    System.out.printf("%5s %7s %8s %14s %10s %10s %12s %12s%n",
        "unit", "domain", "devices", "translations", "iotlb_miss", "faults", "walk_p50_ns", "walk_p99_ns");
    StructType schema = StatsTables.domainStatsSchema();
    for (Row row : r.domainStats) {
      Object missRatio = row.get(schema.fieldIndex("iotlb_miss_ratio"));
      Object p50 = row.get(schema.fieldIndex("walk_latency_p50_ns"));
      Object p99 = row.get(schema.fieldIndex("walk_latency_p99_ns"));
      System.out.printf("%5d %7d %8d %,14d %10s %,10d %12s %12s%n",
          row.getInt(schema.fieldIndex("unit")), row.getInt(schema.fieldIndex("domain")),
          row.getInt(schema.fieldIndex("devices")), row.getLong(schema.fieldIndex("translations")),
          missRatio == null ? "-" : String.format("%.2f%%", 100 * (Double) missRatio),
          row.getLong(schema.fieldIndex("faults")),
          p50 == null ? "-" : p50.toString(), p99 == null ? "-" : p99.toString());
    }
  }
}
