package io.iommusim.pipeline.cli;

import io.iommusim.pipeline.Version;
import io.iommusim.pipeline.job.Failures;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.ParseException;

/**
 * {@code iommusim <verb> [options]}: the entry point for bin/iommusim and spark-submit.
 * Exit status: 0 success, 1 the job failed (bad input, bad settings, runtime error), 2 usage error.
 */
public final class Main {
  private static final List<Verb> VERBS = List.of(new SimulateVerb(), new SweepVerb(), new ValidateVerb(),
      new ConvertVerb(), new GenerateVerb());

  private Main() {}

  public static void main(String[] args) {
    int status = run(args);
    System.exit(status);
  }

  /** Runs a verb and returns its exit status (tests call this instead of {@link #main}). */
  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
      printOverview();
      return args.length == 0 ? 2 : 0;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      System.out.println("iommusim " + Version.get());
      return 0;
    }
    Verb verb = VERBS.stream().filter(v -> v.name().equals(args[0])).findFirst().orElse(null);
    if (verb == null) {
      System.err.println("iommusim: unknown verb '" + args[0] + "'");
      printOverview();
      return 2;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    // before parsing: a verb's required options would otherwise turn "<verb> --help" into a usage error
    if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
      printHelp(verb);
      return 0;
    }
    CommandLine cl;
    try {
      cl = new DefaultParser().parse(verb.options(), rest);
      if (cl.hasOption("help")) {
        printHelp(verb);
        return 0;
      }
      if (!cl.getArgList().isEmpty()) {
        throw new UsageException("unexpected argument(s): " + String.join(" ", cl.getArgList()));
      }
    } catch (ParseException | UsageException e) {
      System.err.println("iommusim " + verb.name() + ": " + e.getMessage());
      printHelp(verb);
      return 2;
    }
    try {
      return verb.run(cl);
    } catch (UsageException e) {
      System.err.println("iommusim " + verb.name() + ": " + e.getMessage());
      printHelp(verb);
      return 2;
    } catch (Exception | Error e) {
      String message = Failures.userMessage(e);
      if (message != null) {
        System.err.println("iommusim " + verb.name() + ": error: " + message);
      } else {
        System.err.println("iommusim " + verb.name() + ": failed: " + e);
        e.printStackTrace(System.err);
      }
      return 1;
    }
  }

  private static void printOverview() {
    System.out.println("usage: iommusim <verb> [options]    (iommusim <verb> --help for the verb's options)");
    System.out.println();
    for (Verb v : VERBS) {
      System.out.printf("  %-10s %s%n", v.name(), v.summary());
    }
  }

  @SuppressWarnings("deprecation")
  private static void printHelp(Verb verb) {
    HelpFormatter f = new HelpFormatter();
    PrintWriter w = new PrintWriter(System.out);
    f.printHelp(w, 100, "iommusim " + verb.name() + " [options]", verb.summary(), verb.options(), 2, 4, verb.footer(), false);
    w.flush();
  }
}
