package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The guarantees every workload gives, checked on each registered workload. */
class WorkloadContractTest {
  /** Small configurations so the setup is cheap; the minimum is worked out from each workload's setup. */
  static Stream<Arguments> workloads() {
    return Stream.of(
        // 1 attach + 2 queues × 2 descriptor rings + 2 × 8 RX buffers = 21
        Arguments.of("nic-ring", Map.of("queues", "2", "ring_size", "8"), 21L),
        // 2 devices × (1 + 2·3 + 3·4) = 38
        Arguments.of("nic-ring", Map.of("queues", "3", "ring_size", "4", "devices", "2", "rx_fraction", "0.3"), 38L),
        // attach + one map
        Arguments.of("random-window", Map.of("window", "1MiB", "access", "mixed"), 2L),
        // 2 attaches + 2 maps
        Arguments.of("bad-actor", Map.of(), 4L));
  }

  @ParameterizedTest
  @MethodSource("workloads")
  void emitsExactlyTheRequestedCountWithSequentialSeqAndOrderedTime(String name, Map<String, String> options, long minimum)
      throws IOException {
    Workload w = Workloads.create(name, options);
    assertEquals(minimum, w.minimumEvents());
    for (long n : new long[] {minimum, minimum + 1, minimum + 7, minimum + 5003}) {
      List<TraceEvent> events = CollectingSink.run(w, n, 42);
      assertEquals(n, events.size(), "event count for n=" + n);
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i, events.get(i).seq, "seq");
        if (i > 0) {
          assertTrue(events.get(i).tsNs >= events.get(i - 1).tsNs, "time went backwards at " + events.get(i));
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("workloads")
  void sameSeedSameStreamDifferentSeedDifferentStream(String name, Map<String, String> options, long minimum)
      throws IOException {
    Workload w = Workloads.create(name, options);
    long n = minimum + 2000;
    List<TraceEvent> a = CollectingSink.run(w, n, 7);
    assertEquals(a, CollectingSink.run(w, n, 7));
    assertEquals(a, CollectingSink.run(Workloads.create(name, options), n, 7), "a fresh instance repeats it too");
    assertNotEquals(a, CollectingSink.run(w, n, 8));
  }

  @ParameterizedTest
  @MethodSource("workloads")
  void refusesFewerEventsThanTheSetupAndSaysTheMinimum(String name, Map<String, String> options, long minimum) {
    Workload w = Workloads.create(name, options);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> w.generate(minimum - 1, 1, new CollectingSink()));
    assertTrue(e.getMessage().contains("at least " + minimum), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("workloads")
  void aPrefixOfALongerRunIsTheShorterRun(String name, Map<String, String> options, long minimum) throws IOException {
    // cutting at n must not change what comes before, except for bad-actor, whose exact per-class counts
    // are fractions of the whole run, so its class order depends on the length
    Assumptions.assumeFalse(name.equals("bad-actor"));
    Workload w = Workloads.create(name, options);
    List<TraceEvent> longer = CollectingSink.run(w, minimum + 3000, 5);
    assertTrue(longer.subList(0, (int) minimum + 1000).equals(CollectingSink.run(w, minimum + 1000, 5)));
  }

  @ParameterizedTest
  @MethodSource("workloads")
  void streamsManyEventsWithoutKeepingThem(String name, Map<String, String> options, long minimum) throws IOException {
    long[] count = {0};
    long[] lastSeq = {-1};
    EventSink counting = new EventSink() {
      @Override
      public void accept(TraceEvent event) {
        count[0]++;
        lastSeq[0] = event.seq;
      }

      @Override
      public void close() {}
    };
    Workloads.create(name, options).generate(2_000_000, 3, counting);
    assertEquals(2_000_000, count[0]);
    assertEquals(1_999_999, lastSeq[0]);
  }
}
