package io.iommusim.translator.vtd;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.DomainCell;
import io.iommusim.translator.stats.DomainCounter;
import io.iommusim.translator.stats.StatsCell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test fixture: a {@link VtdTranslator} with settings overrides, a fluent way to feed it tiny traces
 * (each event gets ts = seq = its position, starting at 1) and a fault sink that records every fault.
 */
final class Sim {
  static final long K4 = 4096;
  static final long M2 = 2L << 20;
  static final long G1 = 1L << 30;
  static final int R = 1;
  static final int W = 2;
  static final int RW = 3;

  /** One recorded fault. */
  record Fault(long ts, long seq, int unit, int sid, int pasid, int domain, long addr, boolean write, int reason) {}

  /** One recorded interrupt-remapping fault. */
  record IrFault(long ts, long seq, int unit, int sid, int domain, long addr, int index, int reason) {}

  final List<Fault> faults = new ArrayList<>();
  final List<IrFault> irFaults = new ArrayList<>();
  final ModelSettings settings;
  final VtdTranslator tr;
  private long next = 1;
  /** ts of the next event; equal to its seq unless {@link #at} moved the clock. */
  private long clock = 1;
  int unit;

  Sim(String... overrides) {
    this(null, overrides);
  }

  /**
   * @param mode the invalidation mode, passed to the 4-argument constructor; null = the settings'
   *     mode resolved as for a trace without inv_* events (auto = strict)
   */
  Sim(ModelSettings.InvalidationMode mode, String... overrides) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      m.put(o.substring(0, eq), o.substring(eq + 1));
    }
    settings = new ModelSettings(Settings.defaults().with(m, "test"));
    FaultSink sink = new FaultSink() {
      @Override
      public void fault(long ts, long seq, int u, int sid, int pasid, int domain, long addr, boolean write, int reason) {
        faults.add(new Fault(ts, seq, u, sid, pasid, domain, addr, write, reason));
      }

      @Override
      public void interruptFault(long ts, long seq, int u, int sid, int domain, long addr, int index, int reason) {
        irFaults.add(new IrFault(ts, seq, u, sid, domain, addr, index, reason));
      }
    };
    tr = mode == null ? new VtdTranslator(settings, sink)
        : new VtdTranslator(settings, sink, BusPresence.local(), mode);
  }

  /** Sets the ts of the following events: they get tsNs, tsNs + 1, ... (seq keeps counting on). */
  Sim at(long tsNs) {
    clock = tsNs;
    return this;
  }

  /** A fresh event of the given kind with the next ts/seq and the current unit. */
  TraceEvent event(EventKind kind) {
    TraceEvent e = new TraceEvent();
    e.kind = kind;
    e.tsNs = clock++;
    e.seq = next++;
    e.unit = unit;
    return e;
  }

  /** The seq the next event will get. */
  long nextSeq() {
    return next;
  }

  Sim apply(TraceEvent e) {
    tr.apply(e);
    return this;
  }

  Sim attach(int sid, int domain) {
    TraceEvent e = event(EventKind.ATTACH);
    e.sid = sid;
    e.domain = domain;
    return apply(e);
  }

  Sim passthrough(int sid) {
    TraceEvent e = event(EventKind.ATTACH_PASSTHROUGH);
    e.sid = sid;
    return apply(e);
  }

  Sim detach(int sid) {
    TraceEvent e = event(EventKind.DETACH);
    e.sid = sid;
    return apply(e);
  }

  TraceEvent mapEvent(int domain, long addr, long size, int perm, long pageSize) {
    TraceEvent e = event(EventKind.MAP);
    e.domain = domain;
    e.addr = addr;
    e.size = size;
    // page-aligned for every page size and inside the 52-bit physical field for any IOVA
    e.phys = (addr & ((1L << 40) - 1)) + (1L << 44);
    e.perm = (byte) perm;
    e.pageSize = pageSize;
    return e;
  }

  Sim map(int domain, long addr, long size, int perm) {
    return apply(mapEvent(domain, addr, size, perm, K4));
  }

  Sim map(int domain, long addr, long size, int perm, long pageSize) {
    return apply(mapEvent(domain, addr, size, perm, pageSize));
  }

  /** A 4 KiB-page map of [addr, addr + size) to the physical address phys. */
  Sim mapTo(int domain, long addr, long size, long phys, int perm) {
    TraceEvent e = mapEvent(domain, addr, size, perm, K4);
    e.phys = phys;
    return apply(e);
  }

  Sim unmap(int domain, long addr, long size) {
    TraceEvent e = event(EventKind.UNMAP);
    e.domain = domain;
    e.addr = addr;
    e.size = size;
    return apply(e);
  }

  TraceEvent dmaEvent(boolean write, int sid, long addr, long size) {
    TraceEvent e = event(write ? EventKind.DMA_WRITE : EventKind.DMA_READ);
    e.sid = sid;
    e.addr = addr;
    e.size = size;
    return e;
  }

  Sim read(int sid, long addr, long size) {
    return apply(dmaEvent(false, sid, addr, size));
  }

  Sim write(int sid, long addr, long size) {
    return apply(dmaEvent(true, sid, addr, size));
  }

  /** A 4-byte read at addr. */
  Sim read(int sid, long addr) {
    return read(sid, addr, 4);
  }

  Sim invPage(int domain, long addr, int am) {
    TraceEvent e = event(EventKind.INV_IOTLB);
    e.granularity = Granularity.PAGE;
    e.domain = domain;
    e.addr = addr;
    e.am = (byte) am;
    return apply(e);
  }

  Sim invDomain(int domain) {
    TraceEvent e = event(EventKind.INV_IOTLB);
    e.granularity = Granularity.DOMAIN;
    e.domain = domain;
    return apply(e);
  }

  Sim invGlobal() {
    TraceEvent e = event(EventKind.INV_IOTLB);
    e.granularity = Granularity.GLOBAL;
    return apply(e);
  }

  Sim invContextDevice(int sid) {
    TraceEvent e = event(EventKind.INV_CONTEXT);
    e.granularity = Granularity.DEVICE;
    e.sid = sid;
    return apply(e);
  }

  Sim invContextDomain(int domain) {
    TraceEvent e = event(EventKind.INV_CONTEXT);
    e.granularity = Granularity.DOMAIN;
    e.domain = domain;
    return apply(e);
  }

  Sim invContextGlobal() {
    TraceEvent e = event(EventKind.INV_CONTEXT);
    e.granularity = Granularity.GLOBAL;
    return apply(e);
  }

  /** inv_devtlb of one device's whole TLB. */
  Sim invDevtlbDevice(int sid) {
    TraceEvent e = event(EventKind.INV_DEVTLB);
    e.granularity = Granularity.DEVICE;
    e.sid = sid;
    return apply(e);
  }

  /** inv_devtlb of 2^am naturally aligned 4 KiB pages at addr in one device's TLB. */
  Sim invDevtlbPage(int sid, long addr, int am) {
    TraceEvent e = event(EventKind.INV_DEVTLB);
    e.granularity = Granularity.PAGE;
    e.sid = sid;
    e.addr = addr;
    e.am = (byte) am;
    return apply(e);
  }

  Sim invDevtlbGlobal() {
    TraceEvent e = event(EventKind.INV_DEVTLB);
    e.granularity = Granularity.GLOBAL;
    return apply(e);
  }

  /** An msi event from sid with the given address and data. */
  Sim msi(int sid, long addr, long data) {
    TraceEvent e = event(EventKind.MSI);
    e.sid = sid;
    e.addr = addr;
    e.data = data;
    return apply(e);
  }

  Sim irteSet(int index, long lo, long hi) {
    TraceEvent e = event(EventKind.IRTE_SET);
    e.index = index;
    e.irteLo = lo;
    e.irteHi = hi;
    return apply(e);
  }

  Sim irteClear(int index) {
    TraceEvent e = event(EventKind.IRTE_CLEAR);
    e.index = index;
    return apply(e);
  }

  Sim invIecGlobal() {
    TraceEvent e = event(EventKind.INV_IEC);
    e.granularity = Granularity.GLOBAL;
    return apply(e);
  }

  Sim invIecIndex(int index, int am) {
    TraceEvent e = event(EventKind.INV_IEC);
    e.granularity = Granularity.INDEX;
    e.index = index;
    e.am = (byte) am;
    return apply(e);
  }

  /** Counter summed over every cell of the device (all domains it has been in) on the current unit. */
  long dev(int sid, DeviceCounter c) {
    long sum = 0;
    for (StatsCell cell : tr.stats().cells()) {
      if (cell.sid == sid && cell.unit == unit) {
        sum += cell.get(c);
      }
    }
    return sum;
  }

  /** Interrupt-remapping counter summed over every cell of the device on the current unit. */
  long ir(int sid, io.iommusim.translator.ir.IrCounter c) {
    long sum = 0;
    for (StatsCell cell : tr.stats().cells()) {
      if (cell.sid == sid && cell.unit == unit) {
        sum += cell.get(c);
      }
    }
    return sum;
  }

  /** Counter summed over every cell of every device. */
  long total(DeviceCounter c) {
    long sum = 0;
    for (StatsCell cell : tr.stats().cells()) {
      sum += cell.get(c);
    }
    return sum;
  }

  long hits(int sid) {
    return dev(sid, DeviceCounter.IOTLB_HITS);
  }

  long misses(int sid) {
    return dev(sid, DeviceCounter.IOTLB_MISSES);
  }

  StatsCell cell(int sid, int domain) {
    return tr.stats().cell(unit, sid, domain);
  }

  long domain(int domain, DomainCounter c) {
    DomainCell d = tr.stats().domain(unit, domain);
    return d.get(c);
  }

  /**
   * Applies a read and reports whether it was an IOTLB hit (+1 hit), a miss (+1 miss), both
   * counted for this one-page access; fails if the access was not exactly one lookup.
   */
  String probe(int sid, long addr) {
    long h = hits(sid);
    long m = misses(sid);
    read(sid, addr);
    long dh = hits(sid) - h;
    long dm = misses(sid) - m;
    if (dh + dm != 1) {
      throw new AssertionError("expected one IOTLB lookup, got hits+" + dh + " misses+" + dm);
    }
    return dh == 1 ? "hit" : "miss";
  }
}
