package io.iommusim.pipeline.imports;

import static io.iommusim.pipeline.PipelineTestSupport.readCsv;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.pipeline.PipelineTestSupport;
import io.iommusim.pipeline.TestSpark;
import io.iommusim.pipeline.job.ConvertJob;
import io.iommusim.pipeline.job.SimulateJob;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Observed faults of every vendor through convert (CSV round trip) and simulate (counted, never replayed). */
class KernelLogPipelineTest {
  @TempDir
  Path tmp;

  private static final String LOG = String.join("\n",
      "[  100.000002] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x7c346000 [fault reason 0x06] x",
      "[  100.000003] AMD-Vi: Event logged [IO_PAGE_FAULT device=0000:02:00.0 domain=0x000c address=0x1000 flags=0x0050]",
      "[  100.000004] arm-smmu 5040000.iommu: Unhandled context fault: fsr=0x402, iova=0x800, fsynr=0x1, cb=0",
      "[  100.000005] dmar_fault: 3 callbacks suppressed",
      "[  100.000006] arm-smmu-v3 arm-smmu-v3.0.auto: event: F_TRANSLATION client: 0000:03:00.0 sid: 0x300 ssid: 0 "
          + "iova: 0x9000 ipa: 0",
      "");

  @Test
  void convertAndSimulate() throws IOException {
    Path in = tmp.resolve("dmesg.txt");
    Files.writeString(in, LOG);
    ConvertJob.Request c = new ConvertJob.Request();
    c.inputs = List.of(in.toString()); // auto: detected as kernel-log
    c.out = tmp.resolve("faults.csv").toString();
    assertEquals(5, new ConvertJob(TestSpark.get()).convert(c).events);
    List<TraceEvent> events = readCsv(tmp.resolve("faults.csv"));
    // the rate-limit notice becomes a suppression record: no reason, the 3 dropped messages as size
    assertEquals(List.of("vtd", "amdvi", "smmuv2", "vtd", "smmuv3"), events.stream().map(e -> e.vendor).toList());
    assertEquals(List.of(6, 2, 0x402, -1, 0x10), events.stream().map(e -> e.reason).toList());
    assertEquals(3, events.get(3).size);
    assertEquals(List.of(Perm.READ, Perm.READ, Perm.READ, Perm.READ_WRITE, Perm.READ_WRITE),
        events.stream().map(e -> e.perm).toList());
    assertEquals(12, events.get(1).domain);
    // SMMU instances are units in order of appearance: the SMMUv2 first, the SMMUv3 second
    assertEquals(List.of(0, 0, 0, 0, 1), events.stream().map(e -> e.unit).toList());

    SimulateJob.Request s = new SimulateJob.Request();
    s.inputs = List.of(in.toString());
    s.format = "kernel-log";
    s.out = tmp.resolve("sim").toString();
    SimulateJob.Result r = new SimulateJob(TestSpark.get()).run(s);
    assertEquals(5, r.recordsRead);
    assertEquals(0, r.faults, "observed faults are not replayed");
    Map<String, String> info = PipelineTestSupport.runInfo(tmp.resolve("sim"));
    assertEquals("5", info.get("records.replayed." + EventKind.FAULT_OBSERVED.text()));
    assertEquals("3", info.get("import.file.0.note." + ImportReport.NOTE_SUPPRESSED));
  }
}
