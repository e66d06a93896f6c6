package io.iommusim.pipeline;

import static io.iommusim.pipeline.PipelineTestSupport.generate;
import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static io.iommusim.pipeline.PipelineTestSupport.readParquetDir;
import static io.iommusim.pipeline.PipelineTestSupport.sortedBySeq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.iommusim.pipeline.ingest.PreparedTrace;
import io.iommusim.trace.TraceEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** generate → CSV and → prepared Parquet write the same events, exactly N of them. */
class GenerateTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @CsvSource({"nic-ring, 3001, devices=2", "random-window, 1500, ", "bad-actor, 2000, "})
  void csvAndPreparedHoldTheSameEvents(String workload, long n, String option) {
    Map<String, String> options = option == null ? Map.of() : Map.of(option.split("=")[0], option.split("=")[1]);
    Path csv = tmp.resolve(workload + ".csv");
    assertEquals(n, generate(workload, n, 11, options, csv));
    Path prepared = tmp.resolve(workload + "-prepared");
    assertEquals(n, generate(workload, n, 11, options, prepared));

    List<TraceEvent> fromCsv = readCsv(csv);
    assertEquals(n, fromCsv.size());
    for (int i = 0; i < n; i++) {
      assertEquals(i, fromCsv.get(i).seq, "the generator numbers its events from 0");
    }
    List<TraceEvent> fromParquet = readParquetDir(prepared);
    assertEquals(n, fromParquet.size());
    assertEquals(fromCsv, sortedBySeq(fromParquet));

    PreparedTrace layout = PreparedTrace.detect(prepared.toString(), new Configuration());
    assertNotNull(layout);
    assertEquals(n, layout.events);

    // the temporary raw Parquet file and the staging directories are gone
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(tmp)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString())
          .filter(name -> name.contains(".generated-") || name.contains(".staging-"))
          .collect(java.util.stream.Collectors.toList()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
