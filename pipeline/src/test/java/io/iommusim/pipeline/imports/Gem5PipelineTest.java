package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.SimulateJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gzipped gem5 packet trace, detected by content, replayed on top of a canonical CSV of its mappings. */
class Gem5PipelineTest {
  @TempDir
  Path tmp;

  /**
   * The fixture of Gem5PacketImporterTest: header (tick_freq 10^12, requestors 0 "cpu" and 5 "dma"),
   * then requestor 5 reads 0x1000 (2 ns) and writes 0x2008 (3 ns), a ReadResp (ignored), requestor 0
   * reads 0x40 (5 ns), a write of size 0 (unparsed, record 6) and requestor 5 reads 0x1040 (7 ns).
   */
  private static final String TRACE = "67656d35"
      + "1e0a036d6f6e1880a094a58d1d220708001203637075220708051203646d61"
      + "0c08d00f10011880202040" + "3005"
      + "0f08ac1b100418884020082880023005"
      + "0c08a01f10021880202040" + "3005"
      + "0b08882710011840200430" + "00"
      + "0c08f02e10041880602000" + "3005"
      + "0e08d836100118c0202040" + "30054807";

  @Test
  void simulateReadsAGzippedPacketTraceBesideItsMappings() throws IOException {
    Path maps = tmp.resolve("maps.csv");
    // 00:00.5 (requestor 5) in domain 1 with page 0x1000 mapped read-write; 00:00.0 (requestor 0) not attached
    Files.writeString(maps, "ts_ns,kind,sid,domain,addr,size,phys,perm\n0,attach,00:00.5,1,,,,\n"
        + "1,map,,1,0x1000,4096,0x80000,rw\n");
    Path trace = tmp.resolve("system.monitor.trc.gz");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
      gz.write(HexFormat.of().parseHex(TRACE));
    }
    Files.write(trace, b.toByteArray());

    SimulateJob.Request r = new SimulateJob.Request();
    r.inputs = List.of(maps.toString(), trace.toString());
    r.out = tmp.resolve("out").toString();
    SimulateJob.Result result = new SimulateJob(TestSpark.get()).run(r);
    // 6 records: attach, map, and 4 DMAs; faults: the write to 0x2008 (0x05, nothing mapped at page 2) and
    // 00:00.0's read (0x02: bus 0 has a root entry, devfn 0 no context)
    assertEquals(6, result.recordsReplayed);
    assertEquals(2, result.faults);
    List<Row> faults = table(tmp.resolve("out"), "faults");
    assertEquals(List.of("3 00:00.5 8200 write 5", "5 00:00.0 64 read 2"), faults.stream()
        .map(f -> f.getLong(f.fieldIndex("ts_ns")) + " " + f.getString(f.fieldIndex("bdf")) + " "
            + f.getLong(f.fieldIndex("addr")) + " " + f.getString(f.fieldIndex("access")) + " "
            + f.getInt(f.fieldIndex("reason_code")))
        .toList());

    String report = Files.readString(tmp.resolve("out.import-report.txt"));
    assertTrue(report.contains("(format gem5-packets)\n  records 7: 4 produced events, 2 ignored, 1 unparsed\n"), report);
    assertEquals(trace + ":6\tpacket: size 0\trecord 6 at byte offset 89, 12 bytes: size 0: 08f02e100418806020003005\n",
        Files.readString(tmp.resolve("out.import-rejects.txt")));
  }
}
