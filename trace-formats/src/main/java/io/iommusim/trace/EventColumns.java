package io.iommusim.trace;

/**
 * A batch of canonical events held column by column in primitive arrays: row {@code i} of the batch is
 * the event whose fields are the arrays' element {@code i}, as {@link #copyRow} writes them into a
 * {@link TraceEvent}. Readers that decode columns (Parquet) hand their batches out this way, so a
 * consumer can read the few fields an event needs straight from the arrays instead of copying every
 * field of every row into a {@link TraceEvent} first.
 *
 * <p>The arrays belong to the reader and are overwritten by its next batch; consumers only read them.
 * Kinds and granularities are ordinals ({@link EventKind#ofCode}, {@link Granularity#ofCode}), and
 * {@code perm} and {@code am} are widened to int.
 */
public final class EventColumns {
  private static final EventKind[] KINDS = EventKind.values();
  private static final Granularity[] GRANULARITIES = Granularity.values();

  public final long[] tsNs;
  public final long[] seq;
  public final byte[] kind;
  public final int[] unit;
  public final int[] sid;
  public final int[] pasid;
  public final int[] domain;
  public final long[] addr;
  public final long[] size;
  public final long[] phys;
  public final int[] perm;
  public final long[] pageSize;
  public final long[] data;
  public final int[] index;
  public final long[] irteLo;
  public final long[] irteHi;
  public final byte[] granularity;
  public final int[] am;
  public final int[] reason;
  public final String[] vendor;

  /** Rows of the batch: [0, rows) are valid. */
  public int rows;

  public EventColumns(int capacity) {
    tsNs = new long[capacity];
    seq = new long[capacity];
    kind = new byte[capacity];
    unit = new int[capacity];
    sid = new int[capacity];
    pasid = new int[capacity];
    domain = new int[capacity];
    addr = new long[capacity];
    size = new long[capacity];
    phys = new long[capacity];
    perm = new int[capacity];
    pageSize = new long[capacity];
    data = new long[capacity];
    index = new int[capacity];
    irteLo = new long[capacity];
    irteHi = new long[capacity];
    granularity = new byte[capacity];
    am = new int[capacity];
    reason = new int[capacity];
    vendor = new String[capacity];
  }

  public int capacity() {
    return tsNs.length;
  }

  public EventKind kind(int i) {
    return KINDS[kind[i]];
  }

  public Granularity granularity(int i) {
    return GRANULARITIES[granularity[i]];
  }

  /** Overwrites row {@code i} with the fields of {@code e} (the inverse of {@link #copyRow}). */
  public void setRow(int i, TraceEvent e) {
    tsNs[i] = e.tsNs;
    seq[i] = e.seq;
    kind[i] = (byte) e.kind.ordinal();
    unit[i] = e.unit;
    sid[i] = e.sid;
    pasid[i] = e.pasid;
    domain[i] = e.domain;
    addr[i] = e.addr;
    size[i] = e.size;
    phys[i] = e.phys;
    perm[i] = e.perm;
    pageSize[i] = e.pageSize;
    data[i] = e.data;
    index[i] = e.index;
    irteLo[i] = e.irteLo;
    irteHi[i] = e.irteHi;
    granularity[i] = (byte) e.granularity.ordinal();
    am[i] = e.am;
    reason[i] = e.reason;
    vendor[i] = e.vendor;
  }

  /** Overwrites every field of {@code into} with row {@code i}. */
  public TraceEvent copyRow(int i, TraceEvent into) {
    into.tsNs = tsNs[i];
    into.seq = seq[i];
    // references are stored only when they change: a reference store into an object that has reached
    // the old generation costs a GC write barrier with a memory fence
    EventKind k = KINDS[kind[i]];
    if (into.kind != k) {
      into.kind = k;
    }
    into.unit = unit[i];
    into.sid = sid[i];
    into.pasid = pasid[i];
    into.domain = domain[i];
    into.addr = addr[i];
    into.size = size[i];
    into.phys = phys[i];
    into.perm = (byte) perm[i];
    into.pageSize = pageSize[i];
    into.data = data[i];
    into.index = index[i];
    into.irteLo = irteLo[i];
    into.irteHi = irteHi[i];
    Granularity g = GRANULARITIES[granularity[i]];
    if (into.granularity != g) {
      into.granularity = g;
    }
    into.am = (byte) am[i];
    into.reason = reason[i];
    String v = vendor[i];
    if (into.vendor != v) {
      into.vendor = v;
    }
    return into;
  }
}
