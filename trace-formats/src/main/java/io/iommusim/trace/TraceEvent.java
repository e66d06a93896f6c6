package io.iommusim.trace;

/**
 * One canonical trace event: a flat, mutable record that readers fill and consumers reuse, so that
 * streaming a trace allocates nothing per event. Field names follow the contract columns
 * (architecture.md); {@link #clear()} restores the documented defaults of every optional column.
 */
public final class TraceEvent implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Default of {@code sid}, {@code domain}, {@code index} and {@code reason}: the column is absent. */
  public static final int NONE = -1;

  public long tsNs;
  /** Input order; {@link #NO_SEQ} until a reader assigns it. */
  public long seq = NO_SEQ;
  public EventKind kind;
  public int unit;
  public int sid = NONE;
  public int pasid = NONE;
  public int domain = NONE;
  public long addr;
  public long size;
  public long phys;
  public byte perm = Perm.READ_WRITE;
  public long pageSize = 4096;
  public long data;
  public int index = NONE;
  public long irteLo;
  public long irteHi;
  public Granularity granularity = Granularity.NONE;
  public byte am;
  public int reason = NONE;
  /** Observed faults only: {@code vtd}, {@code amdvi}, {@code smmuv3}, {@code smmuv2}; null otherwise. */
  public String vendor;

  public static final long NO_SEQ = Long.MIN_VALUE;

  /** Resets every field to its default (kind becomes null). */
  public TraceEvent clear() {
    tsNs = 0;
    seq = NO_SEQ;
    kind = null;
    unit = 0;
    sid = NONE;
    pasid = NONE;
    domain = NONE;
    addr = 0;
    size = 0;
    phys = 0;
    perm = Perm.READ_WRITE;
    pageSize = 4096;
    data = 0;
    index = NONE;
    irteLo = 0;
    irteHi = 0;
    granularity = Granularity.NONE;
    am = 0;
    reason = NONE;
    vendor = null;
    return this;
  }

  public TraceEvent copyFrom(TraceEvent o) {
    tsNs = o.tsNs;
    seq = o.seq;
    kind = o.kind;
    unit = o.unit;
    sid = o.sid;
    pasid = o.pasid;
    domain = o.domain;
    addr = o.addr;
    size = o.size;
    phys = o.phys;
    perm = o.perm;
    pageSize = o.pageSize;
    data = o.data;
    index = o.index;
    irteLo = o.irteLo;
    irteHi = o.irteHi;
    granularity = o.granularity;
    am = o.am;
    reason = o.reason;
    vendor = o.vendor;
    return this;
  }

  public TraceEvent copy() {
    return new TraceEvent().copyFrom(this);
  }

  @Override
  public boolean equals(Object obj) {
    if (!(obj instanceof TraceEvent)) {
      return false;
    }
    TraceEvent o = (TraceEvent) obj;
    return tsNs == o.tsNs && seq == o.seq && kind == o.kind && unit == o.unit && sid == o.sid
        && pasid == o.pasid && domain == o.domain && addr == o.addr && size == o.size
        && phys == o.phys && perm == o.perm && pageSize == o.pageSize && data == o.data
        && index == o.index && irteLo == o.irteLo && irteHi == o.irteHi
        && granularity == o.granularity && am == o.am && reason == o.reason
        && java.util.Objects.equals(vendor, o.vendor);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(tsNs * 31 + seq) ^ (kind == null ? 0 : kind.ordinal()) ^ Long.hashCode(addr);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(kind == null ? "?" : kind.text()).append("{ts_ns=").append(tsNs);
    if (seq != NO_SEQ) b.append(", seq=").append(seq);
    b.append(", unit=").append(unit);
    if (sid != NONE) b.append(", sid=").append(Sid.format(sid));
    if (pasid != NONE) b.append(", pasid=").append(pasid);
    if (domain != NONE) b.append(", domain=").append(domain);
    b.append(", addr=0x").append(Long.toHexString(addr));
    if (size != 0) b.append(", size=").append(size);
    if (phys != 0) b.append(", phys=0x").append(Long.toHexString(phys));
    if (kind == EventKind.MAP) b.append(", perm=").append(Perm.text(perm)).append(", page_size=").append(pageSize);
    if (data != 0) b.append(", data=0x").append(Long.toHexString(data));
    if (index != NONE) b.append(", index=").append(index);
    if (irteLo != 0 || irteHi != 0) b.append(", irte=0x").append(Long.toHexString(irteHi)).append('_').append(Long.toHexString(irteLo));
    if (granularity != Granularity.NONE) b.append(", granularity=").append(granularity.text());
    if (am != 0) b.append(", am=").append(am);
    if (reason != NONE) b.append(", reason=").append(reason);
    if (vendor != null) b.append(", vendor=").append(vendor);
    return b.append('}').toString();
  }
}
