package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.CLI_SPARK;
import static io.iommusim.pipeline.PipelineTestSupport.cli;
import static io.iommusim.pipeline.PipelineTestSupport.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport.CliRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importer options on the command line: -o, --strict, --synthesize-access, the summary, --help. */
class ImportCliTest {
  @TempDir
  Path tmp;

  private Path fixture() throws IOException {
    Path p = tmp.resolve("nic-ftrace.txt");
    try (InputStream in = getClass().getResourceAsStream("nic-ftrace.txt")) {
      Files.copy(in, p);
    }
    return p;
  }

  @Test
  void convertWithOptionsThenStrictFailure() throws IOException {
    Path in = fixture();
    Path out = tmp.resolve("nic.csv");
    CliRun ok = cli(concat(new String[] {"convert", "--input", in.toString(), "--format", "ftrace", "-o",
        "page-sizes=4k+2m", "--synthesize-access", "--out", out.toString()}, CLI_SPARK));
    assertEquals(0, ok.status, ok.toString());
    assertTrue(ok.out.contains("iommusim convert: 8 events -> "), ok.toString());
    assertTrue(ok.out.contains("imported " + in + " (ftrace): 11 lines: 9 produced 8 events, 2 ignored, 0 unparsed"),
        ok.toString());
    assertTrue(ok.out.contains("conversion report: "), ok.toString());

    Path bad = tmp.resolve("bad.txt");
    Files.writeString(bad, Files.readString(in) + "this line is no trace\n");
    Path out2 = tmp.resolve("bad.csv");
    CliRun strict = cli(concat(new String[] {"convert", "--input", bad.toString(), "--format", "ftrace", "--strict",
        "--out", out2.toString()}, CLI_SPARK));
    assertEquals(1, strict.status, strict.toString());
    assertTrue(strict.err.contains("error: " + bad + ":12: cannot import this ftrace line (not an ftrace event line); "
        + "--strict stops at the first unparsed line: 'this line is no trace'"), strict.toString());
    assertFalse(Files.exists(out2));
    assertFalse(Files.exists(tmp.resolve("bad.csv.import-report.txt")));

    CliRun usage = cli("convert", "--input", in.toString(), "-o", "novalue", "--out", out2.toString());
    assertEquals(2, usage.status, usage.toString());
    assertTrue(usage.err.contains("--option expects key=value, got 'novalue'"), usage.toString());
  }

  @Test
  void helpListsTheImportersAndTheirOptions() {
    CliRun help = cli("simulate", "--help");
    assertEquals(0, help.status);
    assertTrue(help.out.contains("ftrace — Linux tracepoints"), help.out);
    assertTrue(help.out.contains("kernel-log — kernel log fault records"), help.out);
    assertTrue(help.out.contains("access.chunk"), help.out);
    assertTrue(help.out.contains("--synthesize-access"), help.out);
  }
}
