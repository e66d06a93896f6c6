package io.iommusim.trace.imports.debugfs;

import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.debugfs.DebugfsLine.ContextRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.DeviceHeader;
import io.iommusim.trace.imports.debugfs.DebugfsLine.IrteRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.PasidTail;
import io.iommusim.trace.imports.debugfs.DebugfsLine.Section;
import io.iommusim.trace.imports.debugfs.DebugfsLine.TableRow;
import io.iommusim.trace.imports.debugfs.DebugfsLine.UnitHeader;
import io.iommusim.trace.imports.text.Hex;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes the lines of {@code /sys/kernel/debug/iommu/intel/*} (drivers/iommu/intel/debugfs.c, every
 * layout since 4.20). Pure: no state, so that wrapped lines can be tried joined. Fields printed with a
 * fixed width ({@code %016llx}, {@code %013lx}) must have it, so that a line cut inside a number does
 * not pass for a shorter one.
 */
final class DebugfsDecoder {
  private DebugfsDecoder() {}

  static final String NOT_DEBUGFS = "not an Intel IOMMU debugfs line";
  static final String HEADER = "column header";
  static final String ROOT_ENTRY = "root entry (the context rows carry the device state)";
  static final String REGSET = "iommu_regset (registers are not imported)";
  static final String BASE_ADDRESS = "register base address (iommu_regset, dmar_perf_latency)";
  static final String PERF_LATENCY = "dmar_perf_latency (invalidation latency statistics)";
  static final String INVALIDATION_QUEUE = "invalidation_queue (past descriptors are not state)";
  static final String DMA_REMAPPING_OFF = "DMA remapping not enabled on the unit";
  static final String IR_OFF = "interrupt remapping not enabled on the unit";
  static final String IR_TABLE_ADDRESS = "IR table address";
  static final String SEPARATOR = "section separator";
  static final String FILE_NAME = "file name between concatenated files";
  static final String CONTEXT_ROW_CUT = "context row: PASID without its entry";
  static final String CONTEXT_ROW_BAD = "context row: malformed entry";
  static final String TABLE_ROW_BAD = "page-table row: malformed entry";
  static final String IRTE_ROW_BAD = "IRTE row: malformed field";
  static final String ROW_EMPTY = "page-table row without a present entry";
  static final String ROW_GAP = "page-table row with an empty entry above the leaf";
  static final String ROW_LEVEL = "page-table leaf above the PDPE level";
  static final String ROW_NO_PS = "superpage leaf without its page-size bit";
  static final String ROW_ALIGN = "page-table leaf IOVA not aligned to its page size";
  static final String ZERO_COLUMNS = "rest of a wrapped zero-filled page-table row";
  static final String SHELL = "shell command";
  static final String OLD_CONTEXT_ROW_DEVFN = "context row: entry number is not the device's devfn";

  /** Address bits of a VT-d entry (12..51): the rest are flags, first-level XD and ignored bits. */
  static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
  private static final long PAGE_SIZE_BIT = 1L << 7;
  private static final long[] PAGE_SIZES = {0, 4096, 2L << 20, 1L << 30};
  private static final String NAMES = "(dmar_translation_struct|domain_translation_struct|ir_translation_struct"
      + "|iommu_regset|invalidation_queue|dmar_perf_latency)";

  private static final Pattern DMAR_HEADER =
      Pattern.compile("IOMMU dmar(\\d+): (?:Extended )?Root Table Address: ?(?:0x)?[0-9a-fA-F]+");
  private static final Pattern REGSET_HEADER =
      Pattern.compile("IOMMU: dmar\\d+ Register Base Address: ?(?:0x)?[0-9a-fA-F]+");
  private static final Pattern PERF_HEADER = Pattern.compile("<0\\.1us\\s+0\\.1us-1us.*average\\(us\\)");
  private static final Pattern PERF_ROW = Pattern.compile("(inv_iotlb|inv_devtlb|inv_iec|svm_prq)(\\s+\\d+){10}");
  private static final Pattern REGSET_ROW = Pattern.compile("[A-Z][A-Z0-9_]*\\s+0x[0-9a-fA-F]+\\s+0x[0-9a-fA-F]{16}");
  private static final Pattern IR_HEADER =
      Pattern.compile("(Remapped|Posted) Interrupt supported on IOMMU: dmar(\\d+)");
  private static final Pattern DEVICE_HEADER =
      Pattern.compile("Device (\\S+) (?:with pasid ([0-9a-fA-F]+) )?@(?:0x)?([0-9a-fA-F]{1,16})");
  private static final Pattern ROOT_ROW = Pattern.compile("Bus: ?\\d+ H: ?[0-9a-fA-F]+ L: ?[0-9a-fA-F]+");
  private static final Pattern QI_HEADER = Pattern.compile("Invalidation queue on IOMMU: dmar\\d+");
  private static final Pattern QI_BASE = Pattern.compile("Base: 0x[0-9a-fA-F]+\\s+Head: \\d+\\s+Tail: \\d+");
  private static final Pattern QI_ROW = Pattern.compile("\\d+(\\s+[0-9a-fA-F]{16}){2,4}\\s+[0-9a-fA-F]{16}");
  private static final Pattern FILE_PATH = Pattern.compile("(==> )?\\S*" + NAMES + ":?( <==)?");
  private static final Pattern SHELL_COMMAND =
      Pattern.compile("(\\S*[$#] )?(sudo )?(cat|head|tail|less|more|grep)\\s.*" + NAMES + ".*");
  private static final Pattern HEADER_WORDS = Pattern.compile("((IOVA_PFN|PML5E|PML4E|PDPE|PDE|PTE|B\\.D\\.F"
      + "|Root_entry|Context_entry|PASID|PASID_table_entry|Entry|SrcID|DstID|PDA_high|PDA_low|Vct|IRTE_high"
      + "|IRTE_low|High|Low|B:D\\.F|Offset|Contents|qw[0-3]|status)\\s*)+");
  private static final Pattern ZERO_ENTRIES = Pattern.compile("((0x)?0{16}\\s*)+");
  private static final Pattern BDF = Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-9a-fA-F]{1,2}");

  static Decoded<DebugfsLine> decode(String text) {
    String t = text.strip();
    if (t.indexOf('|') > 0) {
      return tableRow(t);
    }
    Matcher m = DMAR_HEADER.matcher(t);
    if (m.matches()) {
      return Decoded.record(new UnitHeader(Section.DMAR, Integer.parseInt(m.group(1))));
    }
    m = IR_HEADER.matcher(t);
    if (m.matches()) {
      return Decoded.record(new UnitHeader(m.group(1).equals("Remapped") ? Section.IR_REMAPPED : Section.IR_POSTED,
          Integer.parseInt(m.group(2))));
    }
    m = DEVICE_HEADER.matcher(t);
    if (m.matches()) {
      int sid = Hex.bdf(m.group(1));
      if (sid < 0) {
        return Decoded.unparsed("Device header: not a PCI device");
      }
      int pasid = m.group(2) == null ? -1 : (int) Hex.value(m.group(2));
      return Decoded.record(new DeviceHeader(sid, pasid, Hex.value(m.group(3))));
    }
    String ignored = ignoredReason(t);
    if (ignored != null) {
      return Decoded.ignored(ignored);
    }
    String[] f = t.split("\\s+");
    if (f.length >= 2 && BDF.matcher(f[0]).matches() && f[1].indexOf(':') > 0) {
      return contextRow(f);
    }
    if (f.length == 2 && Hex.isSignedDecimal(f[0]) && f[1].indexOf(':') > 0) {
      long[] pe = entries(f[1], 3);
      return pe == null ? Decoded.unparsed(CONTEXT_ROW_BAD)
          : Decoded.record(new PasidTail(Integer.parseInt(f[0]), pe[0], pe[1], pe[2]));
    }
    if (f.length >= 4 && Hex.isDecimal(f[0]) && BDF.matcher(f[1]).matches()) {
      return f.length == 4 ? oldContextRow(f) : irteRow(f);
    }
    return Decoded.unparsed(NOT_DEBUGFS);
  }

  private static String ignoredReason(String t) {
    if (t.startsWith("B.D.F") || t.equals("Root Table Entries:") || t.startsWith("Context Table Entries for Bus:")
        || t.startsWith("IOVA_PFN") || t.startsWith("Entry") || t.startsWith("Name")) {
      return t.startsWith("Name") ? REGSET : HEADER;
    }
    if (ROOT_ROW.matcher(t).matches()) {
      return ROOT_ENTRY;
    }
    if (REGSET_HEADER.matcher(t).matches()) {
      return BASE_ADDRESS;
    }
    if (REGSET_ROW.matcher(t).matches()) {
      return REGSET;
    }
    if (PERF_HEADER.matcher(t).matches() || PERF_ROW.matcher(t).matches()
        || t.equals("Failed to get latency snapshot")) {
      return PERF_LATENCY;
    }
    if (QI_HEADER.matcher(t).matches() || QI_BASE.matcher(t).matches() || t.startsWith("Index")
        || QI_ROW.matcher(t).matches()) {
      return INVALIDATION_QUEUE;
    }
    if (t.startsWith("DMA Remapping is not enabled on dmar")) {
      return DMA_REMAPPING_OFF;
    }
    if (t.equals("Interrupt Remapping is not enabled")) {
      return IR_OFF;
    }
    if (t.startsWith("IR table address:")) {
      return IR_TABLE_ADDRESS;
    }
    if (t.equals("****")) {
      return SEPARATOR;
    }
    if (FILE_PATH.matcher(t).matches()) {
      return FILE_NAME;
    }
    if (SHELL_COMMAND.matcher(t).matches()) {
      return SHELL;
    }
    if (HEADER_WORDS.matcher(t).matches()) {
      return HEADER;
    }
    if (ZERO_ENTRIES.matcher(t).matches()) {
      return ZERO_COLUMNS;
    }
    return null;
  }

  /** {@code bb:dd.f 0xHI:0xLO 0xHI:0xLO [PASID 0xV2:0xV1:0xV0]}. */
  private static Decoded<DebugfsLine> contextRow(String[] f) {
    int sid = Hex.bdf(f[0]);
    if (sid < 0) {
      return Decoded.unparsed(CONTEXT_ROW_BAD);
    }
    if (f.length != 3 && f.length != 5) {
      return Decoded.unparsed(f.length == 4 ? CONTEXT_ROW_CUT : CONTEXT_ROW_BAD);
    }
    long[] root = entries(f[1], 2);
    long[] ctx = entries(f[2], 2);
    if (root == null || ctx == null) {
      return Decoded.unparsed(CONTEXT_ROW_BAD);
    }
    if (f.length == 3) {
      return Decoded.record(new ContextRow(sid, ctx[0], ctx[1], false, -1, 0, 0, 0));
    }
    long[] pe = entries(f[4], 3);
    if (pe == null || !Hex.isSignedDecimal(f[3])) {
      return Decoded.unparsed(CONTEXT_ROW_BAD);
    }
    return Decoded.record(new ContextRow(sid, ctx[0], ctx[1], true, Integer.parseInt(f[3]), pe[0], pe[1], pe[2]));
  }

  /** {@code devfn bb:dd.f hi lo} (4.20-5.2, hex without 0x). */
  private static Decoded<DebugfsLine> oldContextRow(String[] f) {
    int sid = Hex.bdf(f[1]);
    // %llx prints no leading zeros and only present entries are listed: this tells a row from the
    // first half of a wrapped IRTE row (%08x destination, %02x vector)
    if (sid < 0 || !unpadded(f[2]) || !unpadded(f[3]) || (Hex.value(f[3]) & 1) == 0) {
      return Decoded.unparsed(CONTEXT_ROW_BAD);
    }
    if (Long.parseLong(f[0]) != (sid & 0xFF)) {
      return Decoded.unparsed(OLD_CONTEXT_ROW_DEVFN);
    }
    return Decoded.record(new ContextRow(sid & 0xFFFF, Hex.value(f[2]), Hex.value(f[3]), false, -1, 0, 0, 0));
  }

  private static boolean unpadded(String s) {
    return Hex.is(s, 1, 16) && !Hex.hasPrefix(s) && (s.length() == 1 || s.charAt(0) != '0');
  }

  /** Remapped {@code idx bdf dst vec hi lo}, posted {@code idx bdf pda_hi pda_lo vec hi lo}. */
  private static Decoded<DebugfsLine> irteRow(String[] f) {
    boolean posted = f.length == 7;
    if (f.length != 6 && !posted) {
      return Decoded.unparsed(IRTE_ROW_BAD);
    }
    int sid = Hex.bdf(f[1]);
    int v = posted ? 4 : 3;
    if (sid < 0 || !Hex.is(f[2], 8, 8) || (posted && !Hex.is(f[3], 8, 8)) || !Hex.is(f[v], 2, 2)
        || !Hex.is(f[v + 1], 16, 16) || !Hex.is(f[v + 2], 16, 16) || f[0].length() > 5) {
      return Decoded.unparsed(IRTE_ROW_BAD);
    }
    return Decoded.record(new IrteRow(Integer.parseInt(f[0]), sid & 0xFFFF, posted, Hex.value(f[2]),
        (int) Hex.value(f[v]), Hex.value(f[v + 1]), Hex.value(f[v + 2])));
  }

  /**
   * {@code 0xPFN |<TAB>e5<TAB>e4<TAB>e3[<TAB>e2[<TAB>e1]]}: columns left to right are levels 5 to 1 and
   * the leaf is the last non-zero one. Checked here, not later, so that a row a mail client cut short
   * (its last column then looks like a leaf without the page-size bit) is re-joined with its rest.
   */
  private static Decoded<DebugfsLine> tableRow(String t) {
    int bar = t.indexOf('|');
    String pfn = t.substring(0, bar).strip();
    String[] f = t.substring(bar + 1).strip().split("\\s+");
    if (!Hex.is(pfn, 1, 13) || f.length < 3 || f.length > 5) {
      return Decoded.unparsed(TABLE_ROW_BAD);
    }
    long[] e = new long[f.length];
    int first = -1;
    int leaf = -1;
    for (int i = 0; i < f.length; i++) {
      if (!Hex.is(f[i], 16, 16)) {
        return Decoded.unparsed(TABLE_ROW_BAD);
      }
      e[i] = Hex.value(f[i]);
      if (e[i] != 0) {
        first = first < 0 ? i : first;
        leaf = i;
      }
    }
    if (leaf < 0) {
      return Decoded.unparsed(ROW_EMPTY);
    }
    byte perm = 3;
    for (int i = first; i <= leaf; i++) {
      if (e[i] == 0) {
        return Decoded.unparsed(ROW_GAP);
      }
      perm &= (byte) (e[i] & 3);
    }
    int level = 5 - leaf;
    if (level > 3) {
      return Decoded.unparsed(ROW_LEVEL);
    }
    if (level > 1 && (e[leaf] & PAGE_SIZE_BIT) == 0) {
      return Decoded.unparsed(ROW_NO_PS);
    }
    long pageSize = PAGE_SIZES[level];
    long iova = Hex.value(pfn) << 12;
    if ((iova & (pageSize - 1)) != 0) {
      return Decoded.unparsed(ROW_ALIGN);
    }
    return Decoded.record(new TableRow(iova, e[leaf] & ADDRESS_MASK & -pageSize, pageSize, perm));
  }

  /** {@code 0xA:0xB[:0xC]}, each exactly 16 hex digits: the words in print order, or null. */
  private static long[] entries(String s, int words) {
    String[] w = s.split(":", -1);
    if (w.length != words) {
      return null;
    }
    long[] v = new long[words];
    for (int i = 0; i < words; i++) {
      if (!Hex.is(w[i], 16, 16)) {
        return null;
      }
      v[i] = Hex.value(w[i]);
    }
    return v;
  }

  private static final Pattern RECORD_START = Pattern.compile(
      "(IOMMU|B\\.D\\.F|Root Table|Bus:|Context Table|Entry|Device |IOVA_PFN|DMA Remapping|Remapped Interrupt"
      + "|Posted Interrupt|IR table|Interrupt Remapping|\\*\\*\\*\\*|Name|Invalidation queue|Base:|Index|==>).*"
      + "|(0x)?[0-9a-fA-F]{1,13} \\|.*"
      + "|([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]\\s.*"
      + "|\\d+\\s+[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-9a-fA-F]{1,2}(\\s.*)?"
      + "|-?\\d+\\s+(0x)?[0-9a-fA-F]{16}:.*"
      + "|[A-Z][A-Z0-9_]*\\s+0x[0-9a-fA-F]+\\s.*"
      + "|\\d+\\s+[0-9a-fA-F]{16}\\s.*");

  /** A line that cannot start any record: the rest of a row a mail client wrapped. */
  static boolean isContinuation(String text) {
    String t = text.strip();
    return !RECORD_START.matcher(t).matches() && ignoredReason(t) == null;
  }
}
