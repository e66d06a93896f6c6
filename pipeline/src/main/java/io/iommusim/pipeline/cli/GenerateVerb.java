package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.GenerateJob;
import io.iommusim.pipeline.job.SparkSessions;
import io.iommusim.trace.generate.Workloads;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.spark.sql.SparkSession;

/** {@code generate}: a synthetic workload, streamed to canonical CSV or a prepared Parquet trace. */
final class GenerateVerb implements Verb {
  @Override
  public String name() {
    return "generate";
  }

  @Override
  public String summary() {
    return "generate a synthetic trace (" + String.join(", ", Workloads.names()) + ")";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("workload").hasArg().argName("NAME").required()
        .desc("one of " + String.join(", ", Workloads.names())).get());
    o.addOption(Option.builder().longOpt("events").hasArg().argName("N").required()
        .desc("exactly N events, setup included").get());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("random seed (default 1)").get());
    CommonOptions.addOutput(o, "OUT.csv for canonical CSV; otherwise a prepared Parquet trace directory");
    o.addOption(Option.builder("o").longOpt("option").hasArg().argName("key=value")
        .desc("workload option, repeatable; see below").get());
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public int run(CommandLine cl) {
    GenerateJob.Request r = new GenerateJob.Request();
    r.workload = cl.getOptionValue("workload");
    r.events = parseLong(cl.getOptionValue("events"), "--events");
    r.seed = parseLong(cl.getOptionValue("seed", "1"), "--seed");
    CommonOptions.fillOutput(cl, r);
    r.options = CommonOptions.keyValues(cl, "option");
    SparkSession spark = GenerateJob.needsSpark(r.out)
        ? SparkSessions.create("iommusim generate", CommonOptions.master(cl), CommonOptions.sparkConf(cl))
        : null;
    try {
      long n = new GenerateJob(spark).run(r);
      System.out.printf("iommusim generate: %s, %,d events, seed %d -> %s%n", r.workload, n, r.seed, r.out);
      return 0;
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
  }

  private static long parseLong(String s, String option) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new UsageException(option + ": '" + s + "' is not an integer");
    }
  }

  @Override
  public String footer() {
    return "\nWorkloads and their options (--option key=value):\n" + Workloads.help();
  }
}
