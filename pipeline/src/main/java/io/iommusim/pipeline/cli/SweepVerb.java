package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.BestConfigs;
import io.iommusim.pipeline.job.SweepJob;
import io.iommusim.pipeline.job.SweepSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sweep}: replay one trace under many configurations in one job. */
final class SweepVerb implements Verb {
  @Override
  public String name() {
    return "sweep";
  }

  @Override
  public String summary() {
    return "replay a trace under many model configurations in one job (grids or a configs file)";
  }

  @Override
  public Options options() {
    Options o = new Options();
    CommonOptions.addInputs(o, "trace files or directories (canonical CSV or Parquet, or an importer format: see simulate --help), in the order that defines seq");
    CommonOptions.addOutput(o, "output directory for the result tables");
    o.addOption(Option.builder().longOpt("grid").hasArg().argName("key=v1,v2,...")
        .desc("a model setting and its values, repeatable; the sweep runs the Cartesian product of the grids "
            + "(the first grid varies slowest)").get());
    o.addOption(Option.builder().longOpt("configs").hasArg().argName("FILE")
        .desc("one configuration per line: whitespace-separated key=value pairs; # starts a comment "
            + "(at the start of a line or after whitespace); blank lines are skipped").get());
    CommonOptions.addSpark(o);
    CommonOptions.addModel(o);
    CommonOptions.addHelp(o);
    return o;
  }

  @Override
  public String footer() {
    return "\n--config and --set give the base settings every configuration starts from; --grid or --configs "
        + "(exactly one of them) override them per configuration. Every configuration is validated before the "
        + "job starts; two configurations with the same effective settings are an error.";
  }

  @Override
  public int run(CommandLine cl) {
    SweepJob.Request r = new SweepJob.Request();
    CommonOptions.fillInputs(cl, r);
    boolean grids = cl.hasOption("grid");
    boolean file = cl.hasOption("configs");
    if (grids == file) {
      throw new UsageException("give either --grid (repeatable) or --configs FILE");
    }
    r.spec = grids
        ? SweepSpec.fromGrids(r.settings, Arrays.asList(cl.getOptionValues("grid")))
        : SweepSpec.fromFile(r.settings, Path.of(cl.getOptionValue("configs")));
    return CommonOptions.inSpark(cl, "sweep", spark -> {
      SweepJob.Result result = new SweepJob(spark).run(r);
      printSummary(result, System.out);
      return 0;
    });
  }

  /** The summary line and the best configuration per domain and IOTLB size. */
  static void printSummary(SweepJob.Result r, PrintStream out) {
    long faults = Arrays.stream(r.faults).sum();
    out.println();
    out.printf("iommusim sweep: %d configurations (%s), %,d records replayed by each, %,d faults in all -> %s%n",
        r.configs, String.join(", ", r.sweptKeys), r.recordsRead, faults, r.out);
    out.println("lowest IOTLB miss ratio per domain and iotlb.entries (ties: lower latency_sum_ns, then the "
        + "earlier configuration):");
    out.printf("%5s %7s %8s %10s %10s %10s %7s %6s  %-12s %s%n",
        "unit", "domain", "entries", "iotlb_miss", "misses", "lookups", "config", "tied", "config_id", "settings");
    for (BestConfigs.Best b : r.best) {
      SweepSpec.Config c = r.spec.configs.get(b.configIndex);
      List<String> settings = new ArrayList<>();
      for (Map.Entry<String, String> e : c.overrides.entrySet()) {
        if (!e.getKey().equals("iotlb.entries")) {
          settings.add(e.getKey() + "=" + e.getValue());
        }
      }
      out.printf("%5d %7d %8d %9.2f%% %,10d %,10d %7d %6s  %-12s %s%n",
          b.unit, b.domain, b.entries, 100 * b.missRatio(), b.misses, b.hits + b.misses, b.configIndex,
          b.tied + "/" + b.ranked, b.configId, settings.isEmpty() ? "-" : String.join(" ", settings));
    }
  }
}
