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
        // 1 attach + 2 queues × 2 descriptor rings + 2 × 8 RX buffers + 2 × (irte_set + inv_iec) = 25
        Arguments.of("nic-ring", Map.of("queues", "2", "ring_size", "8"), 25L),
        // without MSIs: 21
        Arguments.of("nic-ring", Map.of("queues", "2", "ring_size", "8", "msi_every", "0"), 21L),
        // 2 devices × (1 + 2·3 + 3·4 + 2·3) = 50
        Arguments.of("nic-ring", Map.of("queues", "3", "ring_size", "4", "devices", "2", "rx_fraction", "0.3"), 50L),
        Arguments.of("nic-ring", Map.of("queues", "2", "ring_size", "8", "inv", "strict", "msi_every", "1"), 25L),
        Arguments.of("nic-ring", Map.of("queues", "3", "ring_size", "4", "devices", "2", "inv", "lazy", "fq_size", "5",
            "fq_timeout_ns", "4000", "msi_every", "0"), 38L),
        Arguments.of("nic-ring", Map.of("inv", "lazy"), 1L + 8 + 1024 + 8),
        // attach + one map
        Arguments.of("random-window", Map.of("window", "1MiB", "access", "mixed"), 2L),
        // 2 attaches + 2 maps + 4 × (irte_set + inv_iec)
        Arguments.of("bad-actor", Map.of(), 12L),
        Arguments.of("bad-actor", Map.of("msi_compat", "0.1", "msi_spoof", "0.3"), 12L),
        // no MSI actor: 2 attaches + 2 maps
        Arguments.of("bad-actor", Map.of("msi_fraction", "0", "msi_spoof", "0"), 4L));
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
  /** Every combination of the interrupt and invalidation options of nic-ring, and of bad-actor's MSI actors. */
  static Stream<Arguments> optionGrid() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (String msiEvery : new String[] {"0", "1", "16"}) {
      for (String inv : new String[] {"none", "strict", "lazy"}) {
        for (String devices : new String[] {"1", "3"}) {
          for (String fq : new String[] {"3", "256"}) {
            if (fq.equals("3") && !inv.equals("lazy")) {
              continue;
            }
            b.add(Arguments.of("nic-ring", Map.of("queues", "2", "ring_size", "4", "devices", devices,
                "msi_every", msiEvery, "inv", inv, "fq_size", fq, "fq_timeout_ns", fq.equals("3") ? "2500" : "10000000",
                "packet_size", devices.equals("3") ? "9000" : "1500")));
          }
        }
      }
    }
    for (String good : new String[] {"0", "0.05"}) {
      for (String spoof : new String[] {"0", "0.1"}) {
        for (String compat : new String[] {"0", "0.02"}) {
          b.add(Arguments.of("bad-actor", Map.of("msi_fraction", good, "msi_spoof", spoof, "msi_compat", compat)));
        }
      }
    }
    return b.build();
  }

  @ParameterizedTest
  @MethodSource("optionGrid")
  void everyOptionCombinationGivesExactlyNEventsDeterministically(String name, Map<String, String> options) throws IOException {
    Workload w = Workloads.create(name, options);
    long minimum = w.minimumEvents();
    for (long n : new long[] {minimum, minimum + 1, minimum + 2, minimum + 13, minimum + 4001}) {
      List<TraceEvent> events = CollectingSink.run(w, n, 42);
      assertEquals(n, events.size(), "event count for n=" + n);
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i, events.get(i).seq, "seq");
        if (i > 0) {
          assertTrue(events.get(i).tsNs >= events.get(i - 1).tsNs, "time went backwards at " + events.get(i));
        }
      }
      assertEquals(events, CollectingSink.run(Workloads.create(name, options), n, 42), "same seed, same stream");
    }
    if (!name.equals("bad-actor")) {
      List<TraceEvent> longer = CollectingSink.run(w, minimum + 3000, 5);
      for (long cut = minimum; cut < minimum + 3000; cut += 97) {
        assertEquals(longer.subList(0, (int) cut), CollectingSink.run(w, cut, 5), "a cut at " + cut + " is a prefix");
      }
    }
  }
}
