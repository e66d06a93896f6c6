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
 * <p><b>Setup</b> ({@code devices × (1 + 2·queues + queues·ring_size)} events, ts 0, 100, 200, …): per device
 * an {@code attach}; per queue a coherent allocation of the RX and of the TX descriptor array
 * ({@code ring_size × 16} bytes, rounded to pages, perm rw); then per RX ring slot a receive buffer
 * mapped write-only (DMA_FROM_DEVICE), as a driver fills its RX rings when the interface comes up.
 * Receive buffers are {@code packet_size} rounded up to 4 KiB pages (one page for standard frames).
 *
 * <p><b>Traffic</b> (exactly 5 events per packet, so 3/5 of traffic events are DMAs, 1/5 maps, 1/5 unmaps).
 * Packets go round-robin over (device, queue) — consecutive packets alternate devices, then queues — and
 * each is RX with probability {@code rx_fraction}, else TX. Each ring uses its slots in order.
 * <ul>
 *   <li>RX on slot s: NIC reads RX descriptor s (dma_read 16 B) → writes the packet into the slot's
 *       buffer (dma_write packet_size) → writes back descriptor s (dma_write 16 B) → driver unmaps the
 *       buffer (unmap) → driver refills the slot with a freshly mapped buffer (map, perm w). With LIFO
 *       reuse the refill normally gets back the IOVA just freed, as on Linux.</li>
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
 * <p>The stream is cut at exactly the requested count, so the last few packets may be incomplete.
 */
public final class NicRingWorkload implements Workload {
  public static final String NAME = "nic-ring";
  public static final int FIRST_BUS = 3;
  public static final int DESCRIPTOR_BYTES = 16;
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
      new OptionSpec("link_gbps", "10", "line rate of each device's link, Gbit/s; sets the packet arrival gap"));

  private final int queues;
  private final int ringSize;
  private final int devices;
  private final long packetSize;
  private final double rxFraction;
  private final long linkGbps;

  public NicRingWorkload(int queues, int ringSize, int devices, long packetSize, double rxFraction, long linkGbps) {
    require(queues >= 1, "queues must be at least 1: " + queues);
    require(ringSize >= 1, "ring_size must be at least 1: " + ringSize);
    require(devices >= 1 && devices <= 256 - FIRST_BUS, "devices must be 1.." + (256 - FIRST_BUS) + ": " + devices);
    require(packetSize >= 1, "packet_size must be positive: " + packetSize);
    require(rxFraction >= 0 && rxFraction <= 1, "rx_fraction must be between 0 and 1: " + rxFraction);
    require(linkGbps >= 1, "link_gbps must be at least 1: " + linkGbps);
    if ((long) queues * ringSize * devices > MAX_TOTAL_SLOTS) {
      throw new IllegalArgumentException("nic-ring: devices × queues × ring_size must not exceed " + MAX_TOTAL_SLOTS);
    }
    this.queues = queues;
    this.ringSize = ringSize;
    this.devices = devices;
    this.packetSize = packetSize;
    this.rxFraction = rxFraction;
    this.linkGbps = linkGbps;
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
    return new NicRingWorkload(queues, ringSize, devices, packetSize, rxFraction, linkGbps);
  }

  public static int sidOf(int device) {
    return Sid.of(0, FIRST_BUS + device, 0, 0);
  }

  public static int domainOf(int device) {
    return device + 1;
  }

  @Override
  public long minimumEvents() {
    return (long) devices * (1 + 2L * queues + (long) queues * ringSize);
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

    Run(EventEmitter out, SplittableRandom random) {
      this.out = out;
      this.random = random;
      int rings = devices * queues * 2;
      descriptorIova = new long[rings];
      nextSlot = new int[rings];
      slotFreeAt = new long[rings * ringSize];
      rxBufferIova = new long[devices * queues * ringSize];
      long wireBits = (packetSize + WIRE_OVERHEAD_BYTES) * 8;
      arrivalGapPs = Math.max(1, wireBits * 1000 / (linkGbps * devices));
    }

    void run() throws IOException {
      long ts = setup();
      arrivalPs = (ts + 1000) * 1000;
      Packet pending = nextPacket();
      while (!out.full()) {
        Packet earliest = inFlight.peek();
        if (earliest == null || pending.nextTime() < earliest.nextTime()) {
          // every event emitted so far is no later than pending's start, and later packets start later still
          inFlight.add(pending);
          pending = nextPacket();
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
      }
      return ts;
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
          case 2: out.dma(ts, true, sid, domain, descriptor, DESCRIPTOR_BYTES); break;
          case 3:
            out.unmap(ts, domain, rxBufferIova[buffer], rxBufferBytes);
            allocators[d].free(rxBufferIova[buffer], rxBufferBytes);
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
          case 3: out.dma(ts, true, sid, domain, descriptor, DESCRIPTOR_BYTES); break;
          default:
            out.unmap(ts, domain, p.iova, txMapBytes);
            allocators[d].free(p.iova, txMapBytes);
            break;
        }
      }
    }
  }
}
