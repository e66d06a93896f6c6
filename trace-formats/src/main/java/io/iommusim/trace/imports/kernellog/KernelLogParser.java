package io.iommusim.trace.imports.kernellog;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.SourceLines;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns kernel-log fault records into {@code fault_observed} events (see {@link KernelLogImporter}). */
final class KernelLogParser implements LineParser<KernelLogParser.Rec> {
  record Rec(LogLine line, Msg msg) {}

  static final String VTD = "vtd";
  static final String AMDVI = "amdvi";
  static final String SMMUV3 = "smmuv3";
  static final String SMMUV2 = "smmuv2";

  static final String SUPPRESSED_LINE = "rate-limit notice of another kernel function (counted in the notes)";
  static final String DMAR_REASON_ALONE = "DMAR reason line without its fault line";
  static final String AMD_CUT = "AMD-Vi event record cut off";
  static final String AMD_TAIL_ALONE = "AMD-Vi event record rest without its start";
  static final String SMMU_INCOMPLETE = "incomplete SMMUv3 event record";
  static final String SMMU_WORD_ALONE = "SMMUv3 event word without a record";
  static final String SMMU_ID_MISMATCH = "SMMUv3 event record: id differs from the header";
  static final String SMMU_ACCESS_ALONE = "SMMUv3 access line without its event line";
  static final String SMMU2_DECODED_ALONE = "arm-smmu decoded FSR/FSYNR0 line without its fault line";

  static final String NOTE_SUPPRESSED = "callbacks suppressed by functions that report no IOMMU faults: ";

  /**
   * The functions whose printk rate limit drops fault messages, with the vendor of those faults: the
   * name in {@code <function>: N callbacks suppressed} is the caller of {@code __ratelimit}.
   */
  static final Map<String, String> FAULT_REPORTERS = Map.of(
      "dmar_fault", VTD,
      "amd_iommu_report_page_fault", AMDVI,
      "arm_smmu_evtq_thread", SMMUV3,
      "arm_smmu_context_fault", SMMUV2);
  static final String NOTE_NO_TS = "lines without a timestamp took the previous line's";
  static final String NOTE_WALL_CLOCK = "syslog wall-clock times used (no [ts] after 'kernel:'; year from syslog-year)";
  static final String NOTE_NO_REASON = "DMAR fault records without their reason line (reason -1)";
  static final String NOTE_SMMU_UNITS = "SMMU instances numbered as units in order of appearance";
  static final String NOTE_STREAM_IDS = "Arm StreamIDs taken as requester ids (sid column)";
  static final String NOTE_SMMU2_NO_SID = "arm-smmu context faults without cbfrsynra: requester unknown";
  static final String NOTE_AMD_RW_UNKNOWN = "AMD-Vi faults with PR=0: access unknown (perm rw)";

  /** AMD-Vi IO_PAGE_FAULT flags (trace-formats.md §3.2). */
  static final int AMD_GN = 0x1;
  static final int AMD_PR = 0x10;
  static final int AMD_RW = 0x20;

  private final int syslogYear;
  private long lastTs;
  private boolean sawTs;

  /** A DMAR DMA fault whose reason is on the next line. */
  private Msg.DmarFault dmarHead;
  private SourceLines dmarHeadLines;
  private long dmarHeadTs;
  /** A split AMD-Vi record's first line. */
  private Msg.AmdHead amdHead;
  private SourceLines amdHeadLines;
  private long amdHeadTs;
  /** SMMUv3 event records being collected, per SMMU. */
  private final Map<String, SmmuRecord> collecting = new LinkedHashMap<>();
  /** Per SMMU: the last raw record emitted, whose decoded lines may follow. */
  private final Map<String, long[]> lastRaw = new HashMap<>();
  /** A decoded SMMUv3 event line (no raw record before it) waiting for its access line. */
  private Msg.SmmuDecoded decodedHead;
  private SourceLines decodedHeadLines;
  private long decodedHeadTs;
  /** Per SMMU: whether the last thing logged was a context fault (its decoded lines follow). */
  private final Map<String, Boolean> smmu2Fault = new HashMap<>();
  private final Map<String, Integer> smmuUnits = new LinkedHashMap<>();

  /** A raw SMMUv3 record being collected: its header and word lines, each deferred until the record is whole. */
  private static final class SmmuRecord {
    final int id;
    final long ts;
    final java.util.List<SourceLines> parts = new java.util.ArrayList<>();
    final long[] words = new long[4];
    int n;

    SmmuRecord(int id, long ts, SourceLines header) {
      this.id = id;
      this.ts = ts;
      parts.add(header);
    }

    long firstLine() {
      return parts.get(0).first();
    }

    void settle(ImportOutput out, String unparsedReason) {
      for (SourceLines p : parts) {
        if (unparsedReason == null) {
          out.events(p);
        } else {
          out.unparsed(p, unparsedReason);
        }
      }
    }
  }

  KernelLogParser(int syslogYear) {
    this.syslogYear = syslogYear;
  }

  @Override
  public Decoded<Rec> decode(String text) {
    LogLine l = LogLine.parse(text, syslogYear);
    if (l == null) {
      return Decoded.unparsed("kernel log prefix with an impossible date");
    }
    Decoded<Msg> d = Messages.decode(l);
    if (d.isUnparsed()) {
      return Decoded.unparsed(d.unparsedReason());
    }
    if (!d.isRecord()) {
      return Decoded.ignored(d.ignoredReason());
    }
    return Decoded.record(new Rec(l, d.record()));
  }

  @Override
  public boolean isContinuation(String text) {
    LogLine l = LogLine.parse(text, syslogYear);
    return l != null && Messages.isContinuation(l);
  }

  @Override
  public void apply(Rec rec, SourceLines lines, ImportOutput out) {
    long ts = time(rec.line(), lines, out);
    Msg m = rec.msg();
    settlePending(m, out);
    if (m instanceof Msg.DmarFault f) {
      if (f.reason() < 0) {
        dmarHead = f;
        dmarHeadLines = lines;
        dmarHeadTs = ts;
        out.defer(lines);
        return;
      }
      dmarFault(f, f.reason(), ts, out);
      out.events(lines);
    } else if (m instanceof Msg.DmarReason r) {
      if (dmarHead == null) {
        out.unparsed(lines, DMAR_REASON_ALONE);
        return;
      }
      dmarFault(dmarHead, r.reason(), dmarHeadTs, out);
      out.events(dmarHeadLines);
      out.events(lines);
      dmarHead = null;
    } else if (m instanceof Msg.DmarIr ir) {
      TraceEvent e = fault(ts, 0, ir.sid(), -1, 0, Perm.WRITE, ir.reason(), VTD, out);
      e.index = ir.index();
      out.events(lines);
    } else if (m instanceof Msg.AmdEvent a) {
      amd(a.name(), a.sid(), a.fields(), ts, lines.first(), out);
      out.events(lines);
    } else if (m instanceof Msg.AmdHead h) {
      amdHead = h;
      amdHeadLines = lines;
      amdHeadTs = ts;
      out.defer(lines);
    } else if (m instanceof Msg.AmdTail t) {
      if (amdHead == null) {
        out.unparsed(lines, AMD_TAIL_ALONE);
        return;
      }
      amd(t.name(), amdHead.sid(), t.fields(), amdHeadTs, amdHeadLines.first(), out);
      out.events(amdHeadLines);
      out.events(lines);
      amdHead = null;
    } else if (m instanceof Msg.SmmuHeader h) {
      out.defer(lines);
      SmmuRecord old = collecting.put(h.smmu(), new SmmuRecord(h.id(), ts, lines));
      if (old != null) {
        old.settle(out, SMMU_INCOMPLETE);
      }
    } else if (m instanceof Msg.SmmuWord w) {
      smmuWord(w, lines, out);
    } else if (m instanceof Msg.SmmuDecoded d) {
      long[] raw = lastRaw.get(d.smmu());
      if (raw != null && raw[0] == d.sid() && raw[1] == d.iova()) {
        out.events(lines); // the decoded copy of the raw record just emitted
        return;
      }
      decodedHead = d;
      decodedHeadLines = lines;
      decodedHeadTs = ts;
      out.defer(lines);
    } else if (m instanceof Msg.SmmuAccess a) {
      if (decodedHead != null && decodedHead.smmu().equals(a.smmu())) {
        smmuDecoded(decodedHead, a.read() ? Perm.READ : Perm.WRITE, decodedHeadTs, out);
        out.events(decodedHeadLines);
        out.events(lines);
        decodedHead = null;
      } else if (lastRaw.remove(a.smmu()) != null) {
        out.events(lines); // the second decoded line of the raw record just emitted
      } else {
        out.unparsed(lines, SMMU_ACCESS_ALONE);
      }
    } else if (m instanceof Msg.Smmu2Fault f) {
      smmu2(f, ts, lines.first(), out);
      smmu2Fault.put(f.smmu(), Boolean.TRUE);
      out.events(lines);
    } else if (m instanceof Msg.Smmu2Decoded d) {
      if (smmu2Fault.containsKey(d.smmu())) {
        out.events(lines);
      } else {
        out.unparsed(lines, SMMU2_DECODED_ALONE);
      }
    } else {
      Msg.Suppressed s = (Msg.Suppressed) m;
      String vendor = FAULT_REPORTERS.get(s.function());
      if (vendor != null) {
        // A suppression record, so that validate treats this log's fault counts as lower bounds
        out.faultsSuppressed(ts, vendor, s.count(), lines.first(), s.function());
        out.events(lines);
      } else {
        out.note(NOTE_SUPPRESSED + s.function(), lines.first(), s.count(), null);
        out.ignored(lines, SUPPRESSED_LINE);
      }
    }
  }

  /**
   * The records that continue only on the very next line: a DMAR fault awaiting its reason, a split
   * AMD-Vi record, a decoded SMMUv3 line awaiting its access line.
   */
  private void settlePending(Msg next, ImportOutput out) {
    if (dmarHead != null && !(next instanceof Msg.DmarReason)) {
      out.note(NOTE_NO_REASON, dmarHeadLines.first(), null);
      dmarFault(dmarHead, -1, dmarHeadTs, out);
      out.events(dmarHeadLines);
      dmarHead = null;
    }
    if (amdHead != null && !(next instanceof Msg.AmdTail)) {
      out.unparsed(amdHeadLines, AMD_CUT);
      amdHead = null;
    }
    if (decodedHead != null && !(next instanceof Msg.SmmuAccess)) {
      smmuDecoded(decodedHead, Perm.READ_WRITE, decodedHeadTs, out);
      out.events(decodedHeadLines);
      decodedHead = null;
    }
    if (!(next instanceof Msg.SmmuDecoded) && !(next instanceof Msg.SmmuAccess)) {
      lastRaw.clear();
    }
    if (!(next instanceof Msg.Smmu2Decoded)) {
      smmu2Fault.clear();
    }
  }

  @Override
  public void finish(ImportOutput out) {
    settlePending(null, out);
    for (SmmuRecord r : collecting.values()) {
      r.settle(out, SMMU_INCOMPLETE);
    }
    collecting.clear();
  }

  /** The line's time; a line without one takes the previous line's (0 before the first). */
  private long time(LogLine l, SourceLines lines, ImportOutput out) {
    if (l.tsNs() >= 0) {
      if (l.wallClock()) {
        out.note(NOTE_WALL_CLOCK, lines.first(), null);
      }
      lastTs = l.tsNs();
      sawTs = true;
      return lastTs;
    }
    out.note(NOTE_NO_TS, lines.first(), null);
    return sawTs ? lastTs : 0;
  }

  // ---- vendors -----------------------------------------------------------------------------------

  private static TraceEvent fault(long ts, int unit, int sid, int pasid, long addr, byte perm, int reason,
      String vendor, ImportOutput out) {
    TraceEvent e = out.emit(EventKind.FAULT_OBSERVED, ts);
    e.unit = unit;
    e.sid = sid;
    e.pasid = pasid;
    e.addr = addr;
    e.perm = perm;
    e.reason = reason;
    e.vendor = vendor;
    return e;
  }

  private static void dmarFault(Msg.DmarFault f, int reason, long ts, ImportOutput out) {
    fault(ts, 0, f.sid(), f.pasid(), f.addr(), f.write() ? Perm.WRITE : Perm.READ, reason, VTD, out);
  }

  /**
   * AMD-Vi: reason = the event code; domain= is the DomainID, or the PASID when GN (flags bit 0) is set;
   * the access is RW (bit 5) only when PR (bit 4) is set, else unknown (rw).
   */
  private static void amd(String name, int prefixSid, Map<String, Long> f, long ts, long line, ImportOutput out) {
    int code = Messages.AMD_CODES.get(name);
    Long flagsValue = f.get("flags");
    long flags = flagsValue == null ? 0 : flagsValue;
    int sid = f.containsKey("device") ? (int) (long) f.get("device") : prefixSid;
    if (name.equals("UNKNOWN") && f.containsKey("event[0]") && f.containsKey("event[1]")) {
      code = (int) ((f.get("event[1]") >>> 28) & 0xF); // type in bits 31:28 of dword 1
      sid = (int) (f.get("event[0]") & 0xFFFF);
    }
    long addr = f.getOrDefault("address", f.getOrDefault("gpa", f.getOrDefault("spa", 0L)));
    byte perm = Perm.READ_WRITE;
    if ((flags & AMD_PR) != 0) {
      perm = (flags & AMD_RW) != 0 ? Perm.WRITE : Perm.READ;
    } else if (code == 0x2) {
      out.note(NOTE_AMD_RW_UNKNOWN, line, null);
    }
    int pasid = -1;
    int domain = -1;
    if ((flags & AMD_GN) != 0) {
      pasid = (int) (long) f.getOrDefault("pasid", f.getOrDefault("domain", -1L));
    } else if (f.containsKey("domain")) {
      domain = (int) (long) f.get("domain");
    }
    TraceEvent e = fault(ts, 0, sid, pasid, addr, perm, code, AMDVI, out);
    e.domain = domain;
  }

  private int smmuUnit(String smmu, long line, ImportOutput out) {
    Integer u = smmuUnits.get(smmu);
    if (u == null) {
      u = smmuUnits.size();
      smmuUnits.put(smmu, u);
      out.note(NOTE_SMMU_UNITS, line, smmu + " -> unit " + u);
    }
    return u;
  }

  private void smmuWord(Msg.SmmuWord w, SourceLines lines, ImportOutput out) {
    SmmuRecord r = collecting.get(w.smmu());
    if (r == null) {
      out.unparsed(lines, SMMU_WORD_ALONE);
      return;
    }
    out.defer(lines);
    r.parts.add(lines);
    r.words[r.n++] = w.value();
    if (r.n < 4) {
      return;
    }
    collecting.remove(w.smmu());
    long dw0 = r.words[0];
    long dw1 = r.words[1];
    int id = (int) (dw0 & 0xFF);
    if (id != r.id) {
      r.settle(out, SMMU_ID_MISMATCH);
      return;
    }
    int sid = (int) (dw0 >>> 32);
    int pasid = (dw0 & (1L << 11)) != 0 ? (int) ((dw0 >>> 12) & 0xFFFFF) : -1;
    boolean access = id >= 0x10 && id <= 0x13;
    byte perm = !access ? Perm.READ_WRITE : (dw1 & (1L << 35)) != 0 ? Perm.READ : Perm.WRITE;
    out.note(NOTE_STREAM_IDS, r.firstLine(), null);
    TraceEvent e = fault(r.ts, smmuUnit(w.smmu(), r.firstLine(), out), sid, pasid, r.words[2], perm, id, SMMUV3, out);
    if (access) {
      e.phys = r.words[3] & 0x000F_FFFF_FFFF_F000L; // DW3 [51:12]: the IPA
    } else if (id == 0x03 || id == 0x09 || id == 0x25) {
      e.phys = r.words[3] & 0x000F_FFFF_FFFF_FFF8L; // DW3 [51:3]: the STE/CD/VMS fetch address
    }
    lastRaw.put(w.smmu(), new long[] {sid & 0xFFFFFFFFL, r.words[2]});
    r.settle(out, null);
  }

  private void smmuDecoded(Msg.SmmuDecoded d, byte perm, long ts, ImportOutput out) {
    int id = Messages.SMMU_IDS.get(d.event());
    boolean access = id >= 0x10 && id <= 0x13;
    out.note(NOTE_STREAM_IDS, decodedHeadLines.first(), null);
    // the decoded line prints ssid whether or not it is valid: 0 is taken as none
    TraceEvent e = fault(ts, smmuUnit(d.smmu(), decodedHeadLines.first(), out), (int) d.sid(),
        d.ssid() == 0 ? -1 : (int) d.ssid(), d.iova(), access ? perm : Perm.READ_WRITE, id, SMMUV3, out);
    e.phys = d.phys();
  }

  /** SMMUv2: reason = FSR; requester = CBFRSYNRA[15:0] (the StreamID); write = FSYNR0 WNR (bit 4). */
  private void smmu2(Msg.Smmu2Fault f, long ts, long line, ImportOutput out) {
    int sid = -1;
    if (f.cbfrsynra() >= 0) {
      sid = (int) (f.cbfrsynra() & 0xFFFF);
      out.note(NOTE_STREAM_IDS, line, null);
    } else {
      out.note(NOTE_SMMU2_NO_SID, line, null);
    }
    fault(ts, smmuUnit(f.smmu(), line, out), sid, -1, f.iova(), (f.fsynr() & 0x10) != 0 ? Perm.WRITE : Perm.READ,
        (int) f.fsr(), SMMUV2, out);
  }
}
