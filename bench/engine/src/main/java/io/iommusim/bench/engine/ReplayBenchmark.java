package io.iommusim.bench.engine;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.vtd.VtdTranslator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@link VtdTranslator#apply} on precomputed DMA events, one translation per event.
 * One JMH operation is one translation ({@link OperationsPerInvocation}), and the unit is ops/µs, so
 * the score reads directly as millions of translations per second.
 *
 * <p>The translator is built once per trial ({@link Level#Trial}: attach + map, then one unmeasured
 * pass over the events) and reused by every iteration. Rebuilding it per iteration would put the map
 * of a 4 GiB region in the measurement's shadow and gain nothing: the cache state an iteration leaves
 * behind is the steady state the next one would reach anyway (hit-dominated: the 32 pages stay in the
 * 64-entry IOTLB; miss-dominated: the IOTLB holds 64 of 2^20 pages). Statistics counters keep
 * growing across iterations; the latency histograms do not resize once they have seen the scenario's
 * latencies. Each scenario checks in its setup that it measures what its name says (hit and miss
 * ratios, entries read per walk, no faults), so a model change cannot silently turn a miss benchmark
 * into a hit benchmark.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ReplayBenchmark {
  /** DMA events per invocation (each is one translation). */
  static final int EVENTS = 1 << 20;

  static final int UNIT = 0;
  static final int SID = 0x0100; // 01:00.0
  static final int DOMAIN = 1;
  static final int DMA_BYTES = 64;

  /** Translator, settings and events common to both scenarios. */
  abstract static class Scenario {
    VtdTranslator translator;
    /**
     * The stream as a primitive column, replayed through one reused event: the shape in which the
     * trace readers hand events to the translator (a batch of arrays, one TraceEvent filled per
     * row), so the benchmark measures the translator rather than streaming 2^20 event objects.
     */
    long[] addresses;
    final TraceEvent event = new TraceEvent();

    /** Setting overrides of this scenario. */
    abstract Map<String, String> settings();

    /** Applies the scenario's map events (seq numbers from {@code seq}). */
    abstract void map(long seq);

    /** IOVA of the i-th DMA (its 64 bytes must lie in one 4 KiB page). */
    abstract long dmaAddress(int i);

    /** Throws unless the unmeasured pass behaved as the scenario's name says. */
    abstract void check(StatsCell cell);

    void build() {
      ModelSettings settings = new ModelSettings(Settings.defaults().with(settings(), getClass().getSimpleName()));
      translator = new VtdTranslator(settings, FaultSink.DISCARD);
      TraceEvent attach = new TraceEvent();
      attach.kind = EventKind.ATTACH;
      attach.seq = 0;
      attach.unit = UNIT;
      attach.sid = SID;
      attach.domain = DOMAIN;
      translator.apply(attach);
      map(1);
      addresses = new long[EVENTS];
      for (int i = 0; i < EVENTS; i++) {
        addresses[i] = dmaAddress(i);
      }
      event.kind = EventKind.DMA_READ;
      event.unit = UNIT;
      event.sid = SID;
      event.size = DMA_BYTES;
      replay(); // warms the caches, and gives the counters check() reads
      StatsCell cell = translator.stats().cells().stream()
          .filter(c -> c.sid == SID && c.domain == DOMAIN).findFirst().orElseThrow();
      require(cell.get(DeviceCounter.DMA_EVENTS) == EVENTS, "dma events", cell);
      require(cell.get(DeviceCounter.TRANSLATIONS) == EVENTS, "one translation per event", cell);
      require(cell.get(DeviceCounter.FAULTS) == 0, "no faults", cell);
      check(cell);
    }

    void mapRange(long seq, long iova, long size, long phys) {
      TraceEvent m = new TraceEvent();
      m.kind = EventKind.MAP;
      m.seq = seq;
      m.unit = UNIT;
      m.domain = DOMAIN;
      m.addr = iova;
      m.size = size;
      m.phys = phys;
      m.pageSize = 4096;
      translator.apply(m);
    }

    /** The measured loop. */
    final long replay() {
      VtdTranslator t = translator;
      long[] addr = addresses;
      TraceEvent e = event;
      for (int i = 0; i < addr.length; i++) {
        e.tsNs = 1000 + i;
        e.seq = 2 + i;
        e.addr = addr[i];
        t.apply(e);
      }
      return t.stats().eventsByKind()[EventKind.DMA_READ.ordinal()];
    }

    static void require(boolean ok, String what, StatsCell cell) {
      if (!ok) {
        StringBuilder b = new StringBuilder("benchmark scenario broken (" + what + "):");
        for (DeviceCounter c : DeviceCounter.values()) {
          b.append(' ').append(c.name().toLowerCase()).append('=').append(cell.get(c));
        }
        throw new IllegalStateException(b.toString());
      }
    }
  }

  /** 32 mapped 4 KiB pages, DMAs cycling over them: after the first pass every lookup hits the 64-entry IOTLB. */
  @State(Scope.Thread)
  public static class HitDominated extends Scenario {
    static final int PAGES = 32;
    static final long BASE = 0x10_0000L;

    @Override
    Map<String, String> settings() {
      return Map.of(); // defaults: 64-entry fully associative LRU IOTLB
    }

    @Override
    void map(long seq) {
      mapRange(seq, BASE, PAGES * 4096L, 0x8000_0000L);
    }

    @Override
    long dmaAddress(int i) {
      // page i % 32, a different 64-byte line of it each round
      return BASE + (long) (i % PAGES) * 4096 + (long) ((i / PAGES) % 64) * DMA_BYTES;
    }

    @Override
    void check(StatsCell cell) {
      require(cell.get(DeviceCounter.IOTLB_MISSES) == PAGES, "only the 32 cold misses", cell);
    }

    @Setup(Level.Trial)
    public void setUp() {
      build();
    }
  }

  /**
   * 2^20 DMAs to random pages of a mapping of {@code mappedPages} 4 KiB pages, every
   * paging-structure cache off: each translation misses the IOTLB and walks all 4 levels from the
   * root. With 4 GiB mapped the leaf tables (16 MiB of PTEs with their stamps) do not fit the caches,
   * so that variant also measures memory latency.
   */
  @State(Scope.Thread)
  public static class MissDominated extends Scenario {
    static final long BASE = 1L << 32;

    /**
     * 4 KiB pages mapped, and drawn from uniformly: 16384 = pcie-bench's 64 MiB window (its page
     * tables fit the caches, so this measures the model); 1048576 = 4 GiB (a memory-latency test).
     */
    @Param({"16384", "1048576"})
    public int mappedPages;

    @Override
    Map<String, String> settings() {
      return Map.of("psc.l2.entries", "0", "psc.l3.entries", "0", "psc.l4.entries", "0", "psc.l5.entries", "0");
    }

    @Override
    void map(long seq) {
      mapRange(seq, BASE, mappedPages * 4096L, 1L << 36);
    }

    private final SplittableRandom random = new SplittableRandom(42);

    @Override
    long dmaAddress(int i) {
      return BASE + (long) random.nextInt(mappedPages) * 4096 + (long) random.nextInt(64) * DMA_BYTES;
    }

    @Override
    void check(StatsCell cell) {
      // a page drawn again while still among the 64 most recent is a hit: about 64 / mappedPages
      require(cell.get(DeviceCounter.IOTLB_HITS) < EVENTS / 100, "IOTLB misses dominate", cell);
      long walks = cell.get(DeviceCounter.PAGE_WALKS);
      require(walks == cell.get(DeviceCounter.IOTLB_MISSES), "one walk per miss", cell);
      require(cell.get(DeviceCounter.WALK_MEMORY_READS) == 4 * walks, "4 entries read per walk", cell);
    }

    @Setup(Level.Trial)
    public void setUp() {
      build();
    }
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long hitDominated(HitDominated s) {
    return s.replay();
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long missDominated(MissDominated s) {
    return s.replay();
  }
}
