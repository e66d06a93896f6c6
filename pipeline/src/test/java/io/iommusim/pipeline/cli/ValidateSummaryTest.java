package io.iommusim.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.pipeline.job.ValidateJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The console summary of validate (the counts are ValidateTest's, worked out there by hand). */
class ValidateSummaryTest {
  @Test
  void printsRowsAndFaultsByStatusAndTheLowerBound() {
    ValidateJob.Result r = new ValidateJob.Result();
    r.simulatedFaults = 10;
    r.observedFaults = 9;
    r.observedRecords = 11;
    r.matchedRows = 6;
    r.matchedSimulated = 7;
    r.matchedObserved = 5;
    r.missedRows = 4;
    r.missedObserved = 4;
    r.missedWithoutDevice = 1;
    r.missedWithoutEquivalent = 1;
    r.unexpectedRows = 3;
    r.unexpectedSimulated = 3;
    r.suppressed = 37;
    PrintStream old = System.out;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
      ValidateVerb.printSummary(r);
    } finally {
      System.setOut(old);
    }
    assertEquals(String.join(System.lineSeparator(),
        "",
        "iommusim validate: 10 simulated faults vs 9 observed faults (11 observed records)",
        "fault_validation     rows    simulated     observed",
        "matched                 6            7            5",
        "missed                  4            -            4",
        "unexpected              3            3            -",
        "missed: 1 observed faults name no device, 1 have no equivalent in the model",
        "observed counts are lower bounds: the observed sources suppressed 37 fault messages (rate limiting); "
            + "unexpected simulated faults may be among them",
        ""), b.toString(StandardCharsets.UTF_8));
  }
}
