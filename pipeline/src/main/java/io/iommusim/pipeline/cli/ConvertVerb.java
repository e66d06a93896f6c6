package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.ConvertJob;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code convert}: canonical CSV ↔ Parquet; Parquet output is a prepared trace. */
final class ConvertVerb implements Verb {
  @Override
  public String name() {
    return "convert";
  }

  @Override
  public String summary() {
    return "convert traces (canonical or imported) to canonical OUT.csv, or to a prepared Parquet trace directory "
        + "(any other OUT)";
  }

  @Override
  public Options options() {
    Options o = new Options();
    CommonOptions.addInputs(o, "trace files or directories (canonical CSV or Parquet, or a format below)");
    CommonOptions.addOutput(o, "OUT.csv for canonical CSV; otherwise a prepared Parquet trace directory, clustered "
        + "for the model setting partition.by (device by default)");
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public int run(CommandLine cl) {
    ConvertJob.Request r = new ConvertJob.Request();
    CommonOptions.fillInputs(cl, r);
    return CommonOptions.inSpark(cl, "convert", spark -> {
      ConvertJob.Result result = new ConvertJob(spark).convert(r);
      System.out.printf("iommusim convert: %,d events -> %s%n", result.events, r.out);
      CommonOptions.printImportSummary(result.importReports, result.reportFile, result.rejectsFile);
      return 0;
    });
  }

  @Override
  public String footer() {
    return CommonOptions.importersHelp();
  }
}
