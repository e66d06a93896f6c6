package io.iommusim.translator.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.csv.CanonicalCsvReader;
import io.iommusim.trace.generate.Workloads;
import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.vtd.CurveHarness.Geometry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The curves equal full LRU simulations ({@link CurveHarness}) on the bundled sample traces and on
 * generated traces of over a million IOTLB lookups, with page-selective (trace mode), strict and lazy
 * invalidation, both set-index functions and both partitionings of the simulations.
 */
class MissRatioCurveExactnessTest {
  private static final Path SAMPLES = Path.of("..", "sample-traces");

  /** Every geometry of sets 1, 2, 4, 8 up to 16 entries: small traces, every point checked. */
  private static final List<Geometry> SMALL = CurveHarness.all(16, 1, 2, 4, 8);
  private static final String[] SMALL_CURVES = {"mrc.max_entries=16", "mrc.sets=2,4,8"};

  /** Selected points of the default curves (4096 entries; 1, 8, 16, 64 sets). */
  private static final List<Geometry> DEFAULT_POINTS = List.of(
      new Geometry(1, 1), new Geometry(1, 64), new Geometry(1, 1000), new Geometry(1, 4096),
      new Geometry(8, 3), new Geometry(16, 32), new Geometry(64, 1), new Geometry(64, 64));

  /** Selected points of curves up to 64 entries (1, 2, 8 sets). */
  private static final List<Geometry> SMALL_POINTS = List.of(
      new Geometry(1, 1), new Geometry(1, 3), new Geometry(1, 8), new Geometry(1, 21), new Geometry(1, 64),
      new Geometry(2, 5), new Geometry(2, 32), new Geometry(8, 1), new Geometry(8, 4), new Geometry(8, 8));

  private static List<TraceEvent> read(String name) throws Exception {
    List<TraceEvent> events = new ArrayList<>();
    try (CanonicalCsvReader in = CanonicalCsvReader.open(SAMPLES.resolve(name), 0)) {
      TraceEvent e = new TraceEvent();
      while (in.next(e)) {
        events.add(e.copy());
      }
    }
    return events;
  }

  private static InvalidationMode modeOf(List<TraceEvent> events, String... settings) {
    boolean inv = events.stream().anyMatch(e -> e.kind == EventKind.INV_IOTLB || e.kind == EventKind.INV_CONTEXT
        || e.kind == EventKind.INV_DEVTLB);
    return CurveHarness.settings(settings).invalidationFor(inv);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Replays a sample with both simulation partitionings; returns the points compared. */
  private static int sample(String name, String... settings) throws Exception {
    List<TraceEvent> events = read(name);
    String[] all = concat(SMALL_CURVES, settings);
    CurveHarness h = new CurveHarness(modeOf(events, all), MrcPlan.everything(),
        CurveHarness.bothPartitionings(SMALL), all);
    for (TraceEvent e : events) {
      h.accept(e);
    }
    return h.assertExact();
  }

  @Test
  void quickstart() throws Exception {
    // two devices, one domain each: 0x01/0x02/0x04 fault before the IOTLB, a write to the read-only
    // superpage is a hit at depth 1, reads of unmapped pages (0x06) miss at every size
    assertTrue(sample("quickstart.csv") > 0);
  }

  @Test
  void msiSpoofing() throws Exception {
    sampleIfLookups("msi-spoofing.csv");
    sampleIfLookups("msi-spoofing.csv", "ir.enabled=false");
  }

  private static void sampleIfLookups(String name, String... settings) throws Exception {
    List<TraceEvent> events = read(name);
    boolean dma = events.stream().anyMatch(e -> e.kind == EventKind.DMA_READ || e.kind == EventKind.DMA_WRITE);
    if (dma) {
      sample(name, settings);
    }
  }

  @Test
  void nicLazyVsStrict() throws Exception {
    // strict: the late reads miss at every size; lazy: they hit the stale entry at depth 1 (exact), and
    // the write after the remap of A fills the tag it hits in the larger caches (exact)
    sample("nic-lazy-vs-strict.csv", "invalidation.mode=strict");
    sample("nic-lazy-vs-strict.csv", "invalidation.mode=lazy", "invalidation.lazy.queue_size=2",
        "invalidation.lazy.timeout_ns=1000");
  }

  @Test
  void atsDevice() throws Exception {
    sample("ats-device.csv", "ats.devices=05:00.0", "invalidation.mode=strict");
  }

  /** Streams a generated workload through the harness. */
  private static CurveHarness generate(String workload, Map<String, String> options, long events, InvalidationMode mode,
      MrcPlan plan, List<Geometry> geometries, String... settings) throws Exception {
    CurveHarness h = new CurveHarness(mode, plan, geometries, settings);
    Workloads.create(workload, options).generate(events, 3, h);
    return h;
  }

  /** The plan of a workload's attach graph, from a short run of it (the attaches come first). */
  private static MrcPlan planOf(String workload, Map<String, String> options) throws Exception {
    CurveHarness h = new CurveHarness(InvalidationMode.STRICT, MrcPlan.everything(), List.of(), "mrc.enabled=false");
    Workloads.create(workload, options).generate(Workloads.create(workload, options).minimumEvents(), 3, h);
    return h.planOfTrace(false);
  }

  private static long accesses(CurveHarness h) {
    long max = 0;
    for (ReplayStats.MrcCurve c : h.curveStats().mrc().values()) {
      max = Math.max(max, c.curves().accesses());
    }
    return max;
  }

  @Test
  void nicRingWithPageSelectiveInvalidationsOverAMillionLookups() throws Exception {
    // two NICs (domains 1 and 2) on unit 0; the driver's page-selective inv_iotlb after every unmap
    // (trace mode). The unit curve against a shared IOTLB (partition.by=unit), the device curves (and
    // the domain curves, which are theirs) against private ones (partition.by=device).
    Map<String, String> options = Map.of("devices", "2", "inv", "strict", "msi_every", "0");
    CurveHarness h = generate("nic-ring", options, 2_100_000, InvalidationMode.TRACE, planOf("nic-ring", options),
        CurveHarness.bothPartitionings(DEFAULT_POINTS));
    assertTrue(accesses(h) >= 1_000_000, "unit curve accesses " + accesses(h));
    // unit: unit sims; 2 devices and 2 domains: device sims
    assertEquals(5 * DEFAULT_POINTS.size(), h.assertExact());
  }

  @Test
  void randomWindowOverAMillionLookups() throws Exception {
    // pcie-bench: 64-byte reads at random offsets of a 64 MiB window (16384 pages), no invalidations;
    // one device in one domain: the three curves are one
    Map<String, String> options = Map.of("window", "64MiB");
    CurveHarness h = generate("random-window", options, 1_050_000, InvalidationMode.STRICT,
        planOf("random-window", options), DEFAULT_POINTS);
    assertTrue(accesses(h) >= 1_000_000);
    assertEquals(3 * DEFAULT_POINTS.size(), h.assertExact());
  }

  @Test
  void hashedSetIndex() throws Exception {
    Map<String, String> options = Map.of("window", "4MiB");
    CurveHarness h = generate("random-window", options, 100_000, InvalidationMode.STRICT, MrcPlan.everything(),
        SMALL_POINTS, "iotlb.index=hash", "mrc.max_entries=64", "mrc.sets=2,8");
    assertEquals(3 * SMALL_POINTS.size(), h.assertExact());
  }

  @Test
  void nicRingUnderStrictAndLazyModes() throws Exception {
    // the model's own invalidations: strict (every unmap), lazy (flush queue of 64, 20 us timer); two
    // NICs, compared as a shared and as private IOTLBs
    Map<String, String> options = Map.of("devices", "2", "msi_every", "0", "queues", "2", "ring_size", "64");
    List<Geometry> points = CurveHarness.bothPartitionings(SMALL_POINTS);
    for (String mode : new String[] {"strict", "lazy"}) {
      CurveHarness h = generate("nic-ring", options, 60_000, InvalidationMode.valueOf(mode.toUpperCase()),
          MrcPlan.everything(), points, "mrc.max_entries=64", "mrc.sets=2,8",
          "invalidation.mode=" + mode, "invalidation.lazy.queue_size=64", "invalidation.lazy.timeout_ns=20000");
      // unit: unit sims; device and domain curves (two each): device sims
      assertEquals(5 * points.size() / 2, h.assertExact());
    }
  }

  @Test
  void sharedCurvesEqualTheirOwnCounters() throws Exception {
    // the plan of the trace's attach graph shares curves (each domain has one device): the table it
    // gives equals computing every curve separately
    Map<String, String> options = Map.of("devices", "2", "inv", "strict", "msi_every", "0", "queues", "2",
        "ring_size", "64");
    MrcPlan plan = planOf("nic-ring", options);
    assertEquals(CurveKey.ofDevice(0, 0x300), plan.sourceOf(CurveKey.ofDomain(0, 1)));
    assertEquals(CurveKey.ofDevice(0, 0x400), plan.sourceOf(CurveKey.ofDomain(0, 2)));
    assertEquals(CurveKey.ofUnit(0), plan.sourceOf(CurveKey.ofUnit(0)));
    CurveHarness separate = generate("nic-ring", options, 100_000, InvalidationMode.TRACE, MrcPlan.everything(),
        List.of());
    CurveHarness shared = generate("nic-ring", options, 100_000, InvalidationMode.TRACE, plan, List.of());
    assertEquals(curveRows(separate.curveStats()), curveRows(shared.curveStats()));
    // one device in one domain: the unit and domain curves are the device's
    Map<String, String> one = Map.of("msi_every", "0", "queues", "1", "ring_size", "32");
    MrcPlan onePlan = planOf("nic-ring", one);
    assertEquals(CurveKey.ofDevice(0, 0x300), onePlan.sourceOf(CurveKey.ofUnit(0)));
    assertEquals(CurveKey.ofDevice(0, 0x300), onePlan.sourceOf(CurveKey.ofDomain(0, 1)));
    assertEquals(curveRows(generate("nic-ring", one, 20_000, InvalidationMode.STRICT, MrcPlan.everything(), List.of())
        .curveStats()), curveRows(generate("nic-ring", one, 20_000, InvalidationMode.STRICT, onePlan, List.of())
        .curveStats()));
  }

  /** Every (key, sets, ways, accesses, misses, divergent) of the table, as text. */
  static List<String> curveRows(ReplayStats stats) {
    List<String> rows = new ArrayList<>();
    stats.mrc().forEach((key, c) -> c.curves().forEachPoint((sets, ways, entries, accesses, misses) ->
        rows.add(key + " " + sets + "x" + ways + " " + accesses + " " + misses + " " + c.divergentLookups())));
    return rows;
  }
}
