package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.job.OutputRequest;
import io.iommusim.pipeline.job.SparkSessions;
import io.iommusim.pipeline.job.TraceJobRequest;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.Importers;
import io.iommusim.translator.settings.Settings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.spark.sql.SparkSession;

/** Options every Spark verb takes: --master, --conf, --config, --set. */
final class CommonOptions {
  private CommonOptions() {}

  static void addSpark(Options o) {
    o.addOption(Option.builder().longOpt("master").hasArg().argName("URL")
        .desc("Spark master (default: local[*], or what spark-submit set)").get());
    o.addOption(Option.builder().longOpt("conf").hasArg().argName("key=value")
        .desc("Spark configuration, repeatable (e.g. spark.sql.shuffle.partitions=32)").get());
  }

  static void addModel(Options o) {
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
        .desc("model settings file (key=value lines, see iommusim-defaults.properties)").get());
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value")
        .desc("model setting, repeatable; overrides --config").get());
  }

  static void addInputs(Options o, String description) {
    addInputs(o, "input", description);
  }

  /** The trace input options, the paths under {@code --<pathOption>}. */
  static void addInputs(Options o, String pathOption, String description) {
    o.addOption(Option.builder().longOpt(pathOption).hasArgs().argName("PATH...").required().desc(description).get());
    o.addOption(Option.builder().longOpt("format").hasArg().argName("FORMAT")
        .desc("input format: csv, parquet, an importer (" + String.join(", ", Importers.names())
            + "), or auto (default: by file extension, else by content)").get());
    o.addOption(Option.builder("o").longOpt("option").hasArg().argName("key=value")
        .desc("importer option, repeatable; see below").get());
    o.addOption(Option.builder().longOpt("strict")
        .desc("imported formats: fail on the first line that cannot be imported (file:line and text)").get());
    o.addOption(Option.builder().longOpt("synthesize-access")
        .desc("imported formats: turn each DMA mapping into device accesses inside its lifetime "
            + "(options access.*; see the README)").get());
  }

  /** The importers and their options, for the footer of verbs that read traces. */
  static String importersHelp() {
    return "\nImporters (--format NAME) and their options (-o key=value):\n" + Importers.help();
  }

  /** One line per imported input, and where the report and rejects went. */
  static void printImportSummary(List<ImportReport> reports, String reportFile, String rejectsFile) {
    if (reportFile == null) {
      return;
    }
    for (ImportReport r : reports) {
      System.out.printf("imported %s (%s): %,d %ss: %,d produced %,d events, %,d ignored, %,d unparsed%n",
          r.file(), r.format(), r.lines(), r.unit(), r.eventLines(), r.events(), r.ignoredLines(), r.unparsedLines());
    }
    System.out.println("conversion report: " + reportFile);
    System.out.println("unparsed lines:    " + rejectsFile);
  }

  static void addOutput(Options o, String description) {
    o.addOption(Option.builder().longOpt("out").hasArg().argName("PATH").required().desc(description).get());
    o.addOption(Option.builder().longOpt("overwrite").desc("replace an existing output").get());
  }

  static void fillInputs(CommandLine cl, TraceJobRequest r) {
    fillInputs(cl, r, "input");
  }

  static void fillInputs(CommandLine cl, TraceJobRequest r, String pathOption) {
    r.inputs = Arrays.asList(cl.getOptionValues(pathOption));
    r.format = cl.getOptionValue("format", "auto");
    r.importOptions = keyValues(cl, "option");
    r.strict = cl.hasOption("strict");
    r.synthesizeAccess = cl.hasOption("synthesize-access");
    fillOutput(cl, r);
  }

  static void fillOutput(CommandLine cl, OutputRequest r) {
    r.out = cl.getOptionValue("out");
    r.overwrite = cl.hasOption("overwrite");
    r.settings = settings(cl);
  }

  static void addHelp(Options o) {
    o.addOption(Option.builder("h").longOpt("help").desc("show this help").get());
  }

  /**
   * Runs {@code job} in a SparkSession named after the verb, with the command line's {@code --master}
   * and {@code --conf}; stops the session afterwards, whatever happens. Returns the job's exit status.
   */
  static int inSpark(CommandLine cl, String verb, ToIntFunction<SparkSession> job) {
    SparkSession spark = SparkSessions.create("iommusim " + verb, master(cl), sparkConf(cl));
    try {
      return job.applyAsInt(spark);
    } finally {
      spark.stop();
    }
  }

  static String master(CommandLine cl) {
    return cl.getOptionValue("master");
  }

  static Map<String, String> sparkConf(CommandLine cl) {
    Map<String, String> conf = new LinkedHashMap<>();
    String[] values = cl.getOptionValues("conf");
    if (values != null) {
      for (String kv : values) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--conf expects key=value, got '" + kv + "'");
        }
        conf.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return conf;
  }

  /** Repeated key=value options as an ordered map (a later value for a key wins). */
  static Map<String, String> keyValues(CommandLine cl, String option) {
    Map<String, String> m = new LinkedHashMap<>();
    String[] values = cl.getOptionValues(option);
    if (values != null) {
      for (String kv : values) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--" + option + " expects key=value, got '" + kv + "'");
        }
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }

  static Settings settings(CommandLine cl) {
    Settings s = Settings.defaults();
    if (cl.hasOption("config")) {
      s = s.withFile(Path.of(cl.getOptionValue("config")));
    }
    String[] sets = cl.getOptionValues("set");
    if (sets != null) {
      for (String kv : sets) {
        s = s.with(kv, "--set");
      }
    }
    return s;
  }
}
