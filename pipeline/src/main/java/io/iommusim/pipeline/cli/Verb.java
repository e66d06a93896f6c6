package io.iommusim.pipeline.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One command-line verb. */
interface Verb {
  String name();

  String summary();

  Options options();

  /** Extra text printed after the options in --help. */
  default String footer() {
    return "";
  }

  /** Runs the verb; returns the process exit status. */
  int run(CommandLine cl) throws Exception;
}
