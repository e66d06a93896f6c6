package io.iommusim.translator.vtd;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.mrc.MrcPlan;
import java.util.Arrays;

/**
 * Every attach, attach_passthrough and detach of a trace, in (ts_ns, seq) order. A replay partition
 * sees only its own devices' events, but whether a faulting device's bus has a context table (fault
 * 0x01 vs 0x02) depends on the other devices on that bus; the timeline carries that knowledge to
 * every partition. Immutable and serialisable (Spark broadcasts it).
 */
public final class ContextTimeline implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  final long[] ts;
  final long[] seq;
  final int[] unit;
  final int[] sid;
  /** true for attach and attach_passthrough, false for detach. */
  final boolean[] attach;
  /** The domain of an attach (translated); -1 for attach_passthrough and detach. */
  final int[] domain;

  private ContextTimeline(long[] ts, long[] seq, int[] unit, int[] sid, boolean[] attach, int[] domain) {
    this.ts = ts;
    this.seq = seq;
    this.unit = unit;
    this.sid = sid;
    this.attach = attach;
    this.domain = domain;
  }

  public int size() {
    return ts.length;
  }

  /**
   * The miss-ratio-curve plan of the trace's attach graph ({@link MrcPlan}).
   *
   * @param unitCurveNeedsOneGroup true with {@code partition.by=device}
   */
  public MrcPlan mrcPlan(boolean unitCurveNeedsOneGroup) {
    MrcPlan.Builder b = new MrcPlan.Builder();
    for (int i = 0; i < ts.length; i++) {
      if (domain[i] >= 0) {
        b.addAttach(unit[i], sid[i], domain[i]);
      }
    }
    return b.build(unitCurveNeedsOneGroup);
  }

  /** Collects context events in any order; {@link #build()} sorts them. */
  public static final class Builder {
    private long[] ts = new long[16];
    private long[] seq = new long[16];
    private int[] unit = new int[16];
    private int[] sid = new int[16];
    private boolean[] attach = new boolean[16];
    private int[] domain = new int[16];
    private int n;

    /** Adds the event if it is a context event; returns whether it was. */
    public boolean add(TraceEvent e) {
      if (e.kind != EventKind.ATTACH && e.kind != EventKind.ATTACH_PASSTHROUGH && e.kind != EventKind.DETACH) {
        return false;
      }
      add(e.tsNs, e.seq, e.unit, e.sid, e.kind != EventKind.DETACH, e.kind == EventKind.ATTACH ? e.domain : -1);
      return true;
    }

    public void add(long t, long s, int u, int d, boolean isAttach) {
      add(t, s, u, d, isAttach, -1);
    }

    /** @param dom the domain of a translated attach, else -1 */
    public void add(long t, long s, int u, int d, boolean isAttach, int dom) {
      if (n == ts.length) {
        int cap = n * 2;
        ts = Arrays.copyOf(ts, cap);
        seq = Arrays.copyOf(seq, cap);
        unit = Arrays.copyOf(unit, cap);
        sid = Arrays.copyOf(sid, cap);
        attach = Arrays.copyOf(attach, cap);
        domain = Arrays.copyOf(domain, cap);
      }
      ts[n] = t;
      seq[n] = s;
      unit[n] = u;
      sid[n] = d;
      attach[n] = isAttach;
      domain[n] = dom;
      n++;
    }

    public ContextTimeline build() {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> ts[a] != ts[b] ? Long.compare(ts[a], ts[b]) : Long.compare(seq[a], seq[b]));
      long[] t = new long[n];
      long[] s = new long[n];
      int[] u = new int[n];
      int[] d = new int[n];
      boolean[] at = new boolean[n];
      int[] dm = new int[n];
      for (int i = 0; i < n; i++) {
        int j = order[i];
        t[i] = ts[j];
        s[i] = seq[j];
        u[i] = unit[j];
        d[i] = sid[j];
        at[i] = attach[j];
        dm[i] = domain[j];
      }
      return new ContextTimeline(t, s, u, d, at, dm);
    }
  }
}
