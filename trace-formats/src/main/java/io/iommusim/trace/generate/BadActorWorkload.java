package io.iommusim.trace.generate;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A well-behaved device plus misbehaving requesters, one per VT-d DMA-remapping fault reason
 * (iommu-semantics §1.3) and two interrupt-remapping ones (§1.4), to check that the model classifies
 * faults correctly — and, for the security study, that without interrupt remapping a device can forge
 * any MSI while with it source-id validation blocks a device whose IRTE names another requester.
 *
 * <p><b>Setup</b> (ts 0): {@code attach} 01:00.0 (the good device) and 01:01.0 (the rogue) to
 * domain 1; {@code map} {@value #RW_PAGES} pages at {@link #MAPPED_BASE} perm rw, then {@value #RO_PAGES}
 * pages right after them perm r (4 KiB leaves) — 4 events. Unless {@code msi_fraction}, {@code msi_spoof} and
 * {@code msi_compat} are all 0, the good device's {@value #GOOD_IRQS} MSI-X interrupts follow: for
 * i = 0..{@value #GOOD_IRQS}−1 an {@code irte_set} of handle {@code 32 + i} and its index-selective
 * {@code inv_iec} — 4 + 2·{@value #GOOD_IRQS} events. IRTE i is Linux's (see {@link Interrupts}): present,
 * vector 0x21 + i, destination APIC id i, SID = 01:00.0, SQ = 0, SVT = 1, i.e.
 * {@code irte_lo = 0x9 | (0x21 + i) << 16 | i << 32}, {@code irte_hi = 0x0100 | 1 << 18}. No other IRTE is
 * programmed. Nothing is ever mapped in the 1 MiB at {@link #UNMAPPED_BASE}. No other device is ever
 * attached. With all MSI fractions 0 the stream is exactly the one before MSIs existed.
 *
 * <p><b>Traffic</b>: DMAs of {@value #DMA_BYTES} bytes at 64-byte-aligned offsets (never crossing a
 * page) and 4-byte MSIs; traffic event i (from 0) at {@code (i + 1) · gap_ns}. With T = events − setup, each
 * class below occurs exactly ⌊f·T⌋ times (f = its option, decimal arithmetic on the value as written), the
 * good device's DMAs take the rest; the classes are interleaved in a random order (sampling without
 * replacement). Because the counts are fractions of the whole run, a shorter run is not a prefix of a
 * longer one with the same seed. The remappable MSIs name handle {@code 32 + k} with k uniform in
 * 0..{@value #GOOD_IRQS}−1: {@code addr = 0xFEE00000 | (32 + k) << 5 | 1 << 4} (SHV = 0), {@code data} 0.
 * The compatibility-format MSIs have {@code addr = 0xFEE00000 | dest << 12} (bit 4 = 0), dest uniform in
 * 0..7, and {@code data} = a vector uniform in 0x21..0xEF.
 *
 * <table>
 *   <caption>Actors and the fault reason the model must report</caption>
 *   <tr><th>option</th><th>requester</th><th>access</th><th>reason</th></tr>
 *   <tr><td>(rest)</td><td>01:00.0, domain 1</td><td>read any mapped page, or write a rw page (1/2 each)</td><td>none</td></tr>
 *   <tr><td>unmapped_read</td><td>01:01.0, domain 1</td><td>read in the unmapped MiB</td><td>0x06 (PTE read access not set)</td></tr>
 *   <tr><td>unmapped_write</td><td>01:01.0, domain 1</td><td>write in the unmapped MiB</td><td>0x05 (PTE write access not set)</td></tr>
 *   <tr><td>readonly_write</td><td>01:01.0, domain 1</td><td>write to a read-only page</td><td>0x05</td></tr>
 *   <tr><td>unattached_device</td><td>01:02.0, never attached; bus 01 has attached devices</td><td>read or write (1/2 each), mapped-range address</td><td>0x02 (context entry not present)</td></tr>
 *   <tr><td>empty_bus</td><td>0000:42:00.0, no device on bus 0x42 is attached</td><td>read or write (1/2 each), mapped-range address</td><td>0x01 (root entry not present)</td></tr>
 *   <tr><td>beyond_width</td><td>01:01.0, domain 1</td><td>read or write (1/2 each) at or above 2^address_width</td><td>0x04 (access beyond MGAW); the model must use the same address width</td></tr>
 *   <tr><td>msi_fraction</td><td>01:00.0</td><td>remappable MSI through one of its own IRTEs</td><td>none (delivered)</td></tr>
 *   <tr><td>msi_spoof</td><td>01:01.0</td><td>remappable MSI through one of 01:00.0's IRTEs (SVT=1, SQ=0, SID 01:00.0)</td><td>0x26 (source-id verification failed) with interrupt remapping; without it the forged interrupt is delivered</td></tr>
 *   <tr><td>msi_compat</td><td>01:01.0</td><td>compatibility-format MSI</td><td>0x25 (compatibility-format interrupt blocked), as Linux configures VT-d (GCMD.CFI clear); delivered unremapped when compatibility format is allowed</td></tr>
 * </table>
 * DMAs from attached devices carry {@code domain} 1; those from never-attached devices carry no domain (-1).
 * MSIs carry {@code sid}, {@code addr}, {@code data} and {@code size} 4, and no domain.
 */
public final class BadActorWorkload implements Workload {
  public static final String NAME = "bad-actor";
  public static final int GOOD_SID = Sid.of(0, 1, 0, 0);
  public static final int ROGUE_SID = Sid.of(0, 1, 1, 0);
  public static final int UNATTACHED_SID = Sid.of(0, 1, 2, 0);
  public static final int EMPTY_BUS_SID = Sid.of(0, 0x42, 0, 0);
  public static final int DOMAIN = 1;
  public static final long PAGE = 4096;
  public static final long MAPPED_BASE = 0x1000_0000L;
  public static final int RW_PAGES = 6;
  public static final int RO_PAGES = 2;
  public static final long UNMAPPED_BASE = 0x2000_0000L;
  public static final long UNMAPPED_BYTES = 1L << 20;
  public static final long PHYS_BASE = 0x8000_0000L;
  public static final long DMA_BYTES = 64;
  private static final long DMA_SETUP_EVENTS = 4;
  /** MSI-X interrupts of the good device, IRTE handles {@link #IR_HANDLE_BASE} onwards. */
  public static final int GOOD_IRQS = 4;
  public static final int IR_HANDLE_BASE = 32;
  public static final long MSI_BYTES = 4;

  /** The traffic classes, in the order of {@link #OPTIONS} after the first; GOOD takes what is left. */
  public enum Actor {
    GOOD(null, TraceEvent.NONE),
    UNMAPPED_READ("unmapped_read", 0x06),
    UNMAPPED_WRITE("unmapped_write", 0x05),
    READONLY_WRITE("readonly_write", 0x05),
    UNATTACHED_DEVICE("unattached_device", 0x02),
    EMPTY_BUS("empty_bus", 0x01),
    BEYOND_WIDTH("beyond_width", 0x04),
    GOOD_MSI("msi_fraction", TraceEvent.NONE),
    MSI_SPOOF("msi_spoof", 0x26),
    MSI_COMPAT("msi_compat", 0x25);

    /** The option giving this class's fraction; null for GOOD. */
    public final String option;
    /** The VT-d fault reason the model must report (with interrupt remapping on), or {@link TraceEvent#NONE}. */
    public final int reason;

    Actor(String option, int reason) {
      this.option = option;
      this.reason = reason;
    }
  }

  private static final Actor[] ACTORS = Actor.values();

  static final List<OptionSpec> OPTIONS = List.of(
      new OptionSpec("address_width", "48", "IOMMU address width in bits (39, 48 or 57); the model must use the same"),
      new OptionSpec("unmapped_read", "0.02", "fraction of traffic: rogue 01:01.0 reads unmapped IOVAs (reason 0x06)"),
      new OptionSpec("unmapped_write", "0.02", "fraction: rogue writes unmapped IOVAs (0x05)"),
      new OptionSpec("readonly_write", "0.02", "fraction: rogue writes a read-only page (0x05)"),
      new OptionSpec("unattached_device", "0.02", "fraction: never-attached 01:02.0 on an attached bus (0x02)"),
      new OptionSpec("empty_bus", "0.02", "fraction: 0000:42:00.0 on a bus with no attached device (0x01)"),
      new OptionSpec("beyond_width", "0.02", "fraction: rogue accesses at or above 2^address_width (0x04)"),
      new OptionSpec("msi_fraction", "0.02", "fraction: the good device's own MSIs through its IRTEs (no fault)"),
      new OptionSpec("msi_spoof", "0.02", "fraction: rogue sends MSIs through the good device's IRTEs (0x26)"),
      new OptionSpec("msi_compat", "0.0", "fraction: rogue sends compatibility-format MSIs (0x25 when blocked)"),
      new OptionSpec("gap_ns", "100", "nanoseconds between consecutive DMAs"));

  private final int addressWidth;
  /** Indexed by Actor ordinal; GOOD's entry is unused. */
  private final double[] fractions;
  private final long gapNs;
  private final long setupEvents;

  /** @param fractions one per {@link Actor} in declaration order (GOOD's value is ignored); the others must sum to at most 1 */
  public BadActorWorkload(int addressWidth, double[] fractions, long gapNs) {
    if (addressWidth != 39 && addressWidth != 48 && addressWidth != 57) {
      throw new IllegalArgumentException("address_width must be 39, 48 or 57: " + addressWidth);
    }
    if (fractions.length != ACTORS.length) {
      throw new IllegalArgumentException("need one fraction per actor: " + ACTORS.length);
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (int k = 1; k < ACTORS.length; k++) {
      if (!(fractions[k] >= 0 && fractions[k] <= 1)) {
        throw new IllegalArgumentException(ACTORS[k].option + " must be between 0 and 1: " + fractions[k]);
      }
      sum = sum.add(BigDecimal.valueOf(fractions[k]));
    }
    if (sum.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException("the actor fractions sum to " + sum + ", more than 1");
    }
    if (gapNs < 0) {
      throw new IllegalArgumentException("gap_ns must not be negative: " + gapNs);
    }
    this.addressWidth = addressWidth;
    this.fractions = fractions.clone();
    this.gapNs = gapNs;
    boolean msis = fractions[Actor.GOOD_MSI.ordinal()] > 0 || fractions[Actor.MSI_SPOOF.ordinal()] > 0
        || fractions[Actor.MSI_COMPAT.ordinal()] > 0;
    this.setupEvents = DMA_SETUP_EVENTS + (msis ? 2L * GOOD_IRQS : 0);
  }

  static BadActorWorkload fromOptions(WorkloadOptions o) {
    int width = (int) o.integer("address_width", 39, 57);
    if (width != 39 && width != 48 && width != 57) {
      throw o.error("address_width", "expected 39, 48 or 57");
    }
    double[] fractions = new double[ACTORS.length];
    BigDecimal sum = BigDecimal.ZERO;
    for (int k = 1; k < ACTORS.length; k++) {
      fractions[k] = o.fraction(ACTORS[k].option);
      sum = sum.add(BigDecimal.valueOf(fractions[k]));
    }
    if (sum.compareTo(BigDecimal.ONE) > 0) {
      StringBuilder names = new StringBuilder();
      for (int k = 1; k < ACTORS.length; k++) {
        names.append(k > 1 ? ", " : "").append(ACTORS[k].option);
      }
      throw new IllegalArgumentException("workload '" + NAME + "': the actor fractions (" + names + ") sum to "
          + sum + ", more than 1");
    }
    return new BadActorWorkload(width, fractions, o.integer("gap_ns", 0, 1_000_000_000L));
  }

  /** The exact number of traffic events of each actor (by ordinal) in a stream of {@code events} events. */
  public long[] counts(long events) {
    long traffic = events - setupEvents;
    long[] counts = new long[ACTORS.length];
    long faults = 0;
    for (int k = 1; k < ACTORS.length; k++) {
      counts[k] = BigDecimal.valueOf(fractions[k]).multiply(BigDecimal.valueOf(traffic))
          .setScale(0, RoundingMode.FLOOR).longValueExact();
      faults += counts[k];
    }
    counts[0] = traffic - faults;
    return counts;
  }

  @Override
  public long minimumEvents() {
    return setupEvents;
  }

  @Override
  public void generate(long events, long seed, EventSink sink) throws IOException {
    EventEmitter.requireAtLeast(events, setupEvents, NAME);
    EventEmitter out = new EventEmitter(sink, events);
    SplittableRandom random = new SplittableRandom(seed);
    out.attach(0, GOOD_SID, DOMAIN);
    out.attach(0, ROGUE_SID, DOMAIN);
    out.map(0, DOMAIN, MAPPED_BASE, RW_PAGES * PAGE, PHYS_BASE, Perm.READ_WRITE, PAGE);
    out.map(0, DOMAIN, readOnlyBase(), RO_PAGES * PAGE, PHYS_BASE + RW_PAGES * PAGE, Perm.READ, PAGE);
    if (setupEvents > DMA_SETUP_EVENTS) {
      for (int i = 0; i < GOOD_IRQS; i++) {
        out.irteSet(0, IR_HANDLE_BASE + i, Interrupts.irteLow(Interrupts.deviceVector(i), i), Interrupts.irteHigh(GOOD_SID));
        out.invIecIndex(0, IR_HANDLE_BASE + i);
      }
    }
    long[] remaining = counts(events);
    long left = events - setupEvents;
    for (long i = 0; !out.full(); i++, left--) {
      Actor actor = draw(random, remaining, left);
      emit(out, random, actor, (i + 1) * gapNs);
    }
  }

  static long readOnlyBase() {
    return MAPPED_BASE + RW_PAGES * PAGE;
  }

  /** Sampling without replacement keeps the per-class counts exact while mixing them randomly. */
  private static Actor draw(SplittableRandom random, long[] remaining, long left) {
    long r = random.nextLong(left);
    for (int k = 0; k < remaining.length; k++) {
      if (r < remaining[k]) {
        remaining[k]--;
        return ACTORS[k];
      }
      r -= remaining[k];
    }
    throw new IllegalStateException("class counts do not add up to the traffic");
  }

  private void emit(EventEmitter out, SplittableRandom random, Actor actor, long ts) throws IOException {
    long offset = random.nextLong(PAGE / DMA_BYTES) * DMA_BYTES;
    switch (actor) {
      case GOOD: {
        boolean write = random.nextBoolean();
        int pages = write ? RW_PAGES : RW_PAGES + RO_PAGES;
        out.dma(ts, write, GOOD_SID, DOMAIN, MAPPED_BASE + random.nextLong(pages) * PAGE + offset, DMA_BYTES);
        break;
      }
      case UNMAPPED_READ:
      case UNMAPPED_WRITE:
        out.dma(ts, actor == Actor.UNMAPPED_WRITE, ROGUE_SID, DOMAIN,
            UNMAPPED_BASE + random.nextLong(UNMAPPED_BYTES / PAGE) * PAGE + offset, DMA_BYTES);
        break;
      case READONLY_WRITE:
        out.dma(ts, true, ROGUE_SID, DOMAIN, readOnlyBase() + random.nextLong(RO_PAGES) * PAGE + offset, DMA_BYTES);
        break;
      case UNATTACHED_DEVICE:
      case EMPTY_BUS: {
        int sid = actor == Actor.UNATTACHED_DEVICE ? UNATTACHED_SID : EMPTY_BUS_SID;
        out.dma(ts, random.nextBoolean(), sid, TraceEvent.NONE,
            MAPPED_BASE + random.nextLong(RW_PAGES + RO_PAGES) * PAGE + offset, DMA_BYTES);
        break;
      }
      case BEYOND_WIDTH: {
        long beyond = (1L << addressWidth) + random.nextLong(256) * PAGE + offset;
        out.dma(ts, random.nextBoolean(), ROGUE_SID, DOMAIN, beyond, DMA_BYTES);
        break;
      }
      case GOOD_MSI:
      case MSI_SPOOF: {
        int sid = actor == Actor.GOOD_MSI ? GOOD_SID : ROGUE_SID;
        out.msi(ts, sid, Interrupts.remappableAddress(IR_HANDLE_BASE + random.nextInt(GOOD_IRQS)), 0, MSI_BYTES);
        break;
      }
      default: {
        int vector = Interrupts.FIRST_DEVICE_VECTOR
            + random.nextInt(Interrupts.LAST_DEVICE_VECTOR - Interrupts.FIRST_DEVICE_VECTOR + 1);
        out.msi(ts, ROGUE_SID, Interrupts.compatibilityAddress(random.nextInt(8)), vector, MSI_BYTES);
        break;
      }
    }
  }
}
