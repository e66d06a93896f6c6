package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.SourceLines;
import io.iommusim.trace.imports.qemu.QemuEvents.Kind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * QEMU's Arm SMMUv3 model ({@code smmuv3_*}, {@code smmu_*}). A translation prints a config-cache
 * lookup (stream id), an IOTLB lookup (ASID, VMID), page-walk leaves on a miss, and a final line
 * (success, bypass, abort, or an event record): these are collected into one access, the leaf into a
 * map in the domain (the ASID, or the VMID for stage-2-only streams). Commands
 * ({@code smmuv3_cmdq_opcode}) become invalidations, with the decoded line that follows when there is
 * one; QEMU's own cache actions after a command ({@code smmu_iotlb_inv_*}) are imported only from a
 * trace without command lines.
 */
final class SmmuHandler {
  static final String STEPS_WITHOUT_RESULT = "translation steps without their final line";
  static final String CD_TT = "context descriptor translation table (granule noted)";
  static final String CACHE_ACTION = "QEMU's own cache action for the command before it";
  static final String COMMAND_NO_EFFECT = "command without effect on translation caches";
  static final String COMMAND_NO_FIELDS = "command whose fields the trace does not print";
  static final String EVENT_UNKNOWN = "smmuv3 event: unknown type";
  static final String RANGE_BAD = "smmuv3_cmdq_cfgi_ste_range: end before start";
  static final String NOTE_RANGE = "range invalidations rounded out to an aligned power-of-two block";
  static final String NOTE_WIDE = "invalidations of every ASID of a VMID (or of many streams) applied globally";
  static final String NOTE_EVENT_ADDR = "SMMUv3 event records: QEMU prints no address or direction";
  static final String NOTE_GRANULE = "16 KiB or 64 KiB translation granule: leaves not imported as maps";

  private static final Map<String, Integer> EVENTS = Map.ofEntries(
      Map.entry("F_UUT", 0x01), Map.entry("C_BAD_STREAMID", 0x02), Map.entry("C_BAD_SID", 0x02),
      Map.entry("F_STE_FETCH", 0x03), Map.entry("C_BAD_STE", 0x04), Map.entry("F_BAD_ATS_TREQ", 0x05),
      Map.entry("F_BAD_ATS_REQ", 0x05), Map.entry("F_STREAM_DISABLED", 0x06), Map.entry("F_TRANS_FORBIDDEN", 0x07),
      Map.entry("C_BAD_SUBSTREAMID", 0x08), Map.entry("C_BAD_SSID", 0x08), Map.entry("F_CD_FETCH", 0x09),
      Map.entry("C_BAD_CD", 0x0A), Map.entry("F_WALK_EABT", 0x0B), Map.entry("F_WALK_EXT_ABRT", 0x0B),
      Map.entry("F_TRANSLATION", 0x10), Map.entry("F_TRANS", 0x10), Map.entry("F_ADDR_SIZE", 0x11),
      Map.entry("F_ADDR_SZ", 0x11), Map.entry("F_ACCESS", 0x12), Map.entry("F_PERMISSION", 0x13),
      Map.entry("F_PERM", 0x13), Map.entry("F_TLB_CONFLICT", 0x20), Map.entry("F_CFG_CONFLICT", 0x21),
      Map.entry("E_PAGE_REQ", 0x24), Map.entry("E_PAGE_REQUEST", 0x24));

  /** Which decoded lines complete a command. */
  private static final Map<String, Set<Kind>> DECODED_BY = Map.ofEntries(
      Map.entry("CFGI_STE", EnumSet.of(Kind.S_CFGI_STE)),
      Map.entry("CFGI_STE_RANGE", EnumSet.of(Kind.S_CFGI_STE_RANGE)),
      Map.entry("CFGI_ALL", EnumSet.of(Kind.S_CFGI_STE_RANGE)),
      Map.entry("CFGI_CD", EnumSet.of(Kind.S_CFGI_CD)),
      Map.entry("CFGI_CD_ALL", EnumSet.of(Kind.S_CFGI_CD)),
      Map.entry("TLBI_NH_VA", EnumSet.of(Kind.S_RANGE_INVAL, Kind.S_NH_VA)),
      Map.entry("TLBI_NH_VAA", EnumSet.of(Kind.S_RANGE_INVAL, Kind.S_NH_VAA)),
      Map.entry("TLBI_S2_IPA", EnumSet.of(Kind.S_RANGE_INVAL)),
      Map.entry("TLBI_EL2_VA", EnumSet.of(Kind.S_RANGE_INVAL)),
      Map.entry("TLBI_EL2_VAA", EnumSet.of(Kind.S_RANGE_INVAL)),
      Map.entry("TLBI_NH_ASID", EnumSet.of(Kind.S_TLBI_NH_ASID)),
      Map.entry("TLBI_EL2_ASID", EnumSet.of(Kind.S_TLBI_NH_ASID)),
      Map.entry("TLBI_NH_ALL", EnumSet.of(Kind.S_TLBI_NH)),
      Map.entry("TLBI_NSNH_ALL", EnumSet.of(Kind.S_TLBI_NSNH)),
      Map.entry("TLBI_EL2_ALL", EnumSet.of(Kind.S_TLBI_NSNH)),
      Map.entry("TLBI_EL3_ALL", EnumSet.of(Kind.S_TLBI_NSNH)),
      Map.entry("TLBI_S12_VMALL", EnumSet.of(Kind.S_TLBI_S12_VMID)));
  private static final Set<String> GLOBAL_TLBI = Set.of("TLBI_NH_ALL", "TLBI_NSNH_ALL", "TLBI_EL2_ALL",
      "TLBI_EL3_ALL", "TLBI_S12_VMALL");
  private static final Set<String> NO_EFFECT = Set.of("SYNC", "PREFETCH_CONFIG", "PREFETCH_ADDR", "PRI_RESP",
      "RESUME", "STALL_TERM");

  private final QemuState st;
  /** Granule of the last decoded context descriptor (4 KiB until one is seen). */
  private long granule = 4096;
  /** Whether stream ids are printed 0x-hex (newer QEMU) or decimal (older): decides "0x%d" fields. */
  private Boolean hexStreamIds;
  private boolean sawCommands;

  // the translation being collected
  private boolean inTranslation;
  private int ctxSid = -1;
  private int ctxDomain = -1;
  private boolean ctxLeaf;
  private long leafIova;
  private long leafPhys;
  private long leafSize;
  private int leafPerm;
  private final List<SourceLines> ctxLines = new ArrayList<>();

  // the command whose decoded line may follow
  private String command;
  private SourceLines commandLines;
  private long commandTs;

  SmmuHandler(QemuState st) {
    this.st = st;
  }

  /** Called for every record first: a command is complete unless this is its decoded line. */
  void before(QemuRecord r, ImportOutput out) {
    if (command != null) {
      Set<Kind> completing = DECODED_BY.get(command);
      if (completing == null || !completing.contains(r.kind())) {
        commandAlone(out);
      }
    }
  }

  void apply(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    switch (r.kind()) {
      case S_CONFIG -> {
        streamIdEra(r.s()[0]);
        endTranslation(out);
        inTranslation = true;
        ctxSid = r.sid(0);
        collect(lines, out);
      }
      case S_LOOKUP -> {
        inTranslation = true;
        int asid = (int) v[0];
        ctxDomain = asid >= 0 ? asid : r.era() == 0 ? (int) v[1] : -1;
        collect(lines, out);
      }
      case S_PAGE_PTE -> {
        leaf(out, lines, (int) v[0], v[5], v[2] & -granule, v[6] & -granule, granule);
        collect(lines, out);
      }
      case S_BLOCK_PTE -> {
        long size = v[7] << 20;
        leaf(out, lines, (int) v[0], v[4], v[5] & -size, v[6] & -size, size);
        collect(lines, out);
      }
      case S_CD_TT -> {
        long g = v[2];
        granule = g == 14 ? 16 << 10 : g == 16 ? 64 << 10 : 4096;
        out.ignored(lines, CD_TT);
      }
      case S_TRANSLATE, S_BYPASS, S_DISABLED, S_ABORT, S_EVENT -> result(r, lines, out);
      case S_OPCODE -> {
        sawCommands = true;
        String name = r.s()[0];
        command = name.startsWith("SMMU_CMD_") ? name.substring("SMMU_CMD_".length()) : name;
        commandLines = lines;
        commandTs = r.ts();
        out.defer(lines);
      }
      default -> {
        if (r.kind().isSmmuCacheAction()) {
          cacheAction(r, lines, out);
        } else {
          decodedCommand(r, lines, out);
        }
      }
    }
  }

  void finish(ImportOutput out) {
    if (command != null) {
      commandAlone(out);
    }
    endTranslation(out);
  }

  private void streamIdEra(String printed) {
    if (hexStreamIds == null) {
      hexStreamIds = printed.startsWith("0x");
    }
  }

  private void collect(SourceLines lines, ImportOutput out) {
    ctxLines.add(lines);
    out.defer(lines);
  }

  /**
   * A leaf of the walk. Stage 1: AP[2] (bit 7) set = read-only; stage 2: S2AP bit 6 read, bit 7
   * write. Pages of a 16/64 KiB granule, or blocks of their sizes, cannot be maps of the model.
   */
  private void leaf(ImportOutput out, SourceLines lines, int stage, long pte, long iova, long phys, long size) {
    inTranslation = true;
    int perm = stage == 2 ? (int) ((pte >>> 6 & 1) | (pte >>> 7 & 1) << 1) : (pte >>> 7 & 1) == 1 ? 1 : 3;
    if (size != 4096 && size != 2L << 20 && size != 1L << 30) {
      out.note(NOTE_GRANULE, lines.first(), null);
      ctxLeaf = false;
      return;
    }
    ctxLeaf = true;
    leafIova = iova;
    leafPhys = phys;
    leafSize = size;
    leafPerm = perm;
  }

  /** The final line of a translation: its collected steps become context, map and access. */
  private void result(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    int sid = r.sid(0);
    String[] s = r.s();
    streamIdEra(s[s.length - 1]);
    if (inTranslation && ctxSid >= 0 && ctxSid != sid) {
      endTranslation(out);
    }
    Integer id = null;
    if (r.kind() == Kind.S_EVENT) {
      String type = s[0].startsWith("SMMU_EVT_") ? s[0].substring("SMMU_EVT_".length()) : s[0];
      id = EVENTS.get(type);
      if (id == null) {
        endTranslation(out);
        out.unparsed(lines, EVENT_UNKNOWN);
        return;
      }
    }
    long ts = r.ts();
    long line = lines.first();
    st.knownDevices.add(sid);
    if ((r.kind() == Kind.S_TRANSLATE || r.kind() == Kind.S_EVENT) && inTranslation && ctxDomain >= 0
        && ctxDomain <= 0xFFFF) {
      // the stream's domain and the leaf its walk read hold for a faulting translation too
      st.context(out, ts, sid, ctxDomain, false);
      if (ctxLeaf) {
        st.map(out, ts, line, ctxDomain, leafIova, leafPhys, leafSize, leafPerm, -1);
      }
    }
    switch (r.kind()) {
      case S_TRANSLATE -> {
        // before the stage column was added, perm was the access (1 read, 2 write); after, the entry's
        Boolean write = r.era() == 1 ? Boolean.valueOf(v[3] == 2) : null;
        st.dma(out, ts, line, sid, v[1], write);
      }
      case S_BYPASS, S_DISABLED -> {
        st.context(out, ts, sid, -1, true);
        st.dma(out, ts, line, sid, v[1], v[2] != 0);
      }
      case S_ABORT -> {
        st.detach(out, ts, sid);
        st.dma(out, ts, line, sid, v[1], v[2] != 0);
      }
      default -> { // S_EVENT
        out.note(NOTE_EVENT_ADDR, line, null);
        st.fault(out, ts, sid, 0, null, id, "smmuv3");
      }
    }
    for (SourceLines l : ctxLines) {
      out.events(l);
    }
    out.events(lines);
    reset();
  }

  /** Steps whose final line never came: nothing to import from them. */
  private void endTranslation(ImportOutput out) {
    for (SourceLines l : ctxLines) {
      out.ignored(l, STEPS_WITHOUT_RESULT);
    }
    reset();
  }

  private void reset() {
    ctxLines.clear();
    inTranslation = false;
    ctxSid = -1;
    ctxDomain = -1;
    ctxLeaf = false;
  }

  // ---- commands ----------------------------------------------------------------------------------

  /** A command with no decoded line: what its name alone says. */
  private void commandAlone(ImportOutput out) {
    String name = command;
    SourceLines lines = commandLines;
    command = null;
    commandLines = null;
    if (GLOBAL_TLBI.contains(name)) {
      st.iotlbGlobal(out, commandTs);
      out.events(lines);
    } else if (name.equals("CFGI_ALL")) {
      st.contextGlobal(out, commandTs);
      out.events(lines);
    } else {
      out.ignored(lines, NO_EFFECT.contains(name) ? COMMAND_NO_EFFECT : COMMAND_NO_FIELDS);
    }
  }

  private void decodedCommand(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    long ts = r.ts();
    switch (r.kind()) {
      case S_CFGI_STE, S_CFGI_CD -> {
        streamIdEra(r.s()[0]);
        st.contextDevice(out, ts, r.sid(0));
      }
      case S_CFGI_STE_RANGE -> {
        Boolean decimal = hexStreamIds == null ? null : !hexStreamIds;
        long start = st.zeroX(out, lines.first(), r.s()[0], st.knownDevices, decimal);
        long end = st.zeroX(out, lines.first(), r.s()[1], st.knownDevices, decimal);
        if (end < start) {
          settleCommand(out, false);
          out.unparsed(lines, RANGE_BAD);
          return;
        }
        streams(out, ts, lines.first(), start, end);
      }
      case S_RANGE_INVAL -> {
        int asid = (int) v[1];
        int domain = asid >= 0 ? asid : (int) v[0];
        boolean allAsids = asid < 0 && (r.era() == 1 || v[7] == 1);
        if (allAsids || domain < 0) {
          out.note(NOTE_WIDE, lines.first(), null);
          st.iotlbGlobal(out, ts);
        } else {
          long g = v[3] == 2 ? 16 << 10 : v[3] == 3 ? 64 << 10 : 4096;
          rangePage(out, ts, lines.first(), domain, v[2], Math.max(1, v[4]) * g);
        }
      }
      case S_NH_VA -> st.iotlbPage(out, ts, (int) v[1], v[2], 0);
      case S_NH_VAA, S_TLBI_NH, S_TLBI_S12_VMID -> {
        if (r.kind() != Kind.S_TLBI_NH) {
          out.note(NOTE_WIDE, lines.first(), null);
        }
        st.iotlbGlobal(out, ts);
      }
      case S_TLBI_NSNH -> st.iotlbGlobal(out, ts);
      default -> st.iotlbDomain(out, ts, (int) v[0]); // S_TLBI_NH_ASID
    }
    settleCommand(out, true);
    out.events(lines);
  }

  private void settleCommand(ImportOutput out, boolean events) {
    if (command != null) {
      if (events) {
        out.events(commandLines);
      } else {
        out.ignored(commandLines, COMMAND_NO_FIELDS);
      }
      command = null;
      commandLines = null;
    }
  }

  /** QEMU acting on its caches: the invalidation itself when the trace has no command lines. */
  private void cacheAction(QemuRecord r, SourceLines lines, ImportOutput out) {
    if (sawCommands) {
      out.ignored(lines, CACHE_ACTION);
      return;
    }
    long[] v = r.v();
    long ts = r.ts();
    switch (r.kind()) {
      case S_INV_ALL, S_INV_VMID -> st.iotlbGlobal(out, ts);
      case S_INV_ASID -> st.iotlbDomain(out, ts, (int) v[0]);
      case S_INV_IOVA -> st.iotlbPage(out, ts, (int) v[0], v[1], 0);
      case S_CONFIG_INV -> st.contextDevice(out, ts, r.sid(0));
      default -> streams(out, ts, lines.first(), v[0], v[1]); // S_CONFIG_INV_RANGE
    }
    out.events(lines);
  }

  /** Context invalidations of streams start..end: one per stream up to 256, else global. */
  private void streams(ImportOutput out, long ts, long line, long start, long end) {
    if (end - start >= 256) {
      out.note(NOTE_WIDE, line, null);
      st.contextGlobal(out, ts);
      return;
    }
    for (long sid = start; sid <= end; sid++) {
      st.contextDevice(out, ts, (int) sid);
    }
  }

  /** [addr, addr + bytes) rounded out to 2^am naturally aligned 4 KiB pages. */
  private void rangePage(ImportOutput out, long ts, long line, int domain, long addr, long bytes) {
    long start = addr & ~0xFFFL;
    long end = addr + bytes;
    int am = 0;
    while (am < 52 && (start & -(4096L << am)) + (4096L << am) < end) {
      am++;
    }
    if ((4096L << am) != bytes || (start & ((4096L << am) - 1)) != 0) {
      out.note(NOTE_RANGE, line, null);
    }
    st.iotlbPage(out, ts, domain, start, am);
  }
}
