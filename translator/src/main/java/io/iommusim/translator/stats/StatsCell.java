package io.iommusim.translator.stats;

import org.HdrHistogram.Histogram;

/**
 * Statistics of one device while in one domain on one unit: counters and histograms (ns, exact below
 * 2048 ns, 3 significant digits above). Translation latency holds every translation; walk latency
 * every page walk; stale exposure every stale hit.
 */
public final class StatsCell {
  public final int unit;
  public final int sid;
  public final int domain;
  public final long[] counters = new long[DeviceCounter.COUNT];
  /** Interrupt-remapping counters of this requester ({@link io.iommusim.translator.ir.IrCounter}). */
  public final long[] irCounters = new long[io.iommusim.translator.ir.IrCounter.COUNT];
  public final Histogram translationLatency = newHistogram();
  public final Histogram walkLatency = newHistogram();
  /** Exposure time of every stale hit: the hit's time minus the time its mapping was removed or changed. */
  public final Histogram staleExposure = newHistogram();

  public StatsCell(int unit, int sid, int domain) {
    this.unit = unit;
    this.sid = sid;
    this.domain = domain;
  }

  /** Auto-resizing, 3 significant digits: every value below 2048 is its own bucket. */
  public static Histogram newHistogram() {
    Histogram h = new Histogram(3);
    h.setAutoResize(true);
    return h;
  }

  public long get(DeviceCounter c) {
    return counters[c.ordinal()];
  }

  public long get(io.iommusim.translator.ir.IrCounter c) {
    return irCounters[c.ordinal()];
  }

  public void add(StatsCell other) {
    for (int i = 0; i < counters.length; i++) {
      counters[i] += other.counters[i];
    }
    for (int i = 0; i < irCounters.length; i++) {
      irCounters[i] += other.irCounters[i];
    }
    translationLatency.add(other.translationLatency);
    walkLatency.add(other.walkLatency);
    staleExposure.add(other.staleExposure);
  }
}
