package io.iommusim.translator.stats;

/** Page-table statistics of one domain on one unit. */
public final class DomainCell {
  public final int unit;
  public final int domain;
  public final long[] counters = new long[DomainCounter.COUNT];

  public DomainCell(int unit, int domain) {
    this.unit = unit;
    this.domain = domain;
  }

  public long get(DomainCounter c) {
    return counters[c.ordinal()];
  }

  public void add(DomainCell other) {
    for (int i = 0; i < counters.length; i++) {
      counters[i] += other.counters[i];
    }
  }
}
