package io.iommusim.trace.imports.debugfs;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.SourceLines;
import io.iommusim.trace.imports.debugfs.DebugfsLine.ContextRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.DeviceHeader;
import io.iommusim.trace.imports.debugfs.DebugfsLine.IrteRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.PasidTail;
import io.iommusim.trace.imports.debugfs.DebugfsLine.TableRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.UnitHeader;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns one debugfs dump into the state it shows, every event at one time ({@code ts_ns}): context and
 * PASID entries into attach / attach_passthrough, page tables into maps, IRTEs into irte_set.
 *
 * <p>Page tables are matched to their domain id through the context entries printed before them in
 * the same input (the table root printed after {@code @} is the entry's table pointer); a table whose
 * domain id the input does not show gets a made-up one. Contiguous leaves with the same page size and
 * permission whose physical pages are contiguous become one map. State: the devices and table roots
 * of the dump (bounded by the machine's devices), one open run of leaves.
 */
final class DebugfsParser implements LineParser<DebugfsLine> {
  static final String NOTE_MADE_UP = "page tables without a domain id in the input: domain made up";
  static final String NOTE_NO_UNIT = "rows before any IOMMU header: unit 0 assumed";
  static final String NOTE_DEVICE_TLB = "context entries with the device TLB enabled (translation type 1): list "
      + "the devices in ats.devices";
  static final String NOTE_WIDTH = "address widths of the context entries, each once (the model uses "
      + "iommu.address_width)";
  static final String NOTE_FIRST_LEVEL = "first-level (scalable-mode) PASID entries: translated as second-level";
  static final String NOTE_DEVICE_UNIT = "page tables of devices without a context row: unit 0 assumed";

  static final String CONTEXT_NOT_PRESENT = "context entry not present";
  static final String CONTEXT_RESERVED_TT = "context entry with reserved translation type 3";
  static final String PASID_NOT_PRESENT = "PASID entry not present";
  static final String PASID_RESERVED_PGTT = "PASID entry with reserved PGTT";
  static final String PASID_OTHER = "PASID entry other than RID_PASID (-o pasids=all imports it)";
  static final String PASID_TAIL_ALONE = "PASID columns without their context row";
  static final String DID_OUT_OF_RANGE = "no made-up domain id left (made_up_domains_from)";
  static final String ROW_OUTSIDE = "page-table row outside a Device section";
  static final String ROW_DUPLICATE = "page table already imported under another device";
  static final String ROW_NO_PERM = "page-table leaf without read or write permission";
  static final String IRTE_INCONSISTENT = "IRTE columns disagree with the raw entry";
  static final String IRTE_NOT_PRESENT = "IRTE not present";

  private static final long ADDRESS_MASK = DebugfsDecoder.ADDRESS_MASK;

  private final long ts;
  private final boolean allPasids;
  private static final int MAX_DOMAIN = 0xFFFF;

  /** The context of a (unit, device, PASID) seen in this input. */
  private record Context(int unit, int domain, long table, boolean passthrough) {}

  private record DeviceKey(int sid, int pasid) {}

  private record TableKey(int unit, long table) {}

  private final Map<DeviceKey, Context> contexts = new HashMap<>();
  private final Map<TableKey, Integer> domainByTable = new HashMap<>();
  private final Map<TableKey, Integer> madeUp = new HashMap<>();
  private final Set<TableKey> imported = new HashSet<>();
  private final Set<Integer> widthsNoted = new HashSet<>();
  private int nextMadeUp;

  private int unit = -1;

  /** A PASID-less context row kept until the next record: its PASID columns may follow on their own line. */
  private ContextRow heldRow;
  private SourceLines heldLines;

  // the page table being read
  private boolean inTable;
  private boolean skipTable;
  private int tableUnit;
  private int tableDomain;

  // the open run of contiguous leaves
  private boolean run;
  private long runIova;
  private long runPhys;
  private long runSize;
  private long runPageSize;
  private byte runPerm;

  DebugfsParser(long ts, boolean allPasids, int madeUpFrom) {
    this.ts = ts;
    this.allPasids = allPasids;
    this.nextMadeUp = madeUpFrom;
  }

  @Override
  public Decoded<DebugfsLine> decode(String text) {
    return DebugfsDecoder.decode(text);
  }

  @Override
  public boolean isContinuation(String text) {
    return DebugfsDecoder.isContinuation(text);
  }

  @Override
  public void apply(DebugfsLine record, SourceLines lines, ImportOutput out) {
    if (record instanceof PasidTail tail) {
      pasidTail(tail, lines, out);
      return;
    }
    releaseHeldRow(out);
    if (!(record instanceof TableRow)) {
      endRun(out);
    }
    if (record instanceof UnitHeader h) {
      unit = h.unit();
      inTable = false;
      out.ignored(lines, "unit header");
    } else if (record instanceof ContextRow row) {
      if (!row.hasPasid()) {
        heldRow = row;
        heldLines = lines;
        out.defer(lines);
      } else {
        context(row, lines, out).settle(lines, out);
      }
    } else if (record instanceof DeviceHeader h) {
      deviceHeader(h, lines, out);
    } else if (record instanceof TableRow row) {
      tableRow(row, lines, out);
    } else if (record instanceof IrteRow row) {
      irte(row, lines, out);
    }
  }

  @Override
  public void finish(ImportOutput out) {
    releaseHeldRow(out);
    endRun(out);
  }

  // ---- dmar_translation_struct --------------------------------------------------------------------

  private void pasidTail(PasidTail tail, SourceLines lines, ImportOutput out) {
    if (heldRow == null || heldLines.last() + 1 != lines.first()) {
      releaseHeldRow(out);
      endRun(out);
      out.unparsed(lines, PASID_TAIL_ALONE);
      return;
    }
    ContextRow row = heldRow;
    SourceLines rowLines = heldLines;
    heldRow = null;
    Outcome o = context(new ContextRow(row.sid(), row.ctxHi(), row.ctxLo(), true, tail.pasid(), tail.pe2(),
        tail.pe1(), tail.pe0()), rowLines, out);
    o.settle(rowLines, out);
    o.settle(lines, out);
  }

  private void releaseHeldRow(ImportOutput out) {
    if (heldRow != null) {
      ContextRow row = heldRow;
      heldRow = null;
      context(row, heldLines, out).settle(heldLines, out);
    }
  }

  /** What became of a record's lines: events, or ignored / unparsed with a reason. */
  private record Outcome(boolean unparsed, String reason) {
    static final Outcome EVENTS = new Outcome(false, null);

    static Outcome ignored(String reason) {
      return new Outcome(false, reason);
    }

    static Outcome unparsed(String reason) {
      return new Outcome(true, reason);
    }

    void settle(SourceLines lines, ImportOutput out) {
      if (reason == null) {
        out.events(lines);
      } else if (unparsed) {
        out.unparsed(lines, reason);
      } else {
        out.ignored(lines, reason);
      }
    }
  }

  private int currentUnit(SourceLines lines, ImportOutput out) {
    if (unit < 0) {
      out.note(NOTE_NO_UNIT, lines.first(), null);
      return 0;
    }
    return unit;
  }

  private Outcome context(ContextRow row, SourceLines lines, ImportOutput out) {
    int u = currentUnit(lines, out);
    if ((row.ctxLo() & 1) == 0) {
      return Outcome.unparsed(CONTEXT_NOT_PRESENT);
    }
    if (!row.hasPasid() || row.pasid() < 0) {
      return legacyContext(u, row, lines, out);
    }
    return pasidEntry(u, row, lines, out);
  }

  /** Legacy context entry: hi[23:8] DID, hi[2:0] AW; lo[3:2] TT, lo[63:12] second-level table. */
  private Outcome legacyContext(int u, ContextRow row, SourceLines lines, ImportOutput out) {
    int tt = (int) (row.ctxLo() >>> 2) & 3;
    if (tt == 3) {
      return Outcome.unparsed(CONTEXT_RESERVED_TT);
    }
    int did = (int) (row.ctxHi() >>> 8) & 0xFFFF;
    long table = row.ctxLo() & ADDRESS_MASK;
    boolean passthrough = tt == 2;
    if (tt == 1) {
      out.note(NOTE_DEVICE_TLB, lines.first(), Sid.format(row.sid()));
    }
    if (!passthrough) {
      noteWidth((int) row.ctxHi() & 7, lines, out);
    }
    attach(u, row.sid(), -1, did, passthrough, table, out);
    return Outcome.EVENTS;
  }

  /**
   * Scalable mode: one row per present PASID. PASID entry val[1][15:0] DID, val[0][8:6] PGTT
   * (1 first-level, 2 second-level, 3 nested, 4 pass-through), val[0][4:2] AW, val[0][63:12]
   * second-level table, val[2][63:12] first-level table; context hi[19:0] is RID_PASID, the PASID of
   * requests without one.
   */
  private Outcome pasidEntry(int u, ContextRow row, SourceLines lines, ImportOutput out) {
    if ((row.pe0() & 1) == 0) {
      return Outcome.unparsed(PASID_NOT_PRESENT);
    }
    int pgtt = (int) (row.pe0() >>> 6) & 7;
    if (pgtt < 1 || pgtt > 4) {
      return Outcome.unparsed(PASID_RESERVED_PGTT);
    }
    int did = (int) row.pe1() & 0xFFFF;
    long table = (pgtt == 1 ? row.pe2() : row.pe0()) & ADDRESS_MASK;
    int ridPasid = (int) row.ctxHi() & 0xFFFFF;
    boolean rid = row.pasid() == ridPasid;
    // the table is known whatever is attached: a domain_translation_struct of this PASID may follow
    if (pgtt != 4) {
      domainByTable.put(new TableKey(u, table), did);
    }
    contexts.put(new DeviceKey(row.sid(), rid ? -1 : row.pasid()), new Context(u, did, table, pgtt == 4));
    if (!rid && !allPasids) {
      return Outcome.ignored(PASID_OTHER);
    }
    if (pgtt == 1) {
      out.note(NOTE_FIRST_LEVEL, lines.first(), Sid.format(row.sid()) + " pasid " + row.pasid());
    }
    if (pgtt == 2 || pgtt == 3) {
      noteWidth((int) (row.pe0() >>> 2) & 7, lines, out);
    }
    emitAttach(u, row.sid(), rid ? -1 : row.pasid(), did, pgtt == 4, out);
    return Outcome.EVENTS;
  }

  /** Each address width once: the model has one, the note says which the dump has. */
  private void noteWidth(int aw, SourceLines lines, ImportOutput out) {
    if (widthsNoted.add(aw)) {
      out.note(NOTE_WIDTH, lines.first(), "AW " + aw + " = " + (30 + 9 * aw) + " bits");
    }
  }

  private void attach(int u, int sid, int pasid, int did, boolean passthrough, long table, ImportOutput out) {
    contexts.put(new DeviceKey(sid, pasid), new Context(u, did, table, passthrough));
    if (!passthrough) {
      domainByTable.put(new TableKey(u, table), did);
    }
    emitAttach(u, sid, pasid, did, passthrough, out);
  }

  private void emitAttach(int u, int sid, int pasid, int did, boolean passthrough, ImportOutput out) {
    TraceEvent e = out.emit(passthrough ? EventKind.ATTACH_PASSTHROUGH : EventKind.ATTACH, ts);
    e.unit = u;
    e.sid = sid;
    e.pasid = pasid;
    e.domain = did;
  }

  // ---- domain_translation_struct ------------------------------------------------------------------

  private void deviceHeader(DeviceHeader h, SourceLines lines, ImportOutput out) {
    Context c = contexts.get(new DeviceKey(h.sid(), h.pasid() == 0 ? -1 : h.pasid()));
    if (c == null && h.pasid() > 0) {
      c = contexts.get(new DeviceKey(h.sid(), -1));
    }
    if (c == null) {
      // context rows print no segment; the Device header does
      c = contexts.get(new DeviceKey(h.sid() & 0xFFFF, h.pasid() == 0 ? -1 : h.pasid()));
    }
    int u;
    if (c != null) {
      u = c.unit();
    } else {
      u = 0;
      out.note(NOTE_DEVICE_UNIT, lines.first(), Sid.format(h.sid()));
    }
    TableKey key = new TableKey(u, h.pgd() & ADDRESS_MASK);
    Integer did = domainByTable.get(key);
    if (did == null) {
      did = madeUp.get(key);
    }
    if (did == null) {
      if (nextMadeUp > MAX_DOMAIN) {
        inTable = false;
        out.unparsed(lines, DID_OUT_OF_RANGE);
        return;
      }
      did = nextMadeUp++;
      madeUp.put(key, did);
      out.note(NOTE_MADE_UP, lines.first(), "Device " + Sid.format(h.sid()) + " @0x" + Long.toHexString(h.pgd())
          + ": domain " + did);
    }
    inTable = true;
    tableUnit = u;
    tableDomain = did;
    skipTable = !imported.add(key);
    boolean emitted = false;
    if (c == null) {
      // no context row in this input: the table is the device's, so the device is attached to it
      int pasid = h.pasid() <= 0 ? -1 : h.pasid();
      if (pasid < 0 || allPasids) {
        contexts.put(new DeviceKey(h.sid(), pasid), new Context(u, did, key.table(), false));
        emitAttach(u, h.sid(), pasid, did, false, out);
        emitted = true;
      }
    }
    if (emitted) {
      out.events(lines);
    } else {
      out.ignored(lines, "Device header");
    }
  }

  private void tableRow(TableRow row, SourceLines lines, ImportOutput out) {
    if (!inTable) {
      endRun(out);
      out.unparsed(lines, ROW_OUTSIDE);
      return;
    }
    if (skipTable) {
      endRun(out);
      out.ignored(lines, ROW_DUPLICATE);
      return;
    }
    if (row.perm() == 0) {
      endRun(out);
      out.ignored(lines, ROW_NO_PERM);
      return;
    }
    if (run && row.iova() == runIova + runSize && row.phys() == runPhys + runSize && row.perm() == runPerm
        && row.pageSize() == runPageSize) {
      runSize += row.pageSize();
    } else {
      endRun(out);
      run = true;
      runIova = row.iova();
      runPhys = row.phys();
      runSize = row.pageSize();
      runPageSize = row.pageSize();
      runPerm = row.perm();
    }
    // the line's content is in the run's map, emitted when the run ends (at the latest at the end of input)
    out.events(lines);
  }

  private void endRun(ImportOutput out) {
    if (run) {
      run = false;
      out.map(ts, tableUnit, tableDomain, runIova, runPhys, runSize, runPerm, runPageSize, -1, -1, runIova, runSize);
    }
  }

  // ---- ir_translation_struct ----------------------------------------------------------------------

  /**
   * IRTE low: bit 0 P, bit 15 IM (posted), [23:16] vector, [63:32] destination; high: [15:0] SID.
   * The printed columns are cross-checked with the raw words so that a garbled row is not imported.
   */
  private void irte(IrteRow row, SourceLines lines, ImportOutput out) {
    int u = currentUnit(lines, out);
    if ((row.lo() & 1) == 0) {
      out.unparsed(lines, IRTE_NOT_PRESENT);
      return;
    }
    boolean posted = (row.lo() >>> 15 & 1) == 1;
    if ((row.hi() & 0xFFFF) != row.sid() || (row.lo() >>> 16 & 0xFF) != row.vector() || posted != row.posted()
        || (!posted && (row.lo() >>> 32) != row.dest())) {
      out.unparsed(lines, IRTE_INCONSISTENT);
      return;
    }
    TraceEvent e = out.emit(EventKind.IRTE_SET, ts);
    e.unit = u;
    e.index = row.index();
    e.irteLo = row.lo();
    e.irteHi = row.hi();
    out.events(lines);
  }
}
