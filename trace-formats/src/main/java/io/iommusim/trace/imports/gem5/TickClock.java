package io.iommusim.trace.imports.gem5;

import java.math.BigInteger;

/** gem5 ticks (unsigned 64-bit) to nanoseconds: {@code floor(tick * 10^9 / tick_freq)}. */
final class TickClock {
  private static final long NS_PER_S = 1_000_000_000L;
  private static final BigInteger NS = BigInteger.valueOf(NS_PER_S);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final long freq;
  /** tick_freq / 10^9 when that is exact (1 THz = gem5's default ps: 1000), else 0. */
  private final long ticksPerNs;
  /** 10^9 / tick_freq when that is exact (coarser clocks), else 0. */
  private final long nsPerTick;
  private final BigInteger bigFreq;

  TickClock(long freq) {
    this.freq = freq;
    this.ticksPerNs = freq % NS_PER_S == 0 ? freq / NS_PER_S : 0;
    this.nsPerTick = ticksPerNs == 0 && NS_PER_S % freq == 0 ? NS_PER_S / freq : 0;
    this.bigFreq = BigInteger.valueOf(freq);
  }

  /** The time in ns, or -1 when it does not fit in a signed 64-bit ts_ns. */
  long toNs(long tick) {
    if (ticksPerNs != 0) {
      long ns = Long.divideUnsigned(tick, ticksPerNs);
      return ns < 0 ? -1 : ns;
    }
    if (nsPerTick != 0) {
      if (tick < 0 || Math.multiplyHigh(tick, nsPerTick) != 0 || tick * nsPerTick < 0) {
        return -1;
      }
      return tick * nsPerTick;
    }
    BigInteger ns = new BigInteger(Long.toUnsignedString(tick)).multiply(NS).divide(bigFreq);
    return ns.compareTo(LONG_MAX) > 0 ? -1 : ns.longValueExact();
  }

  long freq() {
    return freq;
  }
}
