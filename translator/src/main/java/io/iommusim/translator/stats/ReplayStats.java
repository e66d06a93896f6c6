package io.iommusim.translator.stats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MissCurves;
import io.iommusim.translator.mrc.MrcScope;
import org.HdrHistogram.Histogram;

/**
 * Everything one replay produced except the fault records: per (unit, device, domain) cells, per
 * (unit, domain) page-table cells, events replayed by kind, and the IOTLB miss-ratio curves. Partial
 * results from Spark tasks are {@link #toBytes() serialised}, shipped to the driver and
 * {@link #merge merged}; merging is commutative and associative, so the result does not depend on how
 * the trace was partitioned. A curve is computed whole by one replay partition (its scope's lookups
 * all replay there), so merging curves is a union; a curve present in two partial results is an
 * error rather than a silent sum.
 */
public final class ReplayStats {
  private final TreeMap<Key, StatsCell> cells = new TreeMap<>();
  private final TreeMap<Key, DomainCell> domains = new TreeMap<>();
  private final long[] eventsByKind;
  private final TreeMap<CurveKey, MissCurves> curves = new TreeMap<>();
  private final TreeMap<CurveKey, Long> divergentLookups = new TreeMap<>();
  /** Curves reported as another curve (the same lookups and invalidations): alias → source. */
  private final TreeMap<CurveKey, CurveKey> aliases = new TreeMap<>();

  /**
   * One curve of table {@code mrc}: the curves of {@code source}'s counter ({@code source} is the key
   * itself unless the key shares another scope's curve), and the lookups that counter could not follow
   * exactly (0: the curve is exact; README, "Miss-ratio curves").
   */
  public record MrcCurve(CurveKey source, MissCurves curves, long divergentLookups) {}

  public ReplayStats(int kinds) {
    this.eventsByKind = new long[kinds];
  }

  /** Sort key (unit, sid, domain); sid is -1 for domain cells. */
  private record Key(int unit, int sid, int domain) implements Comparable<Key> {
    private static final Comparator<Key> ORDER =
        Comparator.comparingInt(Key::unit).thenComparingInt(Key::sid).thenComparingInt(Key::domain);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  public StatsCell cell(int unit, int sid, int domain) {
    return cells.computeIfAbsent(new Key(unit, sid, domain), k -> new StatsCell(unit, sid, domain));
  }

  public DomainCell domain(int unit, int domain) {
    return domains.computeIfAbsent(new Key(unit, -1, domain), k -> new DomainCell(unit, domain));
  }

  /** Cells in (unit, sid, domain) order. */
  public List<StatsCell> cells() {
    return new ArrayList<>(cells.values());
  }

  /** Domain cells in (unit, domain) order. */
  public List<DomainCell> domains() {
    return new ArrayList<>(domains.values());
  }

  public long[] eventsByKind() {
    return eventsByKind;
  }

  /** Adds a computed curve; {@code key} must not have a curve or alias yet. */
  public void putCurve(CurveKey key, MissCurves c, long divergent) {
    if (curves.containsKey(key) || aliases.containsKey(key)) {
      throw new IllegalStateException("the mrc curve of " + key + " came from two replay partitions");
    }
    curves.put(key, c);
    divergentLookups.put(key, divergent);
  }

  /** Reports {@code alias} with {@code source}'s curve; {@code alias} must not have a curve or alias yet. */
  public void putAlias(CurveKey alias, CurveKey source) {
    if (curves.containsKey(alias) || aliases.containsKey(alias)) {
      throw new IllegalStateException("the mrc curve of " + alias + " came from two replay partitions");
    }
    aliases.put(alias, source);
  }

  /** Every curve of table {@code mrc} (computed and shared), in table order. */
  public SortedMap<CurveKey, MrcCurve> mrc() {
    TreeMap<CurveKey, MrcCurve> out = new TreeMap<>();
    curves.forEach((k, c) -> out.put(k, new MrcCurve(k, c, divergentLookups.get(k))));
    aliases.forEach((alias, source) -> {
      MissCurves c = curves.get(source);
      if (c == null) {
        throw new IllegalStateException("mrc curve " + alias + " shares the curve of " + source + ", which is missing");
      }
      out.put(alias, new MrcCurve(source, c, divergentLookups.get(source)));
    });
    return out;
  }

  public void merge(ReplayStats other) {
    other.cells.forEach((k, c) -> cell(k.unit, k.sid, k.domain).add(c));
    other.domains.forEach((k, d) -> domain(k.unit, k.domain).add(d));
    for (int i = 0; i < eventsByKind.length; i++) {
      eventsByKind[i] += other.eventsByKind[i];
    }
    addCurvesOf(other);
  }

  /**
   * Adds copies of {@code other}'s curves and its aliases. Also how a sweep gives a configuration the
   * curves of another whose IOTLB lookups and invalidations are provably the same.
   */
  public void addCurvesOf(ReplayStats other) {
    other.curves.forEach((k, c) -> putCurve(k, MissCurves.fromLongArray(c.toLongArray()), other.divergentLookups.get(k)));
    other.aliases.forEach(this::putAlias);
  }

  public byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(eventsByKind.length);
      for (long v : eventsByKind) {
        out.writeLong(v);
      }
      out.writeInt(cells.size());
      for (StatsCell c : cells.values()) {
        out.writeInt(c.unit);
        out.writeInt(c.sid);
        out.writeInt(c.domain);
        writeLongs(out, c.counters);
        writeLongs(out, c.irCounters);
        writeHistogram(out, c.translationLatency);
        writeHistogram(out, c.walkLatency);
        writeHistogram(out, c.staleExposure);
      }
      out.writeInt(domains.size());
      for (DomainCell d : domains.values()) {
        out.writeInt(d.unit);
        out.writeInt(d.domain);
        writeLongs(out, d.counters);
      }
      out.writeInt(curves.size());
      for (Map.Entry<CurveKey, MissCurves> e : curves.entrySet()) {
        writeCurveKey(out, e.getKey());
        out.writeLong(divergentLookups.get(e.getKey()));
        long[] data = e.getValue().toLongArray();
        out.writeInt(data.length);
        for (long v : data) {
          out.writeLong(v);
        }
      }
      out.writeInt(aliases.size());
      for (Map.Entry<CurveKey, CurveKey> e : aliases.entrySet()) {
        writeCurveKey(out, e.getKey());
        writeCurveKey(out, e.getValue());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ReplayStats fromBytes(byte[] data) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
      ReplayStats s = new ReplayStats(in.readInt());
      for (int i = 0; i < s.eventsByKind.length; i++) {
        s.eventsByKind[i] = in.readLong();
      }
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        StatsCell c = s.cell(in.readInt(), in.readInt(), in.readInt());
        readLongs(in, c.counters);
        readLongs(in, c.irCounters);
        c.translationLatency.add(readHistogram(in));
        c.walkLatency.add(readHistogram(in));
        c.staleExposure.add(readHistogram(in));
      }
      int m = in.readInt();
      for (int i = 0; i < m; i++) {
        DomainCell d = s.domain(in.readInt(), in.readInt());
        readLongs(in, d.counters);
      }
      int curveCount = in.readInt();
      for (int i = 0; i < curveCount; i++) {
        CurveKey key = readCurveKey(in);
        long divergent = in.readLong();
        long[] histograms = new long[in.readInt()];
        for (int j = 0; j < histograms.length; j++) {
          histograms[j] = in.readLong();
        }
        s.putCurve(key, MissCurves.fromLongArray(histograms), divergent);
      }
      int aliasCount = in.readInt();
      for (int i = 0; i < aliasCount; i++) {
        s.putAlias(readCurveKey(in), readCurveKey(in));
      }
      return s;
    } catch (IOException | DataFormatException e) {
      throw new IllegalStateException("corrupt statistics block", e);
    }
  }

  private static void writeCurveKey(DataOutputStream out, CurveKey k) throws IOException {
    out.writeByte(k.scope().ordinal());
    out.writeInt(k.unit());
    out.writeInt(k.domain());
    out.writeInt(k.sid());
  }

  private static CurveKey readCurveKey(DataInputStream in) throws IOException {
    MrcScope scope = MrcScope.values()[in.readByte()];
    return new CurveKey(scope, in.readInt(), in.readInt(), in.readInt());
  }

  private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
    out.writeInt(values.length);
    for (long v : values) {
      out.writeLong(v);
    }
  }

  private static void readLongs(DataInputStream in, long[] into) throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException("counter count " + n + " != " + into.length);
    }
    for (int i = 0; i < n; i++) {
      into[i] = in.readLong();
    }
  }

  private static void writeHistogram(DataOutputStream out, Histogram h) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int len = h.encodeIntoCompressedByteBuffer(buf);
    out.writeInt(len);
    out.write(buf.array(), 0, len);
  }

  private static Histogram readHistogram(DataInputStream in) throws IOException, DataFormatException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(b), 0);
  }
}
