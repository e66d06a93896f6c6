package io.iommusim.trace.imports.text;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Expected events in {@link TraceEvent#toString()} form (what {@link ImportTestSupport.Result#lines()}
 * gives), one builder per kind, and fixture loading.
 */
public final class Expect {
  private Expect() {}

  public static final int R = 1;
  public static final int W = 2;
  public static final int RW = 3;
  public static final long K4 = 4096;
  public static final long M2 = 2L << 20;
  public static final long G1 = 1L << 30;

  private static TraceEvent e(EventKind kind, long ts, int unit) {
    TraceEvent e = new TraceEvent();
    e.kind = kind;
    e.tsNs = ts;
    e.unit = unit;
    return e;
  }

  public static String attach(long ts, int unit, String sid, int domain) {
    return attach(ts, unit, sid, domain, -1);
  }

  public static String attach(long ts, int unit, String sid, int domain, int pasid) {
    return ImportTestSupport.attach(ts, unit, sid, domain, pasid);
  }

  public static String passthrough(long ts, int unit, String sid, int domain) {
    TraceEvent e = e(EventKind.ATTACH_PASSTHROUGH, ts, unit);
    e.sid = Sid.parse(sid);
    e.domain = domain;
    return e.toString();
  }

  public static String detach(long ts, int unit, String sid) {
    return ImportTestSupport.detach(ts, unit, sid, TraceEvent.NONE);
  }

  public static String map(long ts, int unit, int domain, long iova, long phys, long size, int perm, long pageSize) {
    return ImportTestSupport.map(ts, unit, domain, iova, phys, size, perm, pageSize);
  }

  public static String unmap(long ts, int unit, int domain, long iova, long size) {
    return ImportTestSupport.unmap(ts, unit, domain, iova, size);
  }

  public static String read(long ts, int unit, String sid, long addr, long size) {
    return dma(ts, unit, false, sid, addr, size);
  }

  public static String write(long ts, int unit, String sid, long addr, long size) {
    return dma(ts, unit, true, sid, addr, size);
  }

  public static String dma(long ts, int unit, boolean write, String sid, long addr, long size) {
    return ImportTestSupport.dma(ts, unit, write, sid, addr, size);
  }

  public static String msi(long ts, int unit, String sid, long addr, long data) {
    TraceEvent e = e(EventKind.MSI, ts, unit);
    e.sid = Sid.parse(sid);
    e.addr = addr;
    e.data = data;
    return e.toString();
  }

  public static String irte(long ts, int unit, int index, long lo, long hi) {
    TraceEvent e = e(EventKind.IRTE_SET, ts, unit);
    e.index = index;
    e.irteLo = lo;
    e.irteHi = hi;
    return e.toString();
  }

  /** An invalidation; sid as text or null, domain/index -1 when absent. */
  public static String inv(EventKind kind, long ts, int unit, Granularity g, int domain, String sid, long addr, int am,
      int index) {
    return ImportTestSupport.inv(kind, ts, unit, g, domain, sid, TraceEvent.NONE, addr, am, index);
  }

  public static String iotlbGlobal(long ts, int unit) {
    return inv(EventKind.INV_IOTLB, ts, unit, Granularity.GLOBAL, -1, null, 0, 0, -1);
  }

  public static String iotlbDomain(long ts, int unit, int domain) {
    return inv(EventKind.INV_IOTLB, ts, unit, Granularity.DOMAIN, domain, null, 0, 0, -1);
  }

  public static String iotlbPage(long ts, int unit, int domain, long addr, int am) {
    return inv(EventKind.INV_IOTLB, ts, unit, Granularity.PAGE, domain, null, addr, am, -1);
  }

  public static String contextGlobal(long ts, int unit) {
    return inv(EventKind.INV_CONTEXT, ts, unit, Granularity.GLOBAL, -1, null, 0, 0, -1);
  }

  public static String contextDomain(long ts, int unit, int domain) {
    return inv(EventKind.INV_CONTEXT, ts, unit, Granularity.DOMAIN, domain, null, 0, 0, -1);
  }

  public static String contextDevice(long ts, int unit, String sid) {
    return inv(EventKind.INV_CONTEXT, ts, unit, Granularity.DEVICE, -1, sid, 0, 0, -1);
  }

  public static String devtlbGlobal(long ts, int unit) {
    return inv(EventKind.INV_DEVTLB, ts, unit, Granularity.GLOBAL, -1, null, 0, 0, -1);
  }

  public static String devtlbDevice(long ts, int unit, String sid) {
    return inv(EventKind.INV_DEVTLB, ts, unit, Granularity.DEVICE, -1, sid, 0, 0, -1);
  }

  public static String devtlbPage(long ts, int unit, String sid, long addr, int am) {
    return inv(EventKind.INV_DEVTLB, ts, unit, Granularity.PAGE, -1, sid, addr, am, -1);
  }

  public static String iecGlobal(long ts, int unit) {
    return inv(EventKind.INV_IEC, ts, unit, Granularity.GLOBAL, -1, null, 0, 0, -1);
  }

  public static String iecIndex(long ts, int unit, int index, int am) {
    return inv(EventKind.INV_IEC, ts, unit, Granularity.INDEX, -1, null, 0, am, index);
  }

  /** An observed fault; perm r or w for the access, sid null when the source names no device. */
  public static String fault(long ts, int unit, String sid, long addr, int perm, int reason, String vendor) {
    TraceEvent e = e(EventKind.FAULT_OBSERVED, ts, unit);
    e.sid = sid == null ? -1 : Sid.parse(sid);
    e.addr = addr;
    e.perm = (byte) perm;
    e.reason = reason;
    e.vendor = vendor;
    return e.toString() + " perm=" + perm;
  }

  /**
   * The events as the builders above render them: {@link TraceEvent#toString()} without seq, plus the
   * access direction (perm) of observed faults, which toString leaves out.
   */
  public static java.util.List<String> render(java.util.List<TraceEvent> events) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (TraceEvent e : events) {
      TraceEvent c = e.copy();
      c.seq = TraceEvent.NO_SEQ;
      out.add(c.kind == EventKind.FAULT_OBSERVED ? c + " perm=" + c.perm : c.toString());
    }
    return out;
  }

  /** The text of a fixture next to the test class. */
  public static String fixture(Class<?> test, String name) {
    try (InputStream in = test.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
