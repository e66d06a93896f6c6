package io.iommusim.translator.ir;

import io.iommusim.translator.cache.TagCache;
import io.iommusim.translator.settings.ModelSettings;

/**
 * VT-d interrupt remapping of one IOMMU unit within one replay partition: the unit's IR table (filled
 * by {@code irte_set} / {@code irte_clear}), an interrupt-entry cache (IEC) and counters. The table is
 * unit-wide. With {@code partition.by=unit} one instance (one IEC) serves every device behind the unit;
 * with {@code partition.by=device} each device has its own instance from {@link #withOwnIec} (the
 * unit's table, a private IEC), like its other caches, so results do not depend on which replay groups
 * share a task. Not thread safe; allocates nothing per request.
 *
 * <h2>A request ({@link #remap}), in order</h2>
 * <ol>
 *   <li>{@code ir.enabled = false}: delivered unchecked, counted in msi_unprotected. Nothing else.
 *   <li>Address bits 63:32 not 0, or bits 31:20 not 0xFEE: fault 0x20 (index -1).
 *   <li>Compatibility format (bit 4 = 0): fault 0x25 with {@code ir.block_compat} (index -1), else
 *       delivered untranslated and counted in msi_unprotected.
 *   <li>index = handle (+ subhandle when SHV, see {@link MsiAddress}); SHV = 1 with data bits above 15
 *       set: fault 0x20. This is a check of the request, so it comes before the IRTE is read (QEMU
 *       checks it after, so there a not-present entry would report 0x22 first).
 *   <li>index &ge; {@code ir.table_entries}: fault 0x21.
 *   <li>The IRTE: from the IEC on a hit (iec_hits), else from the table (iec_misses); an entry read
 *       from the table is cached only if present with no reserved bit set.
 *   <li>P clear: 0x22; reserved bits: 0x24; source validation ({@link Irte#sourceValid}): 0x26.
 *   <li>Delivered.
 * </ol>
 * Never produced: 0x23 (error reading the table at IRTA): the model has no table memory to fail.
 *
 * <h2>Fault recording and FPD</h2>
 * A blocked request always counts in msi_blocked and its msi_blocked_* reason. The fault is recorded
 * through the {@link IrFaultSink} unless the IRTE it used has FPD = 1, which applies only to the faults
 * found after the entry was read (0x22, 0x24, 0x26, the VT-d "qualified" IR faults; QEMU also honours
 * FPD on a not-present entry); FPD never unblocks. Suppressed records count in
 * msi_fault_records_suppressed.
 *
 * <h2>Stale IEC entries</h2>
 * {@link #irteSet} and {@link #irteClear} write the table only. Until an {@link #invalidateIec} covers
 * the index, a cached copy keeps being used: an interrupt through a changed entry is delivered with
 * the OLD entry (old source check, old FPD), and through a cleared one it is still delivered. This is
 * what hardware does and why Linux follows every IRTE change with an IEC flush ({@code modify_irte},
 * {@code clear_entries} → {@code qi_flush_iec}).
 *
 * <h2>Counters</h2>
 * {@link #remap} adds to the caller's {@code long[IrCounter.COUNT]} (the caller keeps one per requester,
 * or passes null) and to this unit's own array ({@link #counter}). iec_invalidations is counted only in
 * the unit's array: an invalidation belongs to no requester.
 */
public final class InterruptRemapper {
  /** {@link #remap} result of a delivered request; anything else is the fault reason. */
  public static final int DELIVERED = 0;

  private static final int TOTAL = IrCounter.MSI_TOTAL.ordinal();
  private static final int DELIVERED_COUNT = IrCounter.MSI_DELIVERED.ordinal();
  private static final int BLOCKED = IrCounter.MSI_BLOCKED.ordinal();
  private static final int UNPROTECTED = IrCounter.MSI_UNPROTECTED.ordinal();
  private static final int SUPPRESSED = IrCounter.MSI_FAULT_RECORDS_SUPPRESSED.ordinal();
  private static final int IEC_HITS = IrCounter.IEC_HITS.ordinal();
  private static final int IEC_MISSES = IrCounter.IEC_MISSES.ordinal();
  private static final int IEC_INVALIDATIONS = IrCounter.IEC_INVALIDATIONS.ordinal();

  private final int unit;
  private final boolean enabled;
  private final boolean blockCompat;
  private final int tableEntries;
  private final IrFaultSink sink;

  /** The IR table, allocated at the first irte_set (2 x 8 x ir.table_entries bytes: 1 MiB at 65536). */
  private static final class Table {
    long[] lo;
    long[] hi;
  }

  /** Shared by every remapper made by {@link #withOwnIec} from this one. */
  private final Table table;

  /** Null when iec.entries = 0. Tag and index bits are both the interrupt index. */
  private final TagCache iec;
  private final long[] iecLo;
  private final long[] iecHi;

  private final long[] unitCounters = new long[IrCounter.COUNT];
  private final ModelSettings settings;

  /**
   * A remapper of the same unit that reads and writes this one's IR table but has its own, empty IEC and
   * counters: with {@code partition.by=device} every requester gets one, like its other caches, so the
   * IEC a request sees does not depend on which replay groups share a task.
   */
  public InterruptRemapper withOwnIec(long randomSeed, IrFaultSink sink) {
    return new InterruptRemapper(settings, unit, randomSeed, sink, table);
  }

  /**
   * @param randomSeed seed of the IEC's random replacement (only used with iec.policy=random)
   */
  public InterruptRemapper(ModelSettings s, int unit, long randomSeed, IrFaultSink sink) {
    this(s, unit, randomSeed, sink, new Table());
  }

  private InterruptRemapper(ModelSettings s, int unit, long randomSeed, IrFaultSink sink, Table table) {
    this.settings = s;
    this.table = table;
    this.unit = unit;
    this.enabled = s.irEnabled;
    this.blockCompat = s.irBlockCompat;
    this.tableEntries = s.irTableEntries;
    this.sink = sink == null ? IrFaultSink.DISCARD : sink;
    this.iec = s.iec.newCache(randomSeed);
    this.iecLo = iec == null ? null : new long[iec.capacity()];
    this.iecHi = iec == null ? null : new long[iec.capacity()];
  }

  public int unit() {
    return unit;
  }

  /**
   * Remaps one interrupt request.
   *
   * @param sid requester id (segment bits above 15 are ignored by source validation)
   * @param addr the MSI address (a DMA write's address inside the interrupt window)
   * @param data the MSI data (only bits 31:0 are meaningful; pass 0 when unknown, e.g. a DMA write)
   * @param counters the requester's {@code long[IrCounter.COUNT]} to add to, or null
   * @return {@link #DELIVERED} (0) or the fault reason 0x20..0x26
   */
  public int remap(long tsNs, long seq, int sid, long addr, long data, long[] counters) {
    add(counters, TOTAL);
    if (!enabled) {
      return deliverUnprotected(counters);
    }
    if (MsiAddress.addressReserved(addr)) {
      return block(tsNs, seq, sid, -1, 0x20, false, counters);
    }
    if (!MsiAddress.isRemappable(addr)) {
      return blockCompat ? block(tsNs, seq, sid, -1, 0x25, false, counters) : deliverUnprotected(counters);
    }
    int index = MsiAddress.index(addr, data);
    if (MsiAddress.dataReserved(addr, data)) {
      return block(tsNs, seq, sid, index, 0x20, false, counters);
    }
    if (index >= tableEntries) {
      return block(tsNs, seq, sid, index, 0x21, false, counters);
    }

    long lo;
    long hi;
    int slot = iec == null ? -1 : iec.lookup(index, index);
    if (slot >= 0) {
      add(counters, IEC_HITS);
      lo = iecLo[slot];
      hi = iecHi[slot];
    } else {
      add(counters, IEC_MISSES);
      lo = table.lo == null ? 0 : table.lo[index];
      hi = table.hi == null ? 0 : table.hi[index];
      if (iec != null && Irte.present(lo) && !Irte.hasReservedBits(lo, hi)) {
        slot = iec.insert(index, index);
        iecLo[slot] = lo;
        iecHi[slot] = hi;
      }
    }

    boolean fpd = Irte.fpd(lo);
    if (!Irte.present(lo)) {
      return block(tsNs, seq, sid, index, 0x22, fpd, counters);
    }
    if (Irte.hasReservedBits(lo, hi)) {
      return block(tsNs, seq, sid, index, 0x24, fpd, counters);
    }
    if (!Irte.sourceValid(hi, sid)) {
      return block(tsNs, seq, sid, index, 0x26, fpd, counters);
    }
    add(counters, DELIVERED_COUNT);
    return DELIVERED;
  }

  private int deliverUnprotected(long[] counters) {
    add(counters, DELIVERED_COUNT);
    add(counters, UNPROTECTED);
    return DELIVERED;
  }

  private int block(long tsNs, long seq, int sid, int index, int reason, boolean fpd, long[] counters) {
    add(counters, BLOCKED);
    add(counters, IrCounter.blockedBy(reason).ordinal());
    if (fpd) {
      add(counters, SUPPRESSED);
    } else {
      sink.fault(tsNs, seq, unit, sid, index, reason);
    }
    return reason;
  }

  private void add(long[] counters, int counter) {
    unitCounters[counter]++;
    if (counters != null) {
      counters[counter]++;
    }
  }

  /**
   * {@code irte_set}: writes the table entry (the IEC is not touched: see the class comment).
   *
   * @return false, changing nothing, when {@code index >= ir.table_entries}: no request can reach an
   *     entry beyond the table (it would fault 0x21), so the caller may report the event as inconsistent
   *     with the configured table size
   * @throws IllegalArgumentException if {@code index < 0}
   */
  public boolean irteSet(int index, long lo, long hi) {
    if (!inTable(index)) {
      return false;
    }
    if (table.lo == null) {
      table.lo = new long[tableEntries];
      table.hi = new long[tableEntries];
    }
    table.lo[index] = lo;
    table.hi[index] = hi;
    return true;
  }

  /** {@code irte_clear}: zeroes the entry (as Linux {@code clear_entries} does); same contract as {@link #irteSet}. */
  public boolean irteClear(int index) {
    if (!inTable(index)) {
      return false;
    }
    if (table.lo != null) {
      table.lo[index] = 0;
      table.hi[index] = 0;
    }
    return true;
  }

  private boolean inTable(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("IRTE index must be 0 or more, is " + index);
    }
    return index < tableEntries;
  }

  /**
   * {@code inv_iec} (QI descriptor type 0x4, iommu-semantics.md §1.5). Global: empties the IEC.
   * Index-selective: drops the cached entries of the {@code 2^am} indices from
   * {@code index & ~(2^am - 1)} (naturally aligned, like an IOTLB page-selective invalidation's AM).
   * Counted in iec_invalidations (unit counters only) even when the IEC is disabled.
   *
   * @param index IIDX (ignored when global)
   * @param am IM, 0..31 (ignored when global)
   * @throws IllegalArgumentException for a selective invalidation with a negative index or am outside 0..31
   */
  public void invalidateIec(boolean global, int index, int am) {
    if (!global && (index < 0 || am < 0 || am > 31)) {
      throw new IllegalArgumentException(
          "inv_iec: index must be 0 or more and am 0..31, are " + index + " and " + am);
    }
    unitCounters[IEC_INVALIDATIONS]++;
    if (iec == null) {
      return;
    }
    if (global) {
      iec.clear();
      return;
    }
    long count = 1L << am;
    long first = index & ~(count - 1);
    if (count <= iec.capacity()) {
      for (long i = first; i < first + count; i++) {
        iec.invalidate(i, i);
      }
    } else {
      for (int slot = 0; slot < iec.capacity(); slot++) {
        long tag = iec.tagAt(slot);
        if (iec.isValid(slot) && tag >= first && tag < first + count) {
          iec.invalidateSlot(slot);
        }
      }
    }
  }

  /** This unit's total of one counter (every requester, plus iec_invalidations). */
  public long counter(IrCounter c) {
    return unitCounters[c.ordinal()];
  }

  /** Whether the IEC holds {@code index} (no replacement-state change); false when it is disabled. */
  public boolean iecHolds(int index) {
    return iec != null && iec.probe(index, index) >= 0;
  }

  /** Valid IEC entries (0 when disabled). */
  public int iecSize() {
    return iec == null ? 0 : iec.size();
  }

  /** The table's low word at {@code index} (0 for an entry never set). */
  public long irteLo(int index) {
    return table.lo == null ? 0 : table.lo[index];
  }

  /** The table's high word at {@code index} (0 for an entry never set). */
  public long irteHi(int index) {
    return table.hi == null ? 0 : table.hi[index];
  }
}
