package io.iommusim.trace.imports;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code --synthesize-access}: device accesses made up from DMA mapping lifetimes, for sources (Linux
 * tracepoints) that record mappings but not the device's accesses.
 *
 * <p>The model. A mapping made for a known device lives from its {@code map} to the first {@code unmap}
 * that overlaps it (a partial unmap ends the whole mapping), or to a later map over it, or else to the
 * latest timestamp of the input. Over its lifetime the device goes over the mapping's buffer (the bytes
 * the driver mapped, not the rounded-out pages) {@code access.passes} times, in the mapping's direction:
 * a read-only mapping (DMA_TO_DEVICE) is read, a write-only one (DMA_FROM_DEVICE) written, a read-write
 * one (DMA_BIDIRECTIONAL, coherent allocations) read and then written in every pass; a mapping without
 * permissions is not accessed. Each sweep is cut at every multiple of {@code access.chunk} bytes of IOVA
 * (0: one access per sweep covering the buffer). The {@code m} accesses of a mapping with lifetime
 * {@code [t0, t1]} are spread evenly inside it: access {@code k} (0-based, in sweep order) is at
 * {@code t0 + floor((k + 1) * (t1 - t0) / (m + 1))}, so none is at the unmap's time unless
 * {@code t1 = t0}; they are emitted before the event that ends the mapping, so at equal timestamps they
 * still come after the map and before the unmap. Accesses carry the device's requester id and PASID.
 *
 * <p>Memory: one small record per live mapping; accesses are generated lazily as they are consumed.
 */
public final class AccessSynthesizer {
  public static final String CHUNK = "access.chunk";
  public static final String PASSES = "access.passes";

  /** The framework's options, valid for every format (used with {@code --synthesize-access}). */
  public static final List<ImportOption> OPTIONS = List.of(
      ImportOption.value(CHUNK, "4096", "--synthesize-access: bytes per synthesized access, cut at multiples of this "
          + "IOVA (a power of two; 0 = one access per sweep over the whole buffer)"),
      ImportOption.value(PASSES, "1", "--synthesize-access: sweeps over each buffer in its lifetime"));

  /** The knobs. */
  public record Model(long chunk, int passes) {
    public static Model of(ImportOptions o) {
      long chunk = o.size(CHUNK, 0, 1L << 40);
      if (chunk != 0 && Long.bitCount(chunk) != 1) {
        throw o.error(CHUNK, "expected 0 or a power of two");
      }
      return new Model(chunk, (int) o.integer(PASSES, 1, 1_000_000));
    }
  }

  private static final class Mapping {
    final long iova;
    final long end;
    final long t0;
    final int unit;
    final int sid;
    final int pasid;
    final byte perm;
    final long bufferAddr;
    final long bufferSize;

    Mapping(long iova, long end, long t0, int unit, int sid, int pasid, byte perm, long bufferAddr, long bufferSize) {
      this.iova = iova;
      this.end = end;
      this.t0 = t0;
      this.unit = unit;
      this.sid = sid;
      this.pasid = pasid;
      this.perm = perm;
      this.bufferAddr = bufferAddr;
      this.bufferSize = bufferSize;
    }
  }

  static final String NOTE_NO_DEVICE = "mappings without a known device: no accesses synthesized";
  static final String NOTE_UNTIL_END = "mappings never unmapped: accesses synthesized up to the input's last timestamp";

  private final Model model;
  /** Live mappings by (unit, domain), each ordered by IOVA. */
  private final Map<Long, TreeMap<Long, Mapping>> live = new HashMap<>();

  public AccessSynthesizer(Model model) {
    this.model = model;
  }

  void mapped(ImportOutput out, long ts, int unit, int domain, long iova, long size, byte perm, int owner, int pasid,
      long bufferAddr, long bufferSize) {
    end(out, ts, unit, domain, iova, size); // a map over a live mapping ends it
    if (owner < 0) {
      out.note(NOTE_NO_DEVICE, 0, null);
      return;
    }
    live.computeIfAbsent(key(unit, domain), k -> new TreeMap<>())
        .put(iova, new Mapping(iova, iova + size, ts, unit, owner, pasid, perm, bufferAddr, bufferSize));
  }

  void unmapped(ImportOutput out, long ts, int unit, int domain, long iova, long size) {
    end(out, ts, unit, domain, iova, size);
  }

  private void end(ImportOutput out, long ts, int unit, int domain, long iova, long size) {
    TreeMap<Long, Mapping> m = live.get(key(unit, domain));
    if (m == null) {
      return;
    }
    List<Mapping> ended = new ArrayList<>();
    Map.Entry<Long, Mapping> before = m.lowerEntry(iova);
    if (before != null && Long.compareUnsigned(before.getValue().end, iova) > 0) {
      ended.add(before.getValue());
    }
    ended.addAll(m.subMap(iova, true, iova + size, false).values());
    for (Mapping e : ended) {
      m.remove(e.iova);
      out.queueBurst(new Burst(e, ts, model));
    }
    if (m.isEmpty()) {
      live.remove(key(unit, domain));
    }
  }

  void endOfInput(ImportOutput out) {
    long last = out.maxTs();
    List<Mapping> rest = new ArrayList<>();
    live.values().forEach(m -> rest.addAll(m.values()));
    // a fixed order, whatever the hash map's: by start time, then unit, requester, IOVA
    rest.sort((a, b) -> a.t0 != b.t0 ? Long.compare(a.t0, b.t0) : a.unit != b.unit ? Integer.compare(a.unit, b.unit)
        : a.sid != b.sid ? Integer.compare(a.sid, b.sid) : Long.compare(a.iova, b.iova));
    for (Mapping e : rest) {
      out.note(NOTE_UNTIL_END, 0, null);
      out.queueBurst(new Burst(e, Math.max(last, e.t0), model));
    }
    live.clear();
  }

  private static long key(int unit, int domain) {
    return (long) unit << 32 | (domain & 0xFFFFFFFFL);
  }

  /** The accesses of one ended mapping, generated one at a time. */
  static final class Burst {
    private final Mapping m;
    private final long t0;
    private final long span;
    private final long chunk;
    private final long chunksPerSweep;
    private final int directions;
    private final long total;
    private long k;

    Burst(Mapping m, long t1, Model model) {
      this.m = m;
      this.t0 = m.t0;
      this.span = Math.max(0, t1 - m.t0); // an unmap stamped before its map gives an empty lifetime
      this.chunk = model.chunk();
      int dirs = ((m.perm & Perm.READ) != 0 ? 1 : 0) + ((m.perm & Perm.WRITE) != 0 ? 1 : 0);
      this.directions = dirs;
      if (m.bufferSize <= 0 || dirs == 0) {
        this.chunksPerSweep = 0;
      } else if (chunk == 0) {
        this.chunksPerSweep = 1;
      } else {
        long first = m.bufferAddr & -chunk;
        long lastEnd = m.bufferAddr + m.bufferSize - 1;
        this.chunksPerSweep = ((lastEnd & -chunk) - first) / chunk + 1;
      }
      this.total = chunksPerSweep * dirs * model.passes();
    }

    boolean hasNext() {
      return k < total;
    }

    void next(TraceEvent e) {
      long c = k % chunksPerSweep;
      long sweep = k / chunksPerSweep;
      boolean write = directions == 2 ? sweep % 2 == 1 : (m.perm & Perm.WRITE) != 0;
      e.clear();
      e.kind = write ? EventKind.DMA_WRITE : EventKind.DMA_READ;
      e.tsNs = t0 + offset(k + 1, span, total + 1);
      e.unit = m.unit;
      e.sid = m.sid;
      e.pasid = m.pasid;
      long end = m.bufferAddr + m.bufferSize;
      if (chunk == 0) {
        e.addr = m.bufferAddr;
        e.size = m.bufferSize;
      } else {
        long start = c == 0 ? m.bufferAddr : (m.bufferAddr & -chunk) + c * chunk;
        long stop = Math.min(end, (m.bufferAddr & -chunk) + (c + 1) * chunk);
        e.addr = start;
        e.size = stop - start;
      }
      k++;
    }

    /** floor(a * b / c) without overflow (a <= c, b >= 0). */
    static long offset(long a, long b, long c) {
      long hi = Math.multiplyHigh(a, b);
      if (hi == 0 && a * b >= 0) {
        return a * b / c;
      }
      return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }
  }
}
