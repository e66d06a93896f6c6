package io.iommusim.trace.imports.ftrace;

import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ftrace.Body.Dir;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes event bodies exactly as the kernel prints them (trace-formats.md §2), tolerating hex without
 * {@code 0x} where the format prints {@code 0x} and {@code 0x} where it does not.
 */
final class Bodies {
  static final String IOMMU = "iommu";
  static final String DMA = "dma";
  static final String INTEL = "intel_iommu";

  private static final Map<String, String> SYSTEM_OF = new LinkedHashMap<>();

  static {
    for (String e : List.of("add_device_to_group", "remove_device_from_group", "attach_device_to_domain",
        "detach_device_from_domain", "map", "unmap", "io_page_fault")) {
      SYSTEM_OF.put(e, IOMMU);
    }
    for (String e : List.of("dma_map_page", "dma_map_phys", "dma_map_resource", "dma_unmap_page", "dma_unmap_phys",
        "dma_unmap_resource", "dma_alloc", "dma_alloc_pages", "dma_alloc_sgt", "dma_alloc_sgt_err", "dma_free",
        "dma_free_pages", "dma_free_sgt", "dma_map_sg", "dma_map_sg_err", "dma_unmap_sg", "dma_sync_single_for_cpu",
        "dma_sync_single_for_device", "dma_sync_sg_for_cpu", "dma_sync_sg_for_device")) {
      SYSTEM_OF.put(e, DMA);
    }
    for (String e : List.of("qi_submit", "prq_report", "cache_tag_assign", "cache_tag_unassign", "cache_tag_flush_all",
        "cache_tag_flush_range", "cache_tag_flush_range_np", "map_single", "map_sg", "bounce_map_single",
        "unmap_single", "unmap_sg", "bounce_unmap_single")) {
      SYSTEM_OF.put(e, INTEL);
    }
  }

  private static final String HEX = "(?:0x)?([0-9a-fA-F]+)";
  private static final String NUM = "(0x[0-9a-fA-F]+|\\d+)";
  private static final Pattern GROUP = Pattern.compile("IOMMU: groupID=(\\d+) device=(\\S+)");
  private static final Pattern DEVICE = Pattern.compile("IOMMU: device=(\\S+)");
  private static final Pattern MAP = Pattern.compile(
      "IOMMU: iova=" + HEX + "(?: - " + HEX + ")? paddr=" + HEX + " size=" + NUM);
  private static final Pattern UNMAP = Pattern.compile(
      "IOMMU: iova=" + HEX + "(?: - " + HEX + ")? size=" + NUM + " unmapped_size=" + NUM);
  private static final Pattern FAULT = Pattern.compile("IOMMU:(\\S*)\\s+(\\S+) iova=" + HEX + " flags=" + HEX);
  private static final Pattern QI = Pattern.compile(
      "(\\S+) (\\S+): " + HEX + " " + HEX + "(?: " + HEX + " " + HEX + ")?");
  private static final Pattern TAG = Pattern.compile(
      "(\\S+)/(\\S+) type (\\S+) did (\\d+) pasid (\\d+) ref (\\d+)");
  private static final Pattern FLUSH = Pattern.compile("(\\S+) (\\S+)\\[(\\d+)\\] type (\\S+) did (\\d+) \\[" + HEX + "-"
      + HEX + "\\] addr " + HEX + " pages " + HEX + " mask " + HEX);
  private static final Pattern OLD_MAP = Pattern.compile(
      "dev=(\\S+) (?:\\[\\d+/\\d+\\] )?dev_addr=" + HEX + " phys_addr=" + HEX + " size=" + NUM);
  private static final Pattern OLD_UNMAP = Pattern.compile("dev=(\\S+) dev_addr=" + HEX + " size=" + NUM);
  private static final Pattern DMAR = Pattern.compile("dmar(\\d+)");

  static final String SYNC = "dma sync (ownership hand-over, no IOMMU state change)";
  static final String FAILED = "failed DMA mapping (no state change)";
  static final String PRQ = "prq_report (page request: not modelled)";

  private Bodies() {}

  /** The system of a known event name, or null. */
  static String systemOf(String event) {
    return SYSTEM_OF.get(event);
  }

  static Decoded<Body> decode(String event, String body) {
    try {
      return switch (SYSTEM_OF.get(event)) {
        case IOMMU -> iommu(event, body);
        case DMA -> dma(event, body);
        default -> intel(event, body);
      };
    } catch (NumberFormatException e) {
      return Decoded.unparsed(event + ": number out of range");
    }
  }

  private static Decoded<Body> iommu(String event, String body) {
    Matcher m;
    switch (event) {
      case "add_device_to_group", "remove_device_from_group" -> {
        if (!(m = GROUP.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.Group(event.startsWith("add"), Integer.parseInt(m.group(1)), m.group(2)));
      }
      case "attach_device_to_domain", "detach_device_from_domain" -> {
        if (!(m = DEVICE.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.DeviceDomain(event.startsWith("attach"), m.group(1)));
      }
      case "map" -> {
        if (!(m = MAP.matcher(body)).matches()) {
          return bad(event);
        }
        long iova = hex(m.group(1));
        long size = num(m.group(4));
        if (m.group(2) != null && hex(m.group(2)) != iova + size) {
          return Decoded.unparsed("map: range end is not iova + size");
        }
        return Decoded.record(new Body.IommuMap(iova, hex(m.group(3)), size));
      }
      case "unmap" -> {
        if (!(m = UNMAP.matcher(body)).matches()) {
          return bad(event);
        }
        long iova = hex(m.group(1));
        long size = num(m.group(3));
        if (m.group(2) != null && hex(m.group(2)) != iova + size) {
          return Decoded.unparsed("unmap: range end is not iova + size");
        }
        return Decoded.record(new Body.IommuUnmap(iova, size, num(m.group(4))));
      }
      default -> {
        if (!(m = FAULT.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.PageFault(m.group(1), m.group(2), hex(m.group(3)), (int) hex(m.group(4))));
      }
    }
  }

  // ---- dma:* -------------------------------------------------------------------------------------

  private static final Set<String> MAPS = Set.of("dma_map_page", "dma_map_phys", "dma_map_resource");
  private static final Set<String> UNMAPS = Set.of("dma_unmap_page", "dma_unmap_phys", "dma_unmap_resource");

  private static Decoded<Body> dma(String event, String body) {
    Map<String, String> kv = new LinkedHashMap<>();
    String device = keyValues(body, kv);
    if (device == null) {
      return bad(event);
    }
    String dirText = kv.get("dir");
    Dir dir = dirText == null ? Dir.BIDIRECTIONAL : Dir.parse(dirText);
    if (dir == null) {
      return Decoded.unparsed(event + ": unknown dir");
    }
    boolean alloc = event.startsWith("dma_alloc") || event.startsWith("dma_free");
    if (dirText == null && !alloc) {
      return Decoded.unparsed(event + ": no dir=");
    }
    if (event.equals("dma_map_sg_err") || event.equals("dma_alloc_sgt_err")) {
      return Decoded.ignored(FAILED);
    }
    if (MAPS.contains(event)) {
      if (!has(kv, "dma_addr", "size", "phys_addr")) {
        return bad(event);
      }
      return Decoded.record(new Body.DmaMap(event, device, dir, true, hex(kv.get("dma_addr")), num(kv.get("size")),
          hex(kv.get("phys_addr"))));
    }
    if (UNMAPS.contains(event) || event.equals("dma_free") || event.equals("dma_free_pages")
        || event.equals("dma_free_sgt")) {
      if (!has(kv, "dma_addr", "size")) {
        return bad(event);
      }
      return Decoded.record(new Body.DmaUnmap(event, device, hex(kv.get("dma_addr")), num(kv.get("size"))));
    }
    switch (event) {
      case "dma_alloc", "dma_alloc_pages", "dma_alloc_sgt" -> {
        if (!has(kv, "dma_addr", "size")) {
          return bad(event);
        }
        long phys = -1;
        if (event.equals("dma_alloc_sgt")) {
          long[] p = array(kv.get("phys_addrs"));
          if (p == null) {
            return bad(event);
          }
          phys = p.length == 1 ? p[0] : -1;
        }
        return Decoded.record(new Body.DmaMap(event, device, dir, dirText != null, hex(kv.get("dma_addr")),
            num(kv.get("size")), phys));
      }
      case "dma_map_sg" -> {
        long[] addrs = array(kv.get("dma_addrs"));
        long[] sizes = array(kv.get("sizes"));
        long[] phys = array(kv.get("phys_addrs"));
        if (addrs == null || sizes == null || phys == null) {
          return bad(event);
        }
        if (addrs.length != sizes.length) {
          return Decoded.unparsed("dma_map_sg: dma_addrs and sizes differ in length");
        }
        return Decoded.record(new Body.DmaMapSg(device, dir, addrs, sizes, phys));
      }
      case "dma_unmap_sg" -> {
        long[] phys = array(kv.get("phys_addrs"));
        if (phys == null || phys.length == 0) {
          return bad(event);
        }
        return Decoded.record(new Body.DmaUnmapSg(device, phys));
      }
      case "dma_sync_single_for_cpu", "dma_sync_single_for_device" -> {
        return has(kv, "dma_addr", "size") ? Decoded.ignored(SYNC) : bad(event);
      }
      default -> { // dma_sync_sg_for_cpu/_for_device
        return array(kv.get("dma_addrs")) != null && array(kv.get("sizes")) != null ? Decoded.ignored(SYNC) : bad(event);
      }
    }
  }

  /**
   * Splits {@code <device> key=value key=value ...} (a value in braces may hold spaces); returns the device
   * or null when the first token is missing or is itself a key=value.
   */
  static String keyValues(String body, Map<String, String> into) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    int n = body.length();
    while (i < n) {
      while (i < n && body.charAt(i) == ' ') {
        i++;
      }
      if (i == n) {
        break;
      }
      int start = i;
      int depth = 0;
      while (i < n && (depth > 0 || body.charAt(i) != ' ')) {
        char c = body.charAt(i);
        if (c == '{') {
          depth++;
        } else if (c == '}') {
          depth--;
        }
        i++;
      }
      tokens.add(body.substring(start, i));
    }
    if (tokens.isEmpty() || tokens.get(0).indexOf('=') >= 0) {
      return null;
    }
    for (int t = 1; t < tokens.size(); t++) {
      String tok = tokens.get(t);
      int eq = tok.indexOf('=');
      if (eq <= 0) {
        return null;
      }
      into.put(tok.substring(0, eq), tok.substring(eq + 1));
    }
    return tokens.get(0);
  }

  private static boolean has(Map<String, String> kv, String... keys) {
    for (String k : keys) {
      String v = kv.get(k);
      if (v == null || v.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** {@code {0x1,0x2}} (as __print_array prints, hex), or null when it is not an array. */
  static long[] array(String v) {
    if (v == null || v.length() < 2 || v.charAt(0) != '{' || v.charAt(v.length() - 1) != '}') {
      return null;
    }
    String inner = v.substring(1, v.length() - 1).strip();
    if (inner.isEmpty()) {
      return new long[0];
    }
    String[] parts = COMMA.split(inner);
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (!isHex(parts[i])) {
        return null;
      }
      out[i] = hex(parts[i]);
    }
    return out;
  }

  // ---- intel_iommu:* -----------------------------------------------------------------------------

  private static Decoded<Body> intel(String event, String body) {
    Matcher m;
    switch (event) {
      case "qi_submit" -> {
        if (!(m = QI.matcher(body)).matches()) {
          return bad(event);
        }
        long[] qw = {hex(m.group(3)), hex(m.group(4)), m.group(5) == null ? 0 : hex(m.group(5)),
            m.group(6) == null ? 0 : hex(m.group(6))};
        return Decoded.record(new Body.QiSubmit(m.group(1), unit(m.group(2)), qw));
      }
      case "prq_report" -> {
        return Decoded.ignored(PRQ);
      }
      case "cache_tag_assign", "cache_tag_unassign", "cache_tag_flush_all" -> {
        if (!(m = TAG.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.CacheTag(event, unit(m.group(1)), m.group(2), m.group(3),
            Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6))));
      }
      case "cache_tag_flush_range", "cache_tag_flush_range_np" -> {
        if (!(m = FLUSH.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.CacheTagFlush(event, unit(m.group(1)), m.group(2), Integer.parseInt(m.group(3)),
            m.group(4), Integer.parseInt(m.group(5)), hex(m.group(6)), hex(m.group(7)), hex(m.group(8)),
            hex(m.group(9)), (int) hex(m.group(10))));
      }
      case "map_single", "map_sg", "bounce_map_single" -> {
        if (!(m = OLD_MAP.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.OldIntel(true, m.group(1), hex(m.group(2)), hex(m.group(3)), num(m.group(4))));
      }
      default -> { // unmap_single, unmap_sg, bounce_unmap_single
        if (!(m = OLD_UNMAP.matcher(body)).matches()) {
          return bad(event);
        }
        return Decoded.record(new Body.OldIntel(false, m.group(1), hex(m.group(2)), 0, num(m.group(3))));
      }
    }
  }

  /** N of {@code dmarN}, or -1 for another name. */
  static int unit(String iommu) {
    Matcher m = DMAR.matcher(iommu);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static final Pattern COMMA = Pattern.compile("\\s*,\\s*");

  /** Hex digits, with or without 0x. */
  private static boolean isHex(String s) {
    int i = s.startsWith("0x") || s.startsWith("0X") ? 2 : 0;
    if (i == s.length()) {
      return false;
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  private static Decoded<Body> bad(String event) {
    return Decoded.unparsed(event + ": body not in the documented format");
  }

  /** Hex digits with or without 0x; up to 16 digits. */
  static long hex(String s) {
    String d = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    if (d.isEmpty() || d.length() > 16) {
      throw new NumberFormatException(s);
    }
    return Long.parseUnsignedLong(d, 16);
  }

  /** A size: decimal, or hex with 0x. */
  static long num(String s) {
    if (s.startsWith("0x") || s.startsWith("0X")) {
      return hex(s);
    }
    if (s.isEmpty() || s.length() > 18) {
      throw new NumberFormatException(s);
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        throw new NumberFormatException(s);
      }
    }
    return Long.parseLong(s);
  }
}
