package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.CLI_SPARK;
import static io.iommusim.pipeline.PipelineTestSupport.SAMPLE_TRACES;
import static io.iommusim.pipeline.PipelineTestSupport.cli;
import static io.iommusim.pipeline.PipelineTestSupport.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport.CliRun;
import io.iommusim.translator.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep verb on the command line: the console table, and errors in grids and configs files. The
 * errors are found before Spark starts; only the successful run builds (and stops) a session.
 */
class SweepCliTest {
  @TempDir
  Path tmp;

  private CliRun sweep(Path out, String... extra) {
    String[] args = concat(new String[] {"sweep", "--input", SAMPLE_TRACES.resolve("iotlb-sizing.csv").toString(),
        "--out", out.toString()}, CLI_SPARK);
    return cli(concat(args, extra));
  }

  private static void assertMentions(CliRun run, String... parts) {
    for (String p : parts) {
      assertTrue(run.err.contains(p), "stderr should mention [" + p + "]\n" + run);
    }
  }

  @Test
  void printsTheBestConfigurationPerDomainAndSize() throws IOException {
    Path configs = Files.writeString(tmp.resolve("configs.txt"), String.join("\n",
        "# the iotlb-sizing sample's grid, as a configs file (base: --set iotlb.policy=fifo)",
        "iotlb.entries=1",
        "iotlb.entries=1 iotlb.policy=lru",
        "iotlb.entries=2",
        "iotlb.entries=2 iotlb.policy=lru   # LRU wins for the NIC",
        "iotlb.entries=4",
        "iotlb.entries=4 iotlb.policy=lru",
        ""));
    Path out = tmp.resolve("out");
    CliRun run = sweep(out, "--configs", configs.toString(), "--set", "iotlb.policy=fifo");
    assertEquals(0, run.status, run.toString());
    String fifo4 = Settings.defaults().with("iotlb.policy=fifo", "t").with("iotlb.entries=4", "t").configId();
    String lru2 = Settings.defaults().with("iotlb.policy=lru", "t").with("iotlb.entries=2", "t").configId();
    List<String> lines = Arrays.stream(run.out.split("\n")).map(String::stripTrailing).collect(Collectors.toList());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("iommusim sweep: 6 configurations (iotlb.entries, iotlb.policy), "
        + "17 records replayed by each, 0 faults in all -> ") && l.endsWith(out.toString())), run.toString());
    // same winners as SweepSamplesTest: the configs file lists the grid's configurations in the same order
    assertTrue(lines.contains(String.format("%5d %7d %8d %9.2f%% %,10d %,10d %7d %6s  %-12s %s",
        0, 1, 2, 62.5, 5, 8, 3, "1/2", lru2, "iotlb.policy=lru")), run.toString());
    assertTrue(lines.contains(String.format("%5d %7d %8d %9.2f%% %,10d %,10d %7d %6s  %-12s %s",
        0, 2, 4, 60.0, 3, 5, 4, "2/2", fifo4, "-")), run.toString());
    assertEquals(6, lines.stream().filter(l -> l.matches("\\s+0\\s+[12]\\s+[124]\\s.*")).count(), run.toString());
    for (String t : List.of("sweep_stats", "sweep_configs", "faults", "device_stats", "latency_histogram", "security",
        "mrc", "run_info")) {
      assertTrue(Files.isDirectory(out.resolve(t)), t);
    }
  }

  @Test
  void gridAndConfigsErrors() throws IOException {
    Path out = tmp.resolve("out");
    CliRun neither = sweep(out);
    assertEquals(2, neither.status, neither.toString());
    assertMentions(neither, "either --grid", "--configs");

    Path configs = Files.writeString(tmp.resolve("configs.txt"), "iotlb.entries=32\n\niotlb.entries 64\n");
    CliRun both = sweep(out, "--grid", "iotlb.entries=1,2", "--configs", configs.toString());
    assertEquals(2, both.status, both.toString());

    CliRun unknown = sweep(out, "--grid", "iotlb.entries=1,2", "--grid", "iotlb.polcy=lru,fifo");
    assertEquals(1, unknown.status, unknown.toString());
    assertMentions(unknown, "--grid iotlb.polcy=lru,fifo", "unknown setting 'iotlb.polcy'");

    CliRun badValue = sweep(out, "--grid", "iotlb.policy=lru,mru");
    assertEquals(1, badValue.status, badValue.toString());
    assertMentions(badValue, "--grid iotlb.policy=mru", "'mru' is not one of");

    CliRun badLine = sweep(out, "--configs", configs.toString());
    assertEquals(1, badLine.status, badLine.toString());
    assertMentions(badLine, configs + ":3", "'iotlb.entries' is not key=value");

    CliRun badBase = sweep(out, "--grid", "iotlb.entries=1,2", "--set", "iotlb.ways=3");
    assertEquals(1, badBase.status, badBase.toString());
    assertMentions(badBase, "--grid iotlb.entries=1: iotlb");

    assertFalse(Files.exists(out));
  }

  @Test
  void help() {
    CliRun run = cli("sweep", "--help");
    assertEquals(0, run.status, run.toString());
    assertTrue(run.out.contains("--grid") && run.out.contains("--configs") && run.out.contains("--set"), run.toString());
  }
}
