package io.iommusim.bench.engine;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.Granularity;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.ir.IrCounter;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.DomainCell;
import io.iommusim.translator.stats.DomainCounter;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.vtd.BusPresence;
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
 * Throughput of {@link VtdTranslator#apply} on precomputed events. In {@code hitDominated} and
 * {@code missDominated} every event is a DMA of one translation, and one JMH operation is one
 * translation ({@link OperationsPerInvocation}); the unit is ops/µs, so the score reads directly as
 * millions of translations per second. In {@code msiHeavy} one operation is one interrupt request
 * (msi event), in {@code invalidationHeavy} one event (map, DMA or unmap).
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
 *
 * <p>{@code mrc} ({@code mrc.enabled}, default {@code false} here so the figures stay comparable with
 * the ones before the miss-ratio curves existed): {@code -p mrc=true} adds the curve computation
 * (one device in one domain: one shared curve counter, default geometry) to every IOTLB lookup.
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

  /**
   * The miss-ratio-curve plan simulate derives for this attach graph: the unit, domain and device
   * curves are one, computed by one counter.
   */
  static final MrcPlan ONE_DEVICE_ONE_DOMAIN = new MrcPlan.Builder().addAttach(UNIT, SID, DOMAIN).build(true);

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
      translator = new VtdTranslator(settings, FaultSink.DISCARD, BusPresence.local(), settings.invalidationFor(false),
          ONE_DEVICE_ONE_DOMAIN);
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

    /** mrc.enabled (see the class comment). */
    @Param({"false"})
    public String mrc;

    @Override
    Map<String, String> settings() {
      return Map.of("mrc.enabled", mrc); // otherwise defaults: 64-entry fully associative LRU IOTLB
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

    /** mrc.enabled (see the class comment). */
    @Param({"false"})
    public String mrc;

    @Override
    Map<String, String> settings() {
      return Map.of("psc.l2.entries", "0", "psc.l3.entries", "0", "psc.l4.entries", "0", "psc.l5.entries", "0",
          "mrc.enabled", mrc);
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

  /** Interrupt requests per invocation of {@link #msiHeavy}. */
  static final int MSI_EVENTS = 1 << 20;

  /**
   * An MSI-heavy stream: one device (01:00.0) with {@link #VECTORS} MSI-X vectors, each a valid
   * remappable IRTE for it (P = 1, IM = 0, SVT = 1, SQ = 0, SID = 01:00.0; written by irte_set and
   * followed by an index-selective inv_iec, as Linux's {@code modify_irte} does), and 2^20 msi events
   * in the remappable format (handle = IRTE index, SHV = 0, data 0) cycling over the vectors. After
   * the first pass every request hits the 64-entry IEC. One request in {@link #SPOOF_EVERY} comes from
   * another requester (02:00.0, never attached) naming the same handles: blocked with 0x26
   * (source-id verification). One JMH op is one interrupt request.
   */
  @State(Scope.Thread)
  public static class MsiHeavy {
    static final int VECTORS = 32;
    /** IRTE index of vector 0 (Linux hands out indices from a per-unit bitmap; any base will do). */
    static final int HANDLE_BASE = 0x100;
    static final int SPOOF_EVERY = 16;
    static final int SPOOFER = 0x0200; // 02:00.0

    VtdTranslator translator;
    long[] addresses;
    int[] sids;
    final TraceEvent event = new TraceEvent();

    /** The remapped-format IRTE of vector v (iommu-semantics.md 1.4), low word: P, vector, destination. */
    static long irteLo(int v) {
      long present = 1;
      long vector = 0x30 + v;        // bits 23:16; DM = 0 (physical), TM = 0 (edge), DLM = 0 (fixed)
      long destination = (long) (v % 2) << 8; // bits 63:32; xAPIC: the APIC id in bits 15:8 of it
      return present | vector << 16 | destination << 32;
    }

    /** High word: SID (bits 79:64), SQ = 0 (bits 81:80: compare all 16 bits), SVT = 1 (bits 83:82). */
    static long irteHi() {
      return SID | 0L << 16 | 1L << 18;
    }

    /** Remappable MSI address: 0xFEE in 31:20, handle[14:0] in 19:5, format bit 4 = 1, SHV = 0, handle[15] in bit 2. */
    static long msiAddress(int handle) {
      return 0xFEE0_0000L | (long) (handle & 0x7FFF) << 5 | 1L << 4 | (long) (handle >>> 15 & 1) << 2;
    }

    @Setup(Level.Trial)
    public void setUp() {
      // no DMA, so no IOTLB lookup: the curves would cost nothing here
      ModelSettings settings = new ModelSettings(Settings.defaults().with(Map.of("mrc.enabled", "false"), "MsiHeavy"));
      translator = new VtdTranslator(settings, FaultSink.DISCARD);
      TraceEvent attach = new TraceEvent();
      attach.kind = EventKind.ATTACH;
      attach.seq = 0;
      attach.unit = UNIT;
      attach.sid = SID;
      attach.domain = DOMAIN;
      translator.apply(attach);
      long seq = 1;
      for (int v = 0; v < VECTORS; v++) {
        TraceEvent set = new TraceEvent();
        set.kind = EventKind.IRTE_SET;
        set.seq = seq++;
        set.unit = UNIT;
        set.index = HANDLE_BASE + v;
        set.irteLo = irteLo(v);
        set.irteHi = irteHi();
        translator.apply(set);
        TraceEvent inv = new TraceEvent();
        inv.kind = EventKind.INV_IEC;
        inv.seq = seq++;
        inv.unit = UNIT;
        inv.granularity = Granularity.INDEX;
        inv.index = HANDLE_BASE + v;
        inv.am = 0;
        translator.apply(inv);
      }
      addresses = new long[MSI_EVENTS];
      sids = new int[MSI_EVENTS];
      for (int i = 0; i < MSI_EVENTS; i++) {
        addresses[i] = msiAddress(HANDLE_BASE + i % VECTORS);
        sids[i] = i % SPOOF_EVERY == SPOOF_EVERY - 1 ? SPOOFER : SID;
      }
      event.kind = EventKind.MSI;
      event.unit = UNIT;
      event.data = 0;
      replay(); // fills the IEC, and gives the counters checked here
      check();
    }

    void check() {
      long spoofed = MSI_EVENTS / SPOOF_EVERY;
      long genuine = MSI_EVENTS - spoofed;
      StatsCell own = cell(translator, SID, DOMAIN);
      StatsCell spoofer = cell(translator, SPOOFER, -1);
      requireIr(own.get(IrCounter.MSI_TOTAL) == genuine, "every genuine request counted", own);
      requireIr(own.get(IrCounter.MSI_DELIVERED) == genuine, "genuine requests delivered", own);
      requireIr(own.get(IrCounter.MSI_BLOCKED) == 0, "no genuine request blocked", own);
      requireIr(spoofer.get(IrCounter.MSI_TOTAL) == spoofed, "every spoofed request counted", spoofer);
      requireIr(spoofer.get(IrCounter.MSI_BLOCKED) == spoofed
          && spoofer.get(IrCounter.MSI_BLOCKED_SOURCE_ID) == spoofed, "spoofed requests blocked with 0x26", spoofer);
      requireIr(spoofer.get(IrCounter.MSI_DELIVERED) == 0, "no spoofed request delivered", spoofer);
      long misses = own.get(IrCounter.IEC_MISSES) + spoofer.get(IrCounter.IEC_MISSES);
      long hits = own.get(IrCounter.IEC_HITS) + spoofer.get(IrCounter.IEC_HITS);
      requireIr(misses == VECTORS && hits == MSI_EVENTS - VECTORS, "only the " + VECTORS + " cold IEC misses", own);
      requireIr(own.get(DeviceCounter.DMA_EVENTS) == 0 && own.get(DeviceCounter.FAULTS) == 0, "no DMA", own);
    }

    /** The measured loop: one reused msi event filled from the address and requester columns. */
    final long replay() {
      VtdTranslator t = translator;
      long[] addr = addresses;
      int[] sid = sids;
      TraceEvent e = event;
      for (int i = 0; i < addr.length; i++) {
        e.tsNs = 1000 + i;
        e.seq = 1000 + i;
        e.sid = sid[i];
        e.addr = addr[i];
        t.apply(e);
      }
      return t.stats().eventsByKind()[EventKind.MSI.ordinal()];
    }
  }

  /** Packets per invocation of {@link #invalidationHeavy}; each is 3 events (map, dma_write, unmap). */
  static final int PACKETS = 1 << 18;
  static final int INV_EVENTS = 3 * PACKETS;

  /**
   * An invalidation-heavy stream, a NIC receiving with a Linux driver in strict mode
   * ({@code iommu.strict=1}; invalidation.mode=strict, which is also what auto picks for a trace
   * without inv_* events such as the generator's default nic-ring): per packet the driver maps a
   * 4 KiB receive buffer, the device writes a 1500-byte frame into it, and the driver unmaps it, the
   * unmap invalidating the page in the IOTLB at once (page-selective, leaves only: IH = 1). The
   * buffers cycle over {@link #BUFFERS} IOVAs in one 2 MiB region (the IOVA allocator's per-CPU cache
   * hands recently freed IOVAs out again). So every DMA misses the IOTLB (its entry went with the
   * previous unmap of that IOVA) and walks one level: the paging-structure caches hold the upper
   * levels. One JMH op is one event (map, DMA or unmap), not one translation.
   */
  @State(Scope.Thread)
  public static class InvalidationHeavy {
    /** mrc.enabled (see the class comment). */
    @Param({"false"})
    public String mrc;

    static final int BUFFERS = 32;
    static final long BASE = 0x20_0000L; // 2 MiB aligned: every buffer under one level-1 table
    static final long PHYS = 0x1_0000_0000L;
    static final int FRAME = 1500;

    VtdTranslator translator;
    EventKind[] kinds;
    long[] addresses;
    long[] sizes;
    long[] phys;
    final TraceEvent event = new TraceEvent();

    @Setup(Level.Trial)
    public void setUp() {
      ModelSettings settings = new ModelSettings(
          Settings.defaults().with(Map.of("invalidation.mode", "strict", "mrc.enabled", mrc), "InvalidationHeavy"));
      translator = new VtdTranslator(settings, FaultSink.DISCARD, BusPresence.local(), settings.invalidationFor(false),
          ONE_DEVICE_ONE_DOMAIN);
      if (translator.invalidationMode() != InvalidationMode.STRICT) {
        throw new IllegalStateException("benchmark scenario broken: invalidation mode " + translator.invalidationMode());
      }
      TraceEvent attach = new TraceEvent();
      attach.kind = EventKind.ATTACH;
      attach.seq = 0;
      attach.unit = UNIT;
      attach.sid = SID;
      attach.domain = DOMAIN;
      translator.apply(attach);
      kinds = new EventKind[INV_EVENTS];
      addresses = new long[INV_EVENTS];
      sizes = new long[INV_EVENTS];
      phys = new long[INV_EVENTS];
      for (int p = 0; p < PACKETS; p++) {
        int buffer = p % BUFFERS;
        long iova = BASE + buffer * 4096L;
        int i = 3 * p;
        kinds[i] = EventKind.MAP;
        addresses[i] = iova;
        sizes[i] = 4096;
        phys[i] = PHYS + ((long) p % 4096) * 4096; // the pages of the receive pool, reused
        kinds[i + 1] = EventKind.DMA_WRITE;
        addresses[i + 1] = iova + 64;
        sizes[i + 1] = FRAME;
        kinds[i + 2] = EventKind.UNMAP;
        addresses[i + 2] = iova;
        sizes[i + 2] = 4096;
      }
      event.unit = UNIT;
      event.sid = SID;
      event.domain = DOMAIN;
      event.pageSize = 4096;
      replay(); // warms the paging-structure caches, and gives the counters checked here
      check();
    }

    void check() {
      StatsCell cell = cell(translator, SID, DOMAIN);
      DomainCell dom = translator.stats().domains().stream()
          .filter(d -> d.unit == UNIT && d.domain == DOMAIN).findFirst().orElseThrow();
      Scenario.require(cell.get(DeviceCounter.DMA_EVENTS) == PACKETS, "one DMA per packet", cell);
      Scenario.require(cell.get(DeviceCounter.TRANSLATIONS) == PACKETS, "one translation per DMA", cell);
      Scenario.require(cell.get(DeviceCounter.FAULTS) == 0, "no faults", cell);
      Scenario.require(cell.get(DeviceCounter.STALE_HITS) == 0, "no stale hits", cell);
      Scenario.require(cell.get(DeviceCounter.IOTLB_HITS) == 0
          && cell.get(DeviceCounter.IOTLB_MISSES) == PACKETS, "every DMA misses (its entry went with the last unmap)", cell);
      Scenario.require(cell.get(DeviceCounter.PAGE_WALKS) == PACKETS, "one walk per DMA", cell);
      // the first walk reads 4 levels and fills the paging-structure caches; every later one reads the leaf only
      Scenario.require(cell.get(DeviceCounter.WALK_MEMORY_READS) == PACKETS + 3, "one entry read per walk", cell);
      long[] k = dom.counters;
      requireDomain(k[DomainCounter.MAPS.ordinal()] == PACKETS && k[DomainCounter.UNMAPS.ordinal()] == PACKETS
          && k[DomainCounter.UNMAPPED_PAGES.ordinal()] == PACKETS, "one map and one unmap of one page per packet", k);
      requireDomain(k[DomainCounter.STRICT_UNMAP_INVALIDATIONS.ordinal()] == PACKETS, "one invalidation per unmap", k);
      requireDomain(k[DomainCounter.MAP_OVERLAP_PAGES.ordinal()] == 0
          && k[DomainCounter.UNMAP_OF_UNMAPPED_PAGES.ordinal()] == 0, "no overlapping map, no unmap of nothing", k);
    }

    /** The measured loop: one reused event filled from the kind, address, size and phys columns. */
    final long replay() {
      VtdTranslator t = translator;
      EventKind[] kind = kinds;
      long[] addr = addresses;
      long[] size = sizes;
      long[] ph = phys;
      TraceEvent e = event;
      for (int i = 0; i < addr.length; i++) {
        e.tsNs = 1000 + i;
        e.seq = 1000 + i;
        e.kind = kind[i];
        e.addr = addr[i];
        e.size = size[i];
        e.phys = ph[i];
        t.apply(e);
      }
      return t.stats().eventsByKind()[EventKind.UNMAP.ordinal()];
    }
  }

  static StatsCell cell(VtdTranslator t, int sid, int domain) {
    return t.stats().cells().stream()
        .filter(c -> c.unit == UNIT && c.sid == sid && c.domain == domain).findFirst()
        .orElseThrow(() -> new IllegalStateException("benchmark scenario broken: no statistics for sid " + sid));
  }

  static void requireIr(boolean ok, String what, StatsCell cell) {
    if (!ok) {
      StringBuilder b = new StringBuilder("benchmark scenario broken (" + what + "): sid=" + cell.sid);
      for (IrCounter c : IrCounter.values()) {
        b.append(' ').append(c.column()).append('=').append(cell.get(c));
      }
      throw new IllegalStateException(b.toString());
    }
  }

  static void requireDomain(boolean ok, String what, long[] k) {
    if (!ok) {
      StringBuilder b = new StringBuilder("benchmark scenario broken (" + what + "):");
      for (DomainCounter c : DomainCounter.values()) {
        b.append(' ').append(c.name().toLowerCase()).append('=').append(k[c.ordinal()]);
      }
      throw new IllegalStateException(b.toString());
    }
  }

  // Each measured call also counts the thread's CPU time (MrcBenchmark.CpuTime): run.sh prints the
  // throughput per CPU second beside the wall-clock score, since the dev VM's cores are shared.

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long hitDominated(HitDominated s, MrcBenchmark.CpuTime cpu) {
    cpu.begin();
    long r = s.replay();
    cpu.end();
    return r;
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long missDominated(MissDominated s, MrcBenchmark.CpuTime cpu) {
    cpu.begin();
    long r = s.replay();
    cpu.end();
    return r;
  }

  /** One op = one interrupt request (msi event). */
  @Benchmark
  @OperationsPerInvocation(MSI_EVENTS)
  public long msiHeavy(MsiHeavy s, MrcBenchmark.CpuTime cpu) {
    cpu.begin();
    long r = s.replay();
    cpu.end();
    return r;
  }

  /** One op = one event (a third of them maps, DMAs and unmaps each). */
  @Benchmark
  @OperationsPerInvocation(INV_EVENTS)
  public long invalidationHeavy(InvalidationHeavy s, MrcBenchmark.CpuTime cpu) {
    cpu.begin();
    long r = s.replay();
    cpu.end();
    return r;
  }
}
