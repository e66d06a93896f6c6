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
        TraceEvent c = e.copy();
        c.seq = TraceEvent.NO_SEQ;
        out.add(c.toString());
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

  // ---- expected events, in TraceEvent.toString() form ---------------------------------------------

  public static String map(long ts, int domain, long iova, long phys, long size, int perm) {
    return map(ts, 0, domain, iova, phys, size, perm, 4096);
  }

  public static String map(long ts, int unit, int domain, long iova, long phys, long size, int perm, long pageSize) {
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.MAP;
    e.tsNs = ts;
    e.unit = unit;
    e.domain = domain;
    e.addr = iova;
    e.phys = phys;
    e.size = size;
    e.perm = (byte) perm;
    e.pageSize = pageSize;
    return e.toString();
  }

  public static String unmap(long ts, int domain, long iova, long size) {
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.UNMAP;
    e.tsNs = ts;
    e.domain = domain;
    e.addr = iova;
    e.size = size;
    return e.toString();
  }

  public static String attach(long ts, String sid, int domain, int pasid) {
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.ATTACH;
    e.tsNs = ts;
    e.sid = Sid.parse(sid);
    e.domain = domain;
    e.pasid = pasid;
    return e.toString();
  }

  public static String detach(long ts, String sid, int pasid) {
    TraceEvent e = new TraceEvent();
    e.kind = EventKind.DETACH;
    e.tsNs = ts;
    e.sid = Sid.parse(sid);
    e.pasid = pasid;
    return e.toString();
  }

  public static String dma(long ts, boolean write, String sid, long addr, long size) {
    TraceEvent e = new TraceEvent();
    e.kind = write ? EventKind.DMA_WRITE : EventKind.DMA_READ;
    e.tsNs = ts;
    e.sid = Sid.parse(sid);
    e.addr = addr;
    e.size = size;
    return e.toString();
  }

  static final int R = Perm.READ;
  static final int W = Perm.WRITE;
  static final int RW = Perm.READ_WRITE;
}
