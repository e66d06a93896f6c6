package io.iommusim.trace.generate;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;

/**
 * Shared plumbing of the workloads: numbers events 0..n-1, stops at exactly the requested count, and
 * refuses to let time run backwards, so each workload only decides what happens and when.
 * One {@link TraceEvent} is reused for the whole stream.
 */
final class EventEmitter {
  private final EventSink sink;
  private final long limit;
  private final TraceEvent event = new TraceEvent();
  private long emitted;
  private long lastTs = Long.MIN_VALUE;

  EventEmitter(EventSink sink, long limit) {
    this.sink = sink;
    this.limit = limit;
  }

  static void requireAtLeast(long events, long minimum, String workload) {
    if (events < minimum) {
      throw new IllegalArgumentException("workload '" + workload + "' needs at least " + minimum
          + " events for its setup with these options, got " + events);
    }
  }

  boolean full() {
    return emitted >= limit;
  }

  long emitted() {
    return emitted;
  }

  void attach(long ts, int sid, int domain) throws IOException {
    TraceEvent e = start(EventKind.ATTACH, ts);
    e.sid = sid;
    e.domain = domain;
    send();
  }

  void map(long ts, int domain, long iova, long size, long phys, byte perm, long pageSize) throws IOException {
    TraceEvent e = start(EventKind.MAP, ts);
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    e.phys = phys;
    e.perm = perm;
    e.pageSize = pageSize;
    send();
  }

  void unmap(long ts, int domain, long iova, long size) throws IOException {
    TraceEvent e = start(EventKind.UNMAP, ts);
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    send();
  }

  /** A device access; {@code domain} is informational (the model derives it from the context) and may be NONE. */
  void dma(long ts, boolean write, int sid, int domain, long iova, long size) throws IOException {
    TraceEvent e = start(write ? EventKind.DMA_WRITE : EventKind.DMA_READ, ts);
    e.sid = sid;
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    send();
  }

  /** An MSI: a memory write of {@code size} bytes (a DWORD) by {@code sid} to {@code addr} with {@code data}. */
  void msi(long ts, int sid, long addr, long data, long size) throws IOException {
    TraceEvent e = start(EventKind.MSI, ts);
    e.sid = sid;
    e.addr = addr;
    e.data = data;
    e.size = size;
    send();
  }

  void irteSet(long ts, int index, long irteLo, long irteHi) throws IOException {
    TraceEvent e = start(EventKind.IRTE_SET, ts);
    e.index = index;
    e.irteLo = irteLo;
    e.irteHi = irteHi;
    send();
  }

  /** Index-selective interrupt-entry-cache invalidation of one IRTE (Linux {@code qi_flush_iec(iommu, index, 0)}). */
  void invIecIndex(long ts, int index) throws IOException {
    TraceEvent e = start(EventKind.INV_IEC, ts);
    e.granularity = Granularity.INDEX;
    e.index = index;
    e.am = 0;
    send();
  }

  /** Page-selective IOTLB invalidation of 2^am pages at {@code addr} (aligned to that span). */
  void invIotlbPages(long ts, int domain, long addr, int am) throws IOException {
    TraceEvent e = start(EventKind.INV_IOTLB, ts);
    e.granularity = Granularity.PAGE;
    e.domain = domain;
    e.addr = addr;
    e.am = (byte) am;
    send();
  }

  /** Domain-selective IOTLB invalidation. */
  void invIotlbDomain(long ts, int domain) throws IOException {
    TraceEvent e = start(EventKind.INV_IOTLB, ts);
    e.granularity = Granularity.DOMAIN;
    e.domain = domain;
    send();
  }

  private TraceEvent start(EventKind kind, long ts) {
    if (emitted >= limit) {
      throw new IllegalStateException("workload emitted more than the " + limit + " events requested");
    }
    if (ts < lastTs) {
      throw new IllegalStateException("workload time went backwards: " + ts + " after " + lastTs);
    }
    lastTs = ts;
    TraceEvent e = event.clear();
    e.kind = kind;
    e.tsNs = ts;
    e.seq = emitted;
    return e;
  }

  private void send() throws IOException {
    emitted++;
    sink.accept(event);
  }
}
