package io.iommusim.trace.generate;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A multi-queue NIC driven by a Linux-style driver that makes a streaming DMA mapping per packet —
 * the workload where IOMMU map/unmap cost and IOTLB reach matter (rIOMMU, Peleg et al.).
 *
 * <p><b>Devices.</b> Device i (0-based) is {@code 0000:(3+i):00.0} in domain {@code i+1}, with its own
 * {@link IovaAllocator} (top-down below 4 GiB, LIFO reuse of freed IOVAs).
 *
 * <p><b>Setup</b> ({@code devices × (1 + 2·queues + queues·ring_size + 2·queues)} events, the last term only
 * when {@code msi_every > 0}; ts 0, 100, 200, …): per device an {@code attach}; per queue a coherent
 * allocation of the RX and of the TX descriptor array ({@code ring_size × 16} bytes, rounded to pages, perm
 * rw); then per RX ring slot a receive buffer mapped write-only (DMA_FROM_DEVICE), as a driver fills its RX
 * rings when the interface comes up; then, when MSIs are on, per queue the queue's MSI-X interrupt: an
 * {@code irte_set} followed by the index-selective {@code inv_iec} that Linux's {@code modify_irte} issues
 * ({@code granularity index}, same {@code index}, {@code am} 0).
 * Receive buffers are {@code packet_size} rounded up to 4 KiB pages (one page for standard frames).
 *
 * <p><b>Interrupts</b> ({@link Interrupts} has the bit layouts). Queue q of device d owns IRTE handle
 * {@code h = ir_handle_base + d·queues + q} (Linux's IR index allocator hands out consecutive free indexes;
 * the default base 32 is a plausible choice that leaves the first ones to the IOAPIC pins). Its IRTE is present, physical, RH = 1, edge,
 * fixed, vector {@code 0x21 + d} (mod the device-vector range 0x21..0xEF: each device's queue-q vector is
 * the next free one on CPU q), destination APIC id {@code q} (x2APIC; queue q's interrupt is affine to CPU
 * q), SID = the NIC's requester id, SQ = 0, SVT = 1:
 * {@code irte_lo = 0x9 | vector << 16 | q << 32}, {@code irte_hi = sid | 1 << 18}.
 * The NIC counts completed packets per queue (RX and TX of a queue pair share the interrupt); right after
 * the descriptor write-back of every {@code msi_every}-th completion it sends, at the same ts, an
 * {@code msi} with {@code sid} = the NIC, {@code addr = 0xFEE00000 | (h & 0x7FFF) << 5 | 1 << 4 |
 * (h >> 15) << 2} (remappable, SHV = 0), {@code data} = 0 and {@code size} 4 (a DWORD write).
 * {@code msi_every = 0}: no IRTEs, no MSIs.
 *
 * <p><b>Invalidations</b> ({@code inv}). {@code none}: the trace carries none (the model may add its own).
 * {@code strict} ({@code iommu.strict=1}): right after every {@code unmap}, at the same ts, an
 * {@code inv_iotlb} {@code granularity page} in the unmap's domain covering exactly the unmapped range with
 * the smallest naturally aligned 2^am pages ({@code addr} aligned down to that span, as Linux's
 * {@code calculate_psi_aligned_address}); the IOVA is then freed for immediate (LIFO) reuse.
 * {@code lazy} (Linux's flush queue, one CPU, one queue per domain): an unmap's IOVA is queued instead of
 * freed; the unmap that makes the queue hold {@code fq_size} entries is followed at its ts by a
 * domain-selective {@code inv_iotlb} ({@code granularity domain}), after which every queued IOVA returns to
 * the allocator. An unmap that finds the domain's timer idle arms it for {@code ts + fq_timeout_ns}; a
 * queue-full flush leaves it armed (Linux does not cancel it); when it expires a domain-selective
 * {@code inv_iotlb} is emitted at exactly that ts — even if the queue is empty, as {@code fq_flush_timeout}
 * flushes unconditionally — the queue is released and the timer goes idle. A timer due at the same ns as a
 * packet event fires first. Queued IOVAs are never mapped again before their flush. (Linux's ring of 256
 * slots holds 255 entries and flushes before queueing the 256th unmap, which then waits for the next flush;
 * here the flush follows the fq_size-th unmap and releases it too. The IOTLB exposure is the same.)
 *
 * <p><b>Traffic</b> (5 events per packet — 3 DMAs, 1 map, 1 unmap — plus 1/{@code msi_every} MSI per packet,
 * plus one {@code inv_iotlb} per packet when strict, or about 1/{@code fq_size} per packet plus one per
 * expired timer when lazy; with the defaults 80/81 of traffic is the 5 packet events and 1/81 MSIs).
 * Packets go round-robin over (device, queue) — consecutive packets alternate devices, then queues — and
 * each is RX with probability {@code rx_fraction}, else TX. Each ring uses its slots in order.
 * <ul>
 *   <li>RX on slot s: NIC reads RX descriptor s (dma_read 16 B) → writes the packet into the slot's
 *       buffer (dma_write packet_size) → writes back descriptor s (dma_write 16 B) → driver unmaps the
 *       buffer (unmap) → driver refills the slot with a freshly mapped buffer (map, perm w). With LIFO
 *       reuse the refill normally gets back the IOVA just freed, as on Linux (not when lazy: that IOVA
 *       waits in the flush queue).</li>
 *   <li>TX on slot s: driver maps the packet (map, perm r = DMA_TO_DEVICE, size packet_size rounded to
 *       pages) → NIC reads TX descriptor s (dma_read 16 B) → reads the packet (dma_read packet_size) →
 *       writes back the completion into descriptor s (dma_write 16 B) → driver unmaps (unmap).</li>
 * </ul>
 * Every DMA therefore falls in a mapping that is live at that moment and permits it; no fault is intended.
 *
 * <p><b>Timing model</b> (ns). Packets arrive at line rate: the wire time of one frame is
 * {@code (packet_size + 24) · 8 / link_gbps} (24 B = preamble, FCS, inter-frame gap), each device has its own
 * link, so the aggregate gap is the wire time divided by {@code devices}. Within a packet:
 * RX — descriptor read at arrival, data write {@value #DESC_TO_DATA_NS} later (PCIe read round trip),
 * descriptor write-back after the data's transfer time ({@code packet_size / }{@value #PCIE_BYTES_PER_NS}
 * B/ns, about PCIe Gen3 x8), unmap after an interrupt/NAPI delay uniform in
 * [{@value #IRQ_MIN_NS}, {@value #IRQ_MAX_NS}], refill map {@value #MAP_COST_NS} later;
 * TX — map at the packet's start, descriptor fetch {@value #DOORBELL_TO_FETCH_NS} later (doorbell MMIO write
 * and fetch), data read {@value #DESC_TO_DATA_NS} after that, completion after the transfer time, unmap
 * after the interrupt/NAPI delay. Packets overlap in time and their events are merged in time order.
 * A ring slot is reused only after its previous packet's last event; when every slot of a ring is busy the
 * arrival clock waits (the NIC would otherwise drop), which also keeps the number of packets in flight —
 * and so memory — bounded by the number of ring slots.
 *
 * <p>The stream is cut at exactly the requested count, so the last few packets may be incomplete; an
 * MSI or invalidation that would follow the last event is cut too. State is bounded by the ring slots,
 * one counter per queue and at most {@code fq_size} queued IOVAs per domain.
 */
public final class NicRingWorkload implements Workload {
  public static final String NAME = "nic-ring";
  public static final int FIRST_BUS = 3;
  public static final int DESCRIPTOR_BYTES = 16;
  /** An MSI is a DWORD memory write. */
  public static final long MSI_BYTES = 4;
  static final long SETUP_STEP_NS = 100;
  static final long DESC_TO_DATA_NS = 300;
  static final long DOORBELL_TO_FETCH_NS = 500;
  static final long PCIE_BYTES_PER_NS = 8;
  static final long IRQ_MIN_NS = 1000;
  static final long IRQ_MAX_NS = 3000;
  static final long MAP_COST_NS = 200;
  /** Preamble + start delimiter (8), FCS (4) and inter-frame gap (12) around each frame on the wire. */
  static final long WIRE_OVERHEAD_BYTES = 24;
  /** Fixed state is one long per ring slot and one per RX buffer; this caps it at a few tens of MiB. */
  static final long MAX_TOTAL_SLOTS = 1L << 20;
  private static final int EVENTS_PER_PACKET = 5;

  static final List<OptionSpec> OPTIONS = List.of(
      new OptionSpec("queues", "4", "RX/TX queue pairs per device"),
      new OptionSpec("ring_size", "256", "descriptors (and buffers) per ring"),
      new OptionSpec("devices", "1", "NICs; device i is 0000:(3+i):00.0 in domain i+1"),
      new OptionSpec("packet_size", "1500", "bytes per packet (frame without FCS)"),
      new OptionSpec("rx_fraction", "0.5", "probability that a packet is received rather than sent"),
      new OptionSpec("link_gbps", "10", "line rate of each device's link, Gbit/s; sets the packet arrival gap"),
      new OptionSpec("msi_every", "16", "completed packets per queue between MSIs; 0 = no IRTEs and no MSIs"),
      new OptionSpec("ir_handle_base", "32", "IRTE handle of device 0's queue 0; queue q of device d uses base + d·queues + q"),
      new OptionSpec("inv", "none", "invalidation events the driver emits: none, strict (page-selective per unmap) "
          + "or lazy (Linux flush queue, domain-selective)"),
      new OptionSpec("fq_size", "256", "lazy: unmaps queued per domain before a flush (IOVA_DEFAULT_FQ_SIZE)"),
      new OptionSpec("fq_timeout_ns", "10000000", "lazy: flush this long after an unmap arms the idle timer (10 ms)"));

  /** How the driver invalidates the IOTLB after unmapping ({@code inv} option). */
  public enum Invalidation { NONE, STRICT, LAZY }

  public static final int MAX_FQ_SIZE = 1 << 15;

  private final int queues;
  private final int ringSize;
  private final int devices;
  private final long packetSize;
  private final double rxFraction;
  private final long linkGbps;
  private final int msiEvery;
  private final int irHandleBase;
  private final Invalidation invalidation;
  private final int fqSize;
  private final long fqTimeoutNs;

  /** Today's stream without interrupts or invalidation events. */
  public NicRingWorkload(int queues, int ringSize, int devices, long packetSize, double rxFraction, long linkGbps) {
    this(queues, ringSize, devices, packetSize, rxFraction, linkGbps, 0, 32, Invalidation.NONE, 256, 10_000_000L);
  }

  public NicRingWorkload(int queues, int ringSize, int devices, long packetSize, double rxFraction, long linkGbps,
      int msiEvery, int irHandleBase, Invalidation invalidation, int fqSize, long fqTimeoutNs) {
    require(queues >= 1, "queues must be at least 1: " + queues);
    require(ringSize >= 1, "ring_size must be at least 1: " + ringSize);
    require(devices >= 1 && devices <= 256 - FIRST_BUS, "devices must be 1.." + (256 - FIRST_BUS) + ": " + devices);
    require(packetSize >= 1, "packet_size must be positive: " + packetSize);
    require(rxFraction >= 0 && rxFraction <= 1, "rx_fraction must be between 0 and 1: " + rxFraction);
    require(linkGbps >= 1, "link_gbps must be at least 1: " + linkGbps);
    if ((long) queues * ringSize * devices > MAX_TOTAL_SLOTS) {
      throw new IllegalArgumentException("nic-ring: devices × queues × ring_size must not exceed " + MAX_TOTAL_SLOTS);
    }
    require(msiEvery >= 0, "msi_every must not be negative: " + msiEvery);
    require(irHandleBase >= 0 && irHandleBase + (long) devices * queues <= 1 << 16,
        "ir_handle_base + devices × queues must not exceed 65536 IRTE handles: " + irHandleBase);
    require(invalidation != null, "inv must be none, strict or lazy");
    require(fqSize >= 1 && fqSize <= MAX_FQ_SIZE, "fq_size must be 1.." + MAX_FQ_SIZE + ": " + fqSize);
    require(fqTimeoutNs >= 0, "fq_timeout_ns must not be negative: " + fqTimeoutNs);
    this.queues = queues;
    this.ringSize = ringSize;
    this.devices = devices;
    this.packetSize = packetSize;
    this.rxFraction = rxFraction;
    this.linkGbps = linkGbps;
    this.msiEvery = msiEvery;
    this.irHandleBase = irHandleBase;
    this.invalidation = invalidation;
    this.fqSize = fqSize;
    this.fqTimeoutNs = fqTimeoutNs;
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException("nic-ring: " + problem);
    }
  }

  static NicRingWorkload fromOptions(WorkloadOptions o) {
    int queues = (int) o.integer("queues", 1, 1024);
    int ringSize = (int) o.integer("ring_size", 1, 1 << 16);
    int devices = (int) o.integer("devices", 1, 256 - FIRST_BUS);
    long packetSize = o.size("packet_size", 1, 1 << 16);
    double rxFraction = o.fraction("rx_fraction");
    long linkGbps = o.integer("link_gbps", 1, 10_000);
    if ((long) queues * ringSize * devices > MAX_TOTAL_SLOTS) {
      throw o.error("ring_size", "devices × queues × ring_size must not exceed " + MAX_TOTAL_SLOTS);
    }
    int msiEvery = (int) o.integer("msi_every", 0, 1 << 20);
    int irHandleBase = (int) o.integer("ir_handle_base", 0, 0xFFFF);
    if (irHandleBase + (long) devices * queues > 1 << 16) {
      throw o.error("ir_handle_base", "devices × queues handles from here must fit below 65536");
    }
    Invalidation inv = Invalidation.valueOf(o.choice("inv", "none", "strict", "lazy").toUpperCase(java.util.Locale.ROOT));
    int fqSize = (int) o.integer("fq_size", 1, MAX_FQ_SIZE);
    long fqTimeoutNs = o.integer("fq_timeout_ns", 0, 1_000_000_000_000L);
    return new NicRingWorkload(queues, ringSize, devices, packetSize, rxFraction, linkGbps,
        msiEvery, irHandleBase, inv, fqSize, fqTimeoutNs);
  }

  /** The IRTE handle of queue {@code queue} of device {@code device}. */
  int irteHandle(int device, int queue) {
    return irHandleBase + device * queues + queue;
  }

  /** Vector of queue q's interrupt of device d: the d-th device vector on CPU q. */
  static int vectorOf(int device) {
    return Interrupts.deviceVector(device);
  }

  /**
   * The smallest am such that the 2^am naturally aligned pages at {@code iova & -(4096 << am)} cover
   * {@code [iova, iova + bytes)}.
   */
  static int addressMask(long iova, long bytes) {
    long first = iova / IovaAllocator.PAGE;
    long last = (iova + bytes - 1) / IovaAllocator.PAGE;
    int am = 0;
    while ((first >> am) != (last >> am)) {
      am++;
    }
    return am;
  }

  public static int sidOf(int device) {
    return Sid.of(0, FIRST_BUS + device, 0, 0);
  }

  public static int domainOf(int device) {
    return device + 1;
  }

  @Override
  public long minimumEvents() {
    return (long) devices * (1 + 2L * queues + (long) queues * ringSize + (msiEvery > 0 ? 2L * queues : 0));
  }

  @Override
  public void generate(long events, long seed, EventSink sink) throws IOException {
    EventEmitter.requireAtLeast(events, minimumEvents(), NAME);
    new Run(new EventEmitter(sink, events), new SplittableRandom(seed)).run();
  }

  static long pageRound(long bytes) {
    return (bytes + IovaAllocator.PAGE - 1) / IovaAllocator.PAGE * IovaAllocator.PAGE;
  }

  /** One packet in flight: its precomputed event times and where it is in its 5-step life. */
  private static final class Packet {
    long id;
    boolean rx;
    int device;
    int ring;
    int slot;
    int step;
    long iova;
    final long[] times = new long[EVENTS_PER_PACKET];

    long nextTime() {
      return times[step];
    }
  }

  /** The mutable state of one generate() call. */
  private final class Run {
    private final EventEmitter out;
    private final SplittableRandom random;
    private final IovaAllocator[] allocators = new IovaAllocator[devices];
    private final long[] physFrame = new long[devices];
    /** Ring r = (device·queues + queue)·2 + (0 for RX, 1 for TX). */
    private final long[] descriptorIova;
    private final int[] nextSlot;
    private final long[] slotFreeAt;
    /** Current receive buffer of RX slot s of ring r at index (r/2)·ring_size + s. */
    private final long[] rxBufferIova;
    private final long rxBufferBytes = pageRound(packetSize);
    private final long txMapBytes = pageRound(packetSize);
    private final long transferNs = (packetSize + PCIE_BYTES_PER_NS - 1) / PCIE_BYTES_PER_NS;
    private final long arrivalGapPs;
    private long arrivalPs;
    private long nextPacketId;
    private final PriorityQueue<Packet> inFlight = new PriorityQueue<>(
        Comparator.comparingLong(Packet::nextTime).thenComparingLong(p -> p.id));
    private final ArrayDeque<Packet> spare = new ArrayDeque<>();
    /** Completed packets per queue (device·queues + queue) since its last MSI. */
    private final int[] completions;
    /** Lazy mode: when each device's (domain's) flush timer expires, or {@link #IDLE}. */
    private final long[] timerAt;
    private long nextTimerAt = IDLE;
    private static final long IDLE = Long.MAX_VALUE;

    Run(EventEmitter out, SplittableRandom random) {
      this.out = out;
      this.random = random;
      int rings = devices * queues * 2;
      descriptorIova = new long[rings];
      nextSlot = new int[rings];
      slotFreeAt = new long[rings * ringSize];
      rxBufferIova = new long[devices * queues * ringSize];
      completions = new int[devices * queues];
      timerAt = new long[devices];
      java.util.Arrays.fill(timerAt, IDLE);
      long wireBits = (packetSize + WIRE_OVERHEAD_BYTES) * 8;
      arrivalGapPs = Math.max(1, wireBits * 1000 / (linkGbps * devices));
    }

    void run() throws IOException {
      long ts = setup();
      arrivalPs = (ts + 1000) * 1000;
      Packet pending = nextPacket();
      while (!out.full()) {
        Packet earliest = inFlight.peek();
        long packetTime = earliest == null ? Long.MAX_VALUE : earliest.nextTime();
        if (pending.nextTime() < Math.min(packetTime, nextTimerAt)) {
          // every event emitted so far is no later than pending's start, and later packets start later still
          inFlight.add(pending);
          pending = nextPacket();
          continue;
        }
        if (nextTimerAt <= packetTime) {
          fireTimers(nextTimerAt);
          continue;
        }
        inFlight.poll();
        emitStep(earliest);
        if (++earliest.step < EVENTS_PER_PACKET) {
          inFlight.add(earliest);
        } else {
          spare.add(earliest);
        }
      }
    }

    private long setup() throws IOException {
      long ts = 0;
      for (int d = 0; d < devices; d++) {
        allocators[d] = new IovaAllocator();
        out.attach(ts, sidOf(d), domainOf(d));
        ts += SETUP_STEP_NS;
        for (int r = d * queues * 2; r < (d + 1) * queues * 2; r++) {
          long bytes = (long) ringSize * DESCRIPTOR_BYTES;
          descriptorIova[r] = allocators[d].allocate(bytes);
          out.map(ts, domainOf(d), descriptorIova[r], pageRound(bytes), nextPhys(d, bytes), Perm.READ_WRITE, IovaAllocator.PAGE);
          ts += SETUP_STEP_NS;
        }
        for (int q = 0; q < queues; q++) {
          for (int s = 0; s < ringSize; s++) {
            mapRxBuffer(ts, d, (d * queues + q) * ringSize + s);
            ts += SETUP_STEP_NS;
          }
        }
        if (msiEvery > 0) {
          for (int q = 0; q < queues; q++) {
            int handle = irteHandle(d, q);
            out.irteSet(ts, handle, Interrupts.irteLow(vectorOf(d), q), Interrupts.irteHigh(sidOf(d)));
            ts += SETUP_STEP_NS;
            out.invIecIndex(ts, handle);
            ts += SETUP_STEP_NS;
          }
        }
      }
      return ts;
    }

    /** A descriptor write-back completed a packet of the packet's queue: every msi_every-th raises the MSI. */
    private void completed(Packet p, long ts) throws IOException {
      if (msiEvery == 0) {
        return;
      }
      int queueIndex = p.ring / 2;
      if (++completions[queueIndex] == msiEvery) {
        completions[queueIndex] = 0;
        if (!out.full()) {
          out.msi(ts, sidOf(p.device), Interrupts.remappableAddress(irHandleBase + queueIndex), 0, MSI_BYTES);
        }
      }
    }

    /** The driver has unmapped {@code [iova, iova+bytes)}: invalidate as configured and give the IOVA back. */
    private void unmapped(int device, long iova, long bytes, long ts) throws IOException {
      switch (invalidation) {
        case NONE:
          allocators[device].free(iova, bytes);
          break;
        case STRICT: {
          if (!out.full()) {
            int am = addressMask(iova, bytes);
            out.invIotlbPages(ts, domainOf(device), iova & -(IovaAllocator.PAGE << am), am);
          }
          allocators[device].free(iova, bytes);
          break;
        }
        default: {
          allocators[device].deferFree(iova, bytes);
          if (timerAt[device] == IDLE) {
            timerAt[device] = ts + fqTimeoutNs;
            nextTimerAt = Math.min(nextTimerAt, timerAt[device]);
          }
          if (allocators[device].deferred() >= fqSize) {
            flush(device, ts);
          }
          break;
        }
      }
    }

    private void flush(int device, long ts) throws IOException {
      if (!out.full()) {
        out.invIotlbDomain(ts, domainOf(device));
      }
      allocators[device].releaseDeferred();
    }

    /** Fires every flush timer due at {@code ts}, in device order. */
    private void fireTimers(long ts) throws IOException {
      long next = IDLE;
      for (int d = 0; d < devices; d++) {
        if (timerAt[d] == ts && !out.full()) {
          timerAt[d] = IDLE;
          flush(d, ts);
        }
        next = Math.min(next, timerAt[d]);
      }
      nextTimerAt = next;
    }

    private void mapRxBuffer(long ts, int device, int bufferIndex) throws IOException {
      long iova = allocators[device].allocate(rxBufferBytes);
      rxBufferIova[bufferIndex] = iova;
      out.map(ts, domainOf(device), iova, rxBufferBytes, nextPhys(device, rxBufferBytes), Perm.WRITE, IovaAllocator.PAGE);
    }

    /** Page frames cycle through a 1 GiB region per device: distinct enough for caches, never aliasing IOVAs. */
    private long nextPhys(int device, long bytes) {
      long framesPerRegion = (1L << 30) / IovaAllocator.PAGE;
      long frame = physFrame[device] % framesPerRegion;
      physFrame[device] += pageRound(bytes) / IovaAllocator.PAGE;
      return ((long) (device + 1) << 34) + frame * IovaAllocator.PAGE;
    }

    private Packet nextPacket() {
      Packet p = spare.isEmpty() ? new Packet() : spare.poll();
      long id = nextPacketId++;
      int pair = (int) (id % ((long) devices * queues));
      p.id = id;
      p.device = pair % devices;
      int queue = pair / devices;
      p.rx = random.nextDouble() < rxFraction;
      p.ring = (p.device * queues + queue) * 2 + (p.rx ? 0 : 1);
      p.slot = nextSlot[p.ring];
      nextSlot[p.ring] = (p.slot + 1) % ringSize;
      p.step = 0;
      int slotIndex = p.ring * ringSize + p.slot;
      long start = Math.max(arrivalPs / 1000, slotFreeAt[slotIndex] + 1);
      long irq = random.nextLong(IRQ_MIN_NS, IRQ_MAX_NS + 1);
      long[] t = p.times;
      t[0] = start;
      if (p.rx) {
        t[1] = t[0] + DESC_TO_DATA_NS;
        t[2] = t[1] + transferNs;
        t[3] = t[2] + irq;
        t[4] = t[3] + MAP_COST_NS;
      } else {
        t[1] = t[0] + DOORBELL_TO_FETCH_NS;
        t[2] = t[1] + DESC_TO_DATA_NS;
        t[3] = t[2] + transferNs;
        t[4] = t[3] + irq;
      }
      slotFreeAt[slotIndex] = t[4];
      arrivalPs = Math.max(arrivalPs, start * 1000) + arrivalGapPs;
      return p;
    }

    private void emitStep(Packet p) throws IOException {
      int d = p.device;
      int sid = sidOf(d);
      int domain = domainOf(d);
      long ts = p.nextTime();
      long descriptor = descriptorIova[p.ring] + (long) p.slot * DESCRIPTOR_BYTES;
      if (p.rx) {
        int buffer = (p.ring / 2) * ringSize + p.slot;
        switch (p.step) {
          case 0: out.dma(ts, false, sid, domain, descriptor, DESCRIPTOR_BYTES); break;
          case 1: out.dma(ts, true, sid, domain, rxBufferIova[buffer], packetSize); break;
          case 2:
            out.dma(ts, true, sid, domain, descriptor, DESCRIPTOR_BYTES);
            completed(p, ts);
            break;
          case 3:
            out.unmap(ts, domain, rxBufferIova[buffer], rxBufferBytes);
            unmapped(d, rxBufferIova[buffer], rxBufferBytes, ts);
            break;
          default: mapRxBuffer(ts, d, buffer); break;
        }
      } else {
        switch (p.step) {
          case 0:
            p.iova = allocators[d].allocate(txMapBytes);
            out.map(ts, domain, p.iova, txMapBytes, nextPhys(d, txMapBytes), Perm.READ, IovaAllocator.PAGE);
            break;
          case 1: out.dma(ts, false, sid, domain, descriptor, DESCRIPTOR_BYTES); break;
          case 2: out.dma(ts, false, sid, domain, p.iova, packetSize); break;
          case 3:
            out.dma(ts, true, sid, domain, descriptor, DESCRIPTOR_BYTES);
            completed(p, ts);
            break;
          default:
            out.unmap(ts, domain, p.iova, txMapBytes);
            unmapped(d, p.iova, txMapBytes, ts);
            break;
        }
      }
    }
  }
}
