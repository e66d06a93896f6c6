package io.iommusim.trace.imports.kernellog;

import io.iommusim.trace.Sid;
import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.PciNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decodes the messages of IOMMU fault records exactly as trace-formats.md §3 documents them, per era. */
final class Messages {
  static final String DRHD = "DMAR fault status line";
  static final String DMAR_DUMP = "DMAR translation-structure dump (CONFIG_DMAR_DEBUG)";
  static final String OTHER = "other kernel message";
  static final String OTHER_PROCESS = "log line of another process";

  private static final String BDF =
      "\\[(?:(?:0x)?([0-9a-fA-F]{4}):)?(?:0x)?([0-9a-fA-F]{1,2}):(?:0x)?([0-9a-fA-F]{1,2})\\.([0-7])\\]";
  private static final Pattern DMAR_DMA = Pattern.compile("^DMAR: ?\\[DMA (Read|Write)(?: (NO_PASID|PASID 0x([0-9a-fA-F]+)))?\\]"
      + " Request device " + BDF + "(?: PASID ([0-9a-fA-F]+))? fault addr (?:0x)?([0-9a-fA-F]+)"
      + "(?: \\[fault reason (0x)?([0-9a-fA-F]+)\\](?: .*)?)?\\s*$");
  private static final Pattern DMAR_IR = Pattern.compile("^DMAR: ?\\[INTR-REMAP\\] Request device " + BDF
      + " fault index (0x)?([0-9a-fA-F]+) \\[fault reason (0x)?([0-9a-fA-F]+)\\](?: .*)?\\s*$");
  private static final Pattern DMAR_REASON = Pattern.compile("^(?:DMAR: ?)?\\[fault reason (0x)?([0-9a-fA-F]+)\\](?: .*)?\\s*$");
  private static final Pattern XEN_REASON = Pattern.compile("^DMAR: reason ([0-9a-fA-F]+) - .*$");
  private static final Pattern DRHD_LINE = Pattern.compile("^DMAR: DRHD: handling fault status reg [0-9a-fA-F]+\\s*$");
  private static final Pattern DUMP = Pattern.compile("^DMAR: (Dump dmar\\d+ table entries|scalable mode root entry|"
      + "root entry|context entry|pasid dir entry|pasid table entry|pte level|PTE not present).*$");
  private static final Pattern DEV_PREFIX = Pattern.compile("^(\\S+) (\\S+): (.*)$");
  private static final Pattern AMD = Pattern.compile("^AMD-Vi: Event logged \\[(\\w+)(.*)\\]\\s*$");
  private static final Pattern AMD_HEAD = Pattern.compile("^AMD-Vi: Event logged \\[\\s*$");
  private static final Pattern AMD_TAIL = Pattern.compile("^(\\w+)( .*)?\\]\\s*$");
  private static final Pattern FIELD = Pattern.compile("(\\w+(?:\\[\\d+\\])?)=([^,\\s\\]]+)");
  private static final Pattern SMMU_HEADER = Pattern.compile("^event 0x([0-9a-fA-F]{1,2}) received:\\s*$");
  private static final Pattern SMMU_WORD = Pattern.compile("^\\s*0x([0-9a-fA-F]{16})\\s*$");
  private static final Pattern SMMU_DECODED = Pattern.compile("^event: (\\w+) client: (\\S+) sid: (0x[0-9a-fA-F]+|0)"
      + " ssid: (0x[0-9a-fA-F]+|0)(?: iova: (0x[0-9a-fA-F]+|0) ipa: (0x[0-9a-fA-F]+|0)| fetch_addr: (0x[0-9a-fA-F]+|0))?\\s*$");
  private static final Pattern SMMU_ACCESS = Pattern.compile("^(priv|unpriv) (data|inst) (read|write) (s1|s2) \"[^\"]*\""
      + "(?: ttd_read| ttd_write)?(?: stall)? stag: (0x[0-9a-fA-F]+|0)\\s*$");
  private static final Pattern SMMU2 = Pattern.compile("^Unhandled context fault: fsr=(0x[0-9a-fA-F]+), iova=(0x[0-9a-fA-F]+), "
      + "fsynr=(0x[0-9a-fA-F]+)(?:, cbfrsynra=(0x[0-9a-fA-F]+))?, cb=(\\d+)\\s*$");
  private static final Pattern SMMU2_DECODED = Pattern.compile("^(FSR|FSYNR0)\\s*=\\s*[0-9a-fA-F]+ \\[.*$");
  private static final Pattern DECIMAL = Pattern.compile("\\d{1,18}");
  private static final Pattern SUPPRESSED = Pattern.compile("^(\\S+): (\\d+) callbacks suppressed\\s*$");

  /** AMD-Vi event names (Linux's text) and their event codes (iommu-semantics.md §3.3). */
  static final Map<String, Integer> AMD_CODES = Map.ofEntries(Map.entry("ILLEGAL_DEV_TABLE_ENTRY", 0x1),
      Map.entry("IO_PAGE_FAULT", 0x2), Map.entry("DEV_TAB_HARDWARE_ERROR", 0x3),
      Map.entry("PAGE_TAB_HARDWARE_ERROR", 0x4), Map.entry("ILLEGAL_COMMAND_ERROR", 0x5),
      Map.entry("COMMAND_HARDWARE_ERROR", 0x6), Map.entry("IOTLB_INV_TIMEOUT", 0x7),
      Map.entry("INVALID_DEVICE_REQUEST", 0x8), Map.entry("INVALID_PPR_REQUEST", 0x9),
      Map.entry("RMP_PAGE_FAULT", 0xD), Map.entry("RMP_HW_ERROR", 0xE), Map.entry("UNKNOWN", -1));

  /** SMMUv3 event names of the decoded lines and their ids (iommu-semantics.md §4.2). */
  static final Map<String, Integer> SMMU_IDS = Map.ofEntries(Map.entry("F_UUT", 0x01),
      Map.entry("C_BAD_STREAMID", 0x02), Map.entry("F_STE_FETCH", 0x03), Map.entry("C_BAD_STE", 0x04),
      Map.entry("F_BAD_ATS_TREQ", 0x05), Map.entry("F_STREAM_DISABLED", 0x06), Map.entry("F_TRANSL_FORBIDDEN", 0x07),
      Map.entry("C_BAD_SUBSTREAMID", 0x08), Map.entry("F_CD_FETCH", 0x09), Map.entry("C_BAD_CD", 0x0A),
      Map.entry("F_WALK_EABT", 0x0B), Map.entry("F_TRANSLATION", 0x10), Map.entry("F_ADDR_SIZE", 0x11),
      Map.entry("F_ACCESS", 0x12), Map.entry("F_PERMISSION", 0x13), Map.entry("F_TLB_CONFLICT", 0x20),
      Map.entry("F_CFG_CONFLICT", 0x21), Map.entry("E_PAGE_REQUEST", 0x24), Map.entry("F_VMS_FETCH", 0x25));

  private static final Set<String> SMMU_DRIVERS = Set.of("arm-smmu-v3");
  private static final Set<String> SMMU2_DRIVERS = Set.of("arm-smmu", "arm-smmu-qcom", "qcom-smmu");

  private Messages() {}

  static Decoded<Msg> decode(LogLine l) {
    String m = l.message();
    if (l.origin() == LogLine.Origin.OTHER_PROCESS) {
      return Decoded.ignored(OTHER_PROCESS);
    }
    if (l.origin() == LogLine.Origin.XEN) {
      if (m.startsWith("[VT-D]")) {
        m = m.substring(6);
      } else if (m.startsWith("SMMUv3: ") || m.startsWith("smmu: ")) {
        boolean v3 = m.startsWith("SMMUv3: ");
        Decoded<Msg> d = device(v3 ? "arm-smmu-v3" : "arm-smmu", m.substring(v3 ? 8 : 6), l);
        if (d != null) {
          return d;
        }
      }
    }
    try {
      Decoded<Msg> d = plain(m, -1);
      if (d != null) {
        return d;
      }
      Matcher dev = DEV_PREFIX.matcher(m);
      if (dev.matches()) {
        Decoded<Msg> byDevice = device(dev.group(1), dev.group(2) + ": " + dev.group(3), l);
        if (byDevice != null) {
          return byDevice;
        }
      }
    } catch (NumberFormatException e) {
      return Decoded.unparsed("fault record: number out of range");
    }
    return other(m, l);
  }

  /** A message with a {@code <driver> <device>: } prefix: SMMU records, or a device-scoped AMD-Vi record. */
  private static Decoded<Msg> device(String driver, String rest, LogLine l) {
    int colon = rest.indexOf(": ");
    if (colon < 0) {
      return null;
    }
    String dev = rest.substring(0, colon);
    String m = rest.substring(colon + 2);
    Matcher x;
    if (SMMU_DRIVERS.contains(driver)) {
      if ((x = SMMU_HEADER.matcher(m)).matches()) {
        return Decoded.record(new Msg.SmmuHeader(dev, Integer.parseInt(x.group(1), 16)));
      }
      if ((x = SMMU_WORD.matcher(m)).matches()) {
        return Decoded.record(new Msg.SmmuWord(dev, Long.parseUnsignedLong(x.group(1), 16)));
      }
      if ((x = SMMU_DECODED.matcher(m)).matches()) {
        Integer id = SMMU_IDS.get(x.group(1));
        if (id == null) {
          return Decoded.unparsed("arm-smmu-v3 decoded event: unknown event name");
        }
        long iova = x.group(5) != null ? hex(x.group(5)) : 0;
        long phys = x.group(6) != null ? hex(x.group(6)) : x.group(7) != null ? hex(x.group(7)) : 0;
        return Decoded.record(new Msg.SmmuDecoded(dev, x.group(1), hex(x.group(3)), hex(x.group(4)), iova, phys));
      }
      if ((x = SMMU_ACCESS.matcher(m)).matches()) {
        return Decoded.record(new Msg.SmmuAccess(dev, x.group(3).equals("read")));
      }
      if (m.startsWith("event ") || m.startsWith("event:")) {
        return Decoded.unparsed("arm-smmu-v3 event line not in a known format");
      }
      return null;
    }
    if (SMMU2_DRIVERS.contains(driver)) {
      if ((x = SMMU2.matcher(m)).matches()) {
        return Decoded.record(new Msg.Smmu2Fault(dev, hex(x.group(1)), hex(x.group(2)), hex(x.group(3)),
            x.group(4) == null ? -1 : hex(x.group(4)), Integer.parseInt(x.group(5))));
      }
      if (SMMU2_DECODED.matcher(m).matches()) {
        return Decoded.record(new Msg.Smmu2Decoded(dev));
      }
      if (m.startsWith("Unhandled context fault")) {
        return Decoded.unparsed("arm-smmu context fault line not in a known format");
      }
      return null;
    }
    int sid = PciNames.sid(dev);
    if (sid >= 0) { // dev_err() of a PCI device: AMD-Vi records of a device the driver knows
      return plain(m, sid);
    }
    return null;
  }

  /** Messages that need no device prefix; null when the message is none of them. */
  private static Decoded<Msg> plain(String m, int deviceSid) {
    Matcher x;
    if ((x = DMAR_DMA.matcher(m)).matches()) {
      int pasid = -1;
      if (x.group(3) != null) {
        pasid = (int) Long.parseLong(x.group(3), 16);
      } else if (x.group(8) != null && !x.group(8).equalsIgnoreCase("ffffffff")) {
        pasid = (int) Long.parseLong(x.group(8), 16); // ~5.5-5.13: "PASID %x", ffffffff = none
      }
      int reason = x.group(11) == null ? -1 : reason(x.group(10) != null, x.group(11));
      return Decoded.record(new Msg.DmarFault(x.group(1).equals("Write"), bdf(x, 4), pasid, hex(x.group(9)), reason));
    }
    if ((x = DMAR_IR.matcher(m)).matches()) {
      return Decoded.record(new Msg.DmarIr(bdf(x, 1), (int) hex(x.group(6)), reason(x.group(7) != null, x.group(8))));
    }
    if ((x = DMAR_REASON.matcher(m)).matches()) {
      return Decoded.record(new Msg.DmarReason(reason(x.group(1) != null, x.group(2))));
    }
    if ((x = XEN_REASON.matcher(m)).matches()) {
      return Decoded.record(new Msg.DmarReason(Integer.parseInt(x.group(1), 16))); // Xen prints %02x
    }
    if (DRHD_LINE.matcher(m).matches()) {
      return Decoded.ignored(DRHD);
    }
    if (DUMP.matcher(m).matches()) {
      return Decoded.ignored(DMAR_DUMP);
    }
    if ((x = AMD.matcher(m)).matches()) {
      if (!AMD_CODES.containsKey(x.group(1))) {
        return Decoded.unparsed("AMD-Vi event: unknown event name");
      }
      Map<String, Long> f = fields(x.group(2));
      if (f == null) {
        return Decoded.unparsed("AMD-Vi event line not in a known format");
      }
      return Decoded.record(new Msg.AmdEvent(x.group(1), deviceSid, f));
    }
    if (AMD_HEAD.matcher(m).matches()) {
      return Decoded.record(new Msg.AmdHead(deviceSid));
    }
    if ((x = AMD_TAIL.matcher(m)).matches() && AMD_CODES.containsKey(x.group(1))) {
      Map<String, Long> f = fields(x.group(2) == null ? "" : x.group(2));
      return f == null ? Decoded.unparsed("AMD-Vi event line not in a known format")
          : Decoded.record(new Msg.AmdTail(x.group(1), f));
    }
    if ((x = SUPPRESSED.matcher(m)).matches()) {
      return Decoded.record(new Msg.Suppressed(x.group(1), Long.parseLong(x.group(2))));
    }
    return null;
  }

  /** Messages that are not fault records: ignored when the line is a kernel log line, else unparsed. */
  private static Decoded<Msg> other(String m, LogLine l) {
    if (m.contains("Request device [") || m.startsWith("DMAR: [DMA") || m.startsWith("DMAR:[DMA")
        || m.startsWith("DMAR: [INTR-REMAP")) {
      return Decoded.unparsed("DMAR fault line not in a known format");
    }
    if (m.contains("Event logged [")) {
      return Decoded.unparsed("AMD-Vi event line not in a known format");
    }
    if (l.origin() == LogLine.Origin.NONE) {
      return Decoded.unparsed("not a kernel log line");
    }
    return Decoded.ignored(OTHER);
  }

  /** {@code device=}/{@code domain=}/... values (hex with 0x, a PCI name for device, decimal otherwise); null if malformed. */
  static Map<String, Long> fields(String s) {
    Map<String, Long> out = new LinkedHashMap<>();
    Matcher f = FIELD.matcher(s);
    int at = 0;
    while (f.find()) {
      if (!s.substring(at, f.start()).replace(",", " ").isBlank()) {
        return null;
      }
      String key = f.group(1);
      String v = f.group(2);
      long value;
      if (key.equals("device")) {
        int sid = v.indexOf(':') == v.lastIndexOf(':') ? Sid.parse(v) : PciNames.sid(v);
        if (sid < 0) {
          return null;
        }
        value = sid;
      } else if (v.startsWith("0x") || v.startsWith("0X")) {
        value = hex(v);
      } else if (DECIMAL.matcher(v).matches()) {
        value = Long.parseLong(v);
      } else {
        return null;
      }
      out.put(key, value);
      at = f.end();
    }
    return s.substring(at).replace(",", " ").isBlank() ? out : null;
  }

  private static int bdf(Matcher x, int first) {
    int seg = x.group(first) == null ? 0 : Integer.parseInt(x.group(first), 16);
    return Sid.of(seg, Integer.parseInt(x.group(first + 1), 16), Integer.parseInt(x.group(first + 2), 16),
        Integer.parseInt(x.group(first + 3)));
  }

  /** {@code [fault reason NN]}: {@code 0xNN} is hex (5.14+), a bare {@code NN} decimal (%02d, older kernels). */
  private static int reason(boolean hex, String digits) {
    return hex ? Integer.parseInt(digits, 16) : Integer.parseInt(digits);
  }

  static long hex(String s) {
    String d = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    if (d.isEmpty() || d.length() > 16) {
      throw new NumberFormatException(s);
    }
    return Long.parseUnsignedLong(d, 16);
  }

  /** True when the line cannot start a record: no log prefix and no fault-record start. */
  static boolean isContinuation(LogLine l) {
    if (l.origin() != LogLine.Origin.NONE) {
      return false;
    }
    String m = l.message();
    return !(m.startsWith("DMAR") || m.startsWith("AMD-Vi") || m.startsWith("arm-smmu") || m.startsWith("[VT-D]")
        || SMMU_WORD.matcher(m).matches() || SUPPRESSED.matcher(m).matches() || DEV_PREFIX.matcher(m).matches()
            && (m.contains("Event logged") || m.contains("context fault")));
  }
}
