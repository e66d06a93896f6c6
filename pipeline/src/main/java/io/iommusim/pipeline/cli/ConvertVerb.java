package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.SparkSessions;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.spark.sql.SparkSession;

/** {@code convert}: canonical CSV ↔ Parquet; Parquet output is a prepared trace. */
final class ConvertVerb implements Verb {
  @Override
  public String name() {
    return "convert";
  }

  @Override
  public String summary() {
    return "convert canonical traces: to OUT.csv, or to a prepared Parquet trace directory (any other OUT)";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("input").hasArgs().argName("PATH...").required()
        .desc("trace files or directories (canonical CSV or Parquet)").get());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("PATH").required()
        .desc("OUT.csv for canonical CSV; otherwise a prepared Parquet trace directory, clustered for "
            + "the model setting partition.by (device by default)").get());
    o.addOption(Option.builder().longOpt("format").hasArg().argName("csv|parquet|auto")
        .desc("input format (default auto: by file extension)").get());
    o.addOption(Option.builder().longOpt("overwrite").desc("replace an existing output").get());
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public int run(CommandLine cl) {
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = Arrays.asList(cl.getOptionValues("input"));
    r.out = cl.getOptionValue("out");
    r.format = cl.getOptionValue("format", "auto");
    r.overwrite = cl.hasOption("overwrite");
    r.settings = CommonOptions.settings(cl);
    SparkSession spark = SparkSessions.create("iommusim convert", CommonOptions.master(cl), CommonOptions.sparkConf(cl));
    try {
      long n = new ConvertJob(spark).run(r);
      System.out.printf("iommusim convert: %,d events -> %s%n", n, r.out);
      return 0;
    } finally {
      spark.stop();
    }
  }
}
