package io.iommusim.trace.imports;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs an importer over a string and collects its events, report and rejects. */
public final class ImportTestSupport {
  private ImportTestSupport() {}

  /** What one import produced. */
  public record Result(List<TraceEvent> events, ImportReport report, List<String> rejects) {
    /** The events rendered one per line, without seq (tests compare what, not where). */
    public List<String> lines() {
      List<String> out = new ArrayList<>();
      for (TraceEvent e : events) {
        out.add(render(e));
      }
      return out;
    }
  }

  public static Result run(Importer importer, String text, Map<String, String> options) {
    return run(importer, text, options, false, false, Map.of());
  }

  public static Result run(Importer importer, String text, Map<String, String> options, boolean strict,
      boolean synthesize, Map<String, String> files) {
    return run(importer, text.getBytes(StandardCharsets.UTF_8), options, strict, synthesize, files);
  }

  /** Runs an importer over raw bytes (binary formats; gzip is recognised by its magic, as in a job). */
  public static Result run(Importer importer, byte[] input, Map<String, String> options, boolean strict,
      boolean synthesize, Map<String, String> files) {
    ImportOptions o = new ImportOptions(importer.name(), importer.options(), options, files);
    importer.validate(o);
    List<String> rejects = new ArrayList<>();
    RejectSink sink = (file, line, reason, t) -> rejects.add(line + "\t" + reason + "\t" + t);
    AccessSynthesizer synth = synthesize ? new AccessSynthesizer(AccessSynthesizer.Model.of(o)) : null;
    try (ImportedSource source = new ImportedSource(
        importer.open(Inputs.decompressed(new ByteArrayInputStream(input)), "in.txt", o),
        new ImportOutput("in.txt", importer.name(), importer.unit(), 0, strict, sink, synth))) {
      List<TraceEvent> events = new ArrayList<>();
      TraceEvent e = new TraceEvent();
      while (source.next(e)) {
        events.add(e.copy());
      }
      return new Result(events, source.report(), rejects);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- expected events, rendered like the actual ones ---------------------------------------------

  /** TraceEvent.toString without seq, plus the access of an observed fault (perm), which toString leaves out. */
  public static String render(TraceEvent e) {
    TraceEvent c = e.copy();
    c.seq = TraceEvent.NO_SEQ;
    String s = c.toString();
    if (c.kind == EventKind.FAULT_OBSERVED) {
      s = s.substring(0, s.length() - 1) + ", access=" + Perm.text(c.perm) + "}";
    }
    return s;
  }

  /** A new event of a kind at a time, to fill and {@link #render}. */
  public static TraceEvent ev(EventKind kind, long ts) {
    TraceEvent e = new TraceEvent();
    e.kind = kind;
    e.tsNs = ts;
    return e;
  }

  public static String fault(long ts, int unit, String sid, int pasid, long addr, int perm, int reason, String vendor) {
    TraceEvent e = ev(EventKind.FAULT_OBSERVED, ts);
    e.unit = unit;
    e.sid = Sid.parse(sid);
    e.pasid = pasid;
    e.addr = addr;
    e.perm = (byte) perm;
    e.reason = reason;
    e.vendor = vendor;
    return render(e);
  }

  public static String inv(EventKind kind, long ts, int unit, io.iommusim.trace.Granularity g, int domain, String sid,
      int pasid, long addr, int am, int index) {
    TraceEvent e = ev(kind, ts);
    e.unit = unit;
    e.granularity = g;
    e.domain = domain;
    e.sid = sid == null ? -1 : Sid.parse(sid);
    e.pasid = pasid;
    e.addr = addr;
    e.am = (byte) am;
    e.index = index;
    return render(e);
  }

  public static String map(long ts, int domain, long iova, long phys, long size, int perm) {
    return map(ts, 0, domain, iova, phys, size, perm, 4096);
  }

  public static String map(long ts, int unit, int domain, long iova, long phys, long size, int perm, long pageSize) {
    TraceEvent e = ev(EventKind.MAP, ts);
    e.unit = unit;
    e.domain = domain;
    e.addr = iova;
    e.phys = phys;
    e.size = size;
    e.perm = (byte) perm;
    e.pageSize = pageSize;
    return render(e);
  }

  public static String unmap(long ts, int domain, long iova, long size) {
    return unmap(ts, 0, domain, iova, size);
  }

  public static String unmap(long ts, int unit, int domain, long iova, long size) {
    TraceEvent e = ev(EventKind.UNMAP, ts);
    e.unit = unit;
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    return render(e);
  }

  public static String attach(long ts, String sid, int domain, int pasid) {
    return attach(ts, 0, sid, domain, pasid);
  }

  public static String attach(long ts, int unit, String sid, int domain, int pasid) {
    TraceEvent e = ev(EventKind.ATTACH, ts);
    e.unit = unit;
    e.sid = Sid.parse(sid);
    e.domain = domain;
    e.pasid = pasid;
    return render(e);
  }

  public static String detach(long ts, String sid, int pasid) {
    return detach(ts, 0, sid, pasid);
  }

  public static String detach(long ts, int unit, String sid, int pasid) {
    TraceEvent e = ev(EventKind.DETACH, ts);
    e.unit = unit;
    e.sid = Sid.parse(sid);
    e.pasid = pasid;
    return render(e);
  }

  public static String dma(long ts, boolean write, String sid, long addr, long size) {
    return dma(ts, 0, write, sid, addr, size);
  }

  public static String dma(long ts, int unit, boolean write, String sid, long addr, long size) {
    TraceEvent e = ev(write ? EventKind.DMA_WRITE : EventKind.DMA_READ, ts);
    e.unit = unit;
    e.sid = Sid.parse(sid);
    e.addr = addr;
    e.size = size;
    return render(e);
  }

  public static final int R = Perm.READ;
  public static final int W = Perm.WRITE;
  public static final int RW = Perm.READ_WRITE;

  /** A fixture from the test resources of {@code type}'s package. */
  public static String resource(Class<?> type, String name) {
    try (java.io.InputStream in = type.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
