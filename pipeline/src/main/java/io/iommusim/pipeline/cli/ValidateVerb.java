package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.ValidateJob;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code validate}: simulate a trace and compare its faults with the faults a real system recorded. */
final class ValidateVerb implements Verb {
  @Override
  public String name() {
    return "validate";
  }

  @Override
  public String summary() {
    return "simulate a trace and compare its faults with recorded ones (fault_observed events, e.g. a kernel log); "
        + "writes simulate's tables and fault_validation";
  }

  @Override
  public Options options() {
    Options o = new Options();
    CommonOptions.addInputs(o, "trace", "trace files or directories to replay (as simulate --input)");
    o.addOption(Option.builder().longOpt("observed").hasArgs().argName("LOG...").required()
        .desc("recorded faults: canonical CSV or Parquet with fault_observed events, or a format an importer reads "
            + "(kernel logs ...); other events in them are counted and not used").get());
    o.addOption(Option.builder().longOpt("observed-format").hasArg().argName("FORMAT")
        .desc("format of the --observed inputs: csv, parquet, an importer, or auto (default)").get());
    o.addOption(Option.builder().longOpt("observed-option").hasArg().argName("key=value")
        .desc("importer option for the --observed inputs, repeatable").get());
    o.addOption(Option.builder().longOpt("observed-strict")
        .desc("imported --observed inputs: fail on the first line that cannot be imported").get());
    CommonOptions.addOutput(o, "output directory for simulate's tables and fault_validation");
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public int run(CommandLine cl) {
    ValidateJob.Request r = new ValidateJob.Request();
    CommonOptions.fillInputs(cl, r.trace, "trace");
    r.observed = Arrays.asList(cl.getOptionValues("observed"));
    r.observedFormat = cl.getOptionValue("observed-format", "auto");
    r.observedOptions = CommonOptions.keyValues(cl, "observed-option");
    r.observedStrict = cl.hasOption("observed-strict");
    return CommonOptions.inSpark(cl, "validate", spark -> {
      ValidateJob.Result result = new ValidateJob(spark).run(r);
      SimulateVerb.printSummary(result.simulate);
      CommonOptions.printImportSummary(result.simulate.importReports, result.simulate.reportFile,
          result.simulate.rejectsFile);
      CommonOptions.printImportSummary(result.observedReports, result.observedReportFile, result.observedRejectsFile);
      printSummary(result);
      return 0;
    });
  }

  @Override
  public String footer() {
    return CommonOptions.importersHelp();
  }

  static void printSummary(ValidateJob.Result r) {
    System.out.println();
    System.out.printf("iommusim validate: %,d simulated faults vs %,d observed faults (%,d observed records)%n",
        r.simulatedFaults, r.observedFaults, r.observedRecords);
    System.out.printf("%-16s %8s %12s %12s%n", "fault_validation", "rows", "simulated", "observed");
    System.out.printf("%-16s %8s %12s %12s%n", "matched", fmt(r.matchedRows), fmt(r.matchedSimulated),
        fmt(r.matchedObserved));
    System.out.printf("%-16s %8s %12s %12s%n", "missed", fmt(r.missedRows), "-", fmt(r.missedObserved));
    System.out.printf("%-16s %8s %12s %12s%n", "unexpected", fmt(r.unexpectedRows), fmt(r.unexpectedSimulated), "-");
    if (r.missedWithoutDevice > 0 || r.missedWithoutEquivalent > 0) {
      System.out.printf("missed: %,d observed faults name no device, %,d have no equivalent in the model%n",
          r.missedWithoutDevice, r.missedWithoutEquivalent);
    }
    if (r.suppressed > 0) {
      System.out.printf("observed counts are lower bounds: the observed sources suppressed %,d fault messages "
          + "(rate limiting); unexpected simulated faults may be among them%n", r.suppressed);
    }
  }

  private static String fmt(long n) {
    return String.format("%,d", n);
  }
}
