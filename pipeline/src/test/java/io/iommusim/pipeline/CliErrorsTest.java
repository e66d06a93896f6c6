package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.CLI_SPARK;
import static io.iommusim.pipeline.PipelineTestSupport.cli;
import static io.iommusim.pipeline.PipelineTestSupport.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on bad input: exit status, the error text (file:line, column, offending text), and
 * that a failed run leaves no output directory and no staging directory behind. These go through
 * {@code Main.run}, which stops the shared session; {@link TestSpark} rebuilds it when next needed.
 */
class CliErrorsTest {
  private static final String HEADER = "ts_ns,kind,sid,domain,addr,size,phys,perm,page_size\n";
  private static final String GOOD_START = HEADER
      + "0,attach,03:00.0,1,,,,,\n"
      + "10,map,,1,0x100000,0x1000,0x80000000,rw,4096\n";

  @TempDir
  Path tmp;

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private CliRun simulate(Path input, Path out, String... extra) {
    String[] args = concat(new String[] {"simulate", "--input", input.toString(), "--out", out.toString()}, CLI_SPARK);
    return cli(concat(args, extra));
  }

  /** Nothing named like the output or its staging/replaced directories is left beside it. */
  private void assertNoOutput(Path out) throws IOException {
    assertFalse(Files.exists(out), out + " must not exist after a failed run");
    try (Stream<Path> s = Files.list(out.getParent())) {
      List<String> leftovers = s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(out.getFileName() + ".iommusim-") || n.startsWith("." + out.getFileName() + "."))
          .collect(Collectors.toList());
      assertEquals(List.of(), leftovers, "leftover staging directories");
    }
  }

  private static void assertMentions(CliRun run, String... parts) {
    for (String p : parts) {
      assertTrue(run.err.contains(p), "stderr should mention [" + p + "]\n" + run);
    }
  }

  @Test
  void unknownKindNamesFileLineColumnAndText() throws IOException {
    // lines: 1 header, 2 attach, 3 map, 4 the bad record
    Path in = write("bad-kind.csv", GOOD_START + "100,dma_reed,03:00.0,,0x100000,64,,,\n");
    Path out = tmp.resolve("out");
    CliRun run = simulate(in, out);
    assertEquals(1, run.status, run.toString());
    assertMentions(run, in + ":4", "column 'kind'", "unknown kind", "'dma_reed'");
    assertNoOutput(out);
  }

  @Test
  void badNumberNamesFileLineColumnAndText() throws IOException {
    // line 4 is a comment: line numbers count every line of the file
    Path in = write("bad-number.csv", GOOD_START + "# a comment line counts\n100,dma_read,03:00.0,,0x10zz00,64,,,\n");
    Path out = tmp.resolve("out");
    CliRun run = simulate(in, out);
    assertEquals(1, run.status, run.toString());
    assertMentions(run, in + ":5", "column 'addr'", "not a number", "'0x10zz00'");
    assertNoOutput(out);
  }

  @Test
  void badSidNamesFileLineColumnAndText() throws IOException {
    Path in = write("bad-sid.csv", GOOD_START + "100,dma_read,03:00.0,,0x100000,64,,,\n110,dma_read,03:20.0,,0x100000,64,,,\n");
    Path out = tmp.resolve("out");
    CliRun run = simulate(in, out);
    assertEquals(1, run.status, run.toString());
    assertMentions(run, in + ":5", "column 'sid'", "not a requester id", "'03:20.0'");
    assertNoOutput(out);
  }

  @Test
  void misalignedMapNamesFileAndLine() throws IOException {
    // valid CSV, but the translator rejects the map when it replays it
    Path in = write("misaligned.csv", HEADER
        + "0,attach,03:00.0,1,,,,,\n"
        + "10,map,,1,0x100800,0x1000,0x80000000,rw,4096\n"
        + "100,dma_read,03:00.0,,0x100000,64,,,\n");
    Path out = tmp.resolve("out");
    CliRun run = simulate(in, out);
    assertEquals(1, run.status, run.toString());
    assertMentions(run, in + ":3 ", "iova=0x100800", "multiples of page size");
    assertNoOutput(out);
  }

  @Test
  void existingOutputIsRefusedWithoutOverwriteAndReplacedWithIt() throws IOException {
    Path in = PipelineTestSupport.SAMPLE_TRACES.resolve("quickstart.csv");
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Path marker = Files.writeString(out.resolve("old-result.txt"), "keep me");

    CliRun refused = simulate(in, out);
    assertTrue(refused.status == 1 || refused.status == 2, refused.toString());
    assertMentions(refused, "already exists", "--overwrite");
    assertEquals("keep me", Files.readString(marker));
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(List.of(marker), s.collect(Collectors.toList()));
    }

    CliRun replaced = simulate(in, out, "--overwrite");
    assertEquals(0, replaced.status, replaced.toString());
    assertFalse(Files.exists(marker), "the old output must be gone");
    for (String t : List.of("domain_stats", "device_stats", "faults", "latency_histogram", "run_info")) {
      assertTrue(Files.isDirectory(out.resolve(t)), t);
    }
    assertTrue(replaced.out.contains("21 records replayed, 8 faults"), replaced.toString());
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("out.iommusim-") || n.startsWith(".out."))
          .collect(Collectors.toList()), "no staging or replaced directories left");
    }
  }

  @Test
  void unknownSettingIsNamed() {
    Path out = tmp.resolve("out");
    CliRun run = simulate(PipelineTestSupport.SAMPLE_TRACES.resolve("quickstart.csv"), out,
        "--set", "iotlb.entires=32");
    assertEquals(1, run.status, run.toString());
    assertMentions(run, "iotlb.entires");
    assertFalse(Files.exists(out));
  }

  @Test
  void invalidSettingValueIsNamed() {
    Path out = tmp.resolve("out");
    CliRun run = simulate(PipelineTestSupport.SAMPLE_TRACES.resolve("quickstart.csv"), out,
        "--set", "partition.by=socket");
    assertEquals(1, run.status, run.toString());
    assertMentions(run, "partition.by", "socket");
    assertFalse(Files.exists(out));
  }

  @Test
  void simulateHelp() {
    CliRun run = cli("simulate", "--help");
    assertEquals(0, run.status, run.toString());
    assertTrue(run.out.contains("--input") && run.out.contains("--overwrite") && run.out.contains("--set"), run.toString());
  }

  @Test
  void usageErrors() {
    assertEquals(2, cli("simulate").status);          // --input and --out are required
    assertEquals(2, cli("no-such-verb").status);
    assertEquals(2, cli().status);
    assertEquals(0, cli("--help").status);
  }
}
