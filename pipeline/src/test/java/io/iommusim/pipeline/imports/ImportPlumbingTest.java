package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.PipelineTestSupport;
import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.Failures;
import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import io.iommusim.pipeline.output.StatsTables;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How imported inputs flow through convert and simulate: events, report, rejects, strict, detection. */
class ImportPlumbingTest {
  @TempDir
  Path tmp;

  private static final String TRACE = String.join("\n",
      "#pipe-toy",
      "attach 0 01:00.0 1",
      "map 10 01:00.0 1 0x1000 4096 rw",
      "read 20 01:00.0 0x1000 64",
      "this is not a record",
      "read 30 01:00.0 0x5000 64",
      "unmap 40 1 0x1000 4096",
      "");

  @BeforeAll
  static void register() {
    PipeToyImporter.register();
  }

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private ConvertJob.Result convert(Path in, Path out, String format) {
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(in.toString());
    r.format = format;
    r.out = out.toString();
    return new ConvertJob(TestSpark.get()).convert(r);
  }

  @Test
  void convertToCsvWritesTheEventsTheReportAndTheRejects() throws IOException {
    Path in = write("t.txt", TRACE);
    Path out = tmp.resolve("t.csv");
    ConvertJob.Result r = convert(in, out, PipeToyImporter.NAME);
    assertEquals(5, r.events);
    List<TraceEvent> events = readCsv(out);
    assertEquals(List.of("attach", "map", "dma_read", "dma_read", "unmap"),
        events.stream().map(e -> e.kind.text()).toList());
    // seq: file 0, position in the importer's stream
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), events.stream().map(e -> e.seq).toList());
    assertEquals(tmp.resolve("t.csv.import-rejects.txt").toUri().getPath(), Path.of(r.rejectsFile.replaceFirst("^file:", "")).toString());
    assertEquals(in + ":5\tnot a pipe-toy line\tthis is not a record\n",
        Files.readString(tmp.resolve("t.csv.import-rejects.txt")));
    String report = Files.readString(tmp.resolve("t.csv.import-report.txt"));
    assertTrue(report.contains("  lines 7: 5 produced events, 1 ignored, 1 unparsed\n"), report);
    assertTrue(report.contains("        1  not a pipe-toy line; lines 5\n"), report);
    assertEquals(1, r.importReports.size());
    assertEquals(7, r.importReports.get(0).lines());
    assertNoScratchLeft();
  }

  @Test
  void formatAutoDetectsTheImporterByContent() throws IOException {
    Path in = write("capture.log", TRACE);
    ConvertJob.Result r = convert(in, tmp.resolve("prepared"), "auto");
    assertEquals(5, r.events);
    assertEquals(5, PipelineTestSupport.readParquetDir(tmp.resolve("prepared")).size());
    assertTrue(Files.exists(tmp.resolve("prepared.import-report.txt")));
  }

  @Test
  void simulateWithSynthesizedAccesses() throws IOException {
    Path in = write("t.txt", TRACE);
    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = List.of(in.toString());
    r.format = PipeToyImporter.NAME;
    r.synthesizeAccess = true;
    r.out = tmp.resolve("sim").toString();
    SimulateJob.Result result = new SimulateJob(TestSpark.get()).run(r);
    // 5 events + a read and a write synthesized inside the rw mapping's lifetime (10, 40): at 20 and 30
    assertEquals(7, result.recordsRead);
    Map<String, String> info = PipelineTestSupport.runInfo(tmp.resolve("sim"));
    assertEquals("pipe-toy", info.get("input.file.0.format"));
    assertEquals("true", info.get("input.file.0.import.synthesize_access"));
    assertEquals("7", info.get("import.file.0.lines"));
    assertEquals("1", info.get("import.file.0.unparsed_lines"));
    assertEquals("7", info.get("import.file.0.events"));
    // the read at 0x5000 is outside any mapping: one fault (0x06); the others translate
    assertEquals(1, result.faults);
    StructType schema = StatsTables.domainStatsSchema();
    Row d = result.domainStats.stream().filter(row -> row.getInt(schema.fieldIndex("domain")) == 1)
        .findFirst().orElseThrow();
    // the read at 20 and the synthesized read at 20 and write at 30 translate; the read of 0x5000 faults
    assertEquals(4L, d.getLong(schema.fieldIndex("translations")));
    assertEquals(1L, d.getLong(schema.fieldIndex("faults_read")));
    assertTrue(Files.exists(tmp.resolve("sim.import-rejects.txt")));
  }

  @Test
  void strictFailsWithFileLineAndTextAndLeavesNothing() throws IOException {
    Path in = write("t.txt", TRACE);
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(in.toString());
    r.format = PipeToyImporter.NAME;
    r.strict = true;
    r.out = tmp.resolve("s.csv").toString();
    Exception e = assertThrows(Exception.class, () -> new ConvertJob(TestSpark.get()).convert(r));
    assertEquals(in + ":5: cannot import this pipe-toy line (not a pipe-toy line); --strict stops at the first "
        + "unparsed line: 'this is not a record'", Failures.userMessage(e));
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of("t.txt"), left.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void importerOptionsAreCheckedAndFileOptionsLoadedOnTheDriver() throws IOException {
    Path in = write("t.txt", TRACE);
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(in.toString());
    r.format = PipeToyImporter.NAME;
    r.importOptions = Map.of("nope", "1");
    r.out = tmp.resolve("o.csv").toString();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ConvertJob(TestSpark.get()).convert(r));
    assertTrue(e.getMessage().startsWith("format 'pipe-toy': unknown option 'nope'"), e.getMessage());
    r.importOptions = Map.of("domains", tmp.resolve("missing.txt").toString());
    e = assertThrows(IllegalArgumentException.class, () -> new ConvertJob(TestSpark.get()).convert(r));
    assertTrue(e.getMessage().startsWith("cannot read option file "), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("o.csv")));
  }

  @Test
  void importerOptionsOnCanonicalInputsAreRefused() throws IOException {
    Path in = write("c.csv", "ts_ns,kind,sid,domain\n0,attach,01:00.0,1\n");
    ConvertJob.Request r = new ConvertJob.Request();
    r.inputs = List.of(in.toString());
    r.strict = true;
    r.out = tmp.resolve("c2.csv").toString();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ConvertJob(TestSpark.get()).convert(r));
    assertTrue(e.getMessage().startsWith("-o, --strict and --synthesize-access apply to imported formats"),
        e.getMessage());
  }

  private void assertNoScratchLeft() throws IOException {
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.contains("iommusim-")).toList());
    }
  }
}
