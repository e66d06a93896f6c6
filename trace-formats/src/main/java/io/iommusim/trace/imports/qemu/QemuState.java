package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.text.Hex;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one QEMU trace has shown so far, shared by the vendor handlers, and the events they emit.
 *
 * <p>Context and map state are emitted only when they change: QEMU re-reads context entries and
 * re-walks page tables after every cache flush, and replaying an identical attach or map would make the
 * model drop (or mark stale) what its caches hold. State grows with the traced system's devices,
 * domains, IRTEs and mapped pages, never with the length of the trace.
 */
final class QemuState {
  static final String NOTE_ACCESS = "accesses without length or direction: dma_size bytes, direction dma_access";
  static final String NOTE_NO_CONTEXT = "DMA of devices whose context the trace never showed (give a debugfs dump "
      + "or attach events, or the model faults them)";
  static final String NOTE_PAGE_SIZE = "observed translations of a page size the model has not (no map imported)";
  static final String NOTE_AMBIGUOUS_0X = "0x fields with decimal digits only: read as hex (decimal_after_0x=auto "
      + "found no evidence either way)";
  static final String NOTE_DECIMAL_0X = "0x fields read as decimal (QEMU's historical 0x%d format)";

  final int unit;
  final long dmaSize;
  final boolean dmaWrite;
  final boolean maps;
  final int msiSid;
  /** decimal_after_0x: null = auto, else forced. */
  final Boolean decimalAfter0x;

  /** The context emitted for each device: domain, or -2 for pass-through without a domain. */
  private final Map<Integer, long[]> contexts = new HashMap<>();
  /** Per domain, the observed leaves by IOVA: {size, phys, perm}. */
  private final Map<Integer, TreeMap<Long, long[]>> leaves = new HashMap<>();
  /** Devices and domains the trace printed unambiguously, for reading the 0x%d fields. */
  final Set<Integer> knownDevices = new HashSet<>();
  final Set<Integer> knownDomains = new HashSet<>();
  private final Set<Integer> noContextNoted = new HashSet<>();
  private boolean accessNoted;

  QemuState(int unit, long dmaSize, boolean dmaWrite, boolean maps, int msiSid, Boolean decimalAfter0x) {
    this.unit = unit;
    this.dmaSize = dmaSize;
    this.dmaWrite = dmaWrite;
    this.maps = maps;
    this.msiSid = msiSid;
    this.decimalAfter0x = decimalAfter0x;
  }

  // ---- contexts ----------------------------------------------------------------------------------

  /**
   * Emits attach (or attach_passthrough) unless the device already has this context; true if emitted.
   * A pass-through seen without a domain (-1) matches any pass-through context.
   */
  boolean context(ImportOutput out, long ts, int sid, int domain, boolean passthrough) {
    long[] c = contexts.get(sid);
    if (c != null && (c[1] == 1) == passthrough && (c[0] == domain || (passthrough && domain == -1))) {
      return false;
    }
    contexts.put(sid, new long[] {domain, passthrough ? 1 : 0});
    TraceEvent e = out.emit(passthrough ? EventKind.ATTACH_PASSTHROUGH : EventKind.ATTACH, ts);
    e.unit = unit;
    e.sid = sid;
    e.domain = domain;
    knownDevices.add(sid);
    if (domain >= 0) {
      knownDomains.add(domain);
    }
    return true;
  }

  /** Emits detach if the device has a context; true if emitted. */
  boolean detach(ImportOutput out, long ts, int sid) {
    if (contexts.remove(sid) == null) {
      return false;
    }
    TraceEvent e = out.emit(EventKind.DETACH, ts);
    e.unit = unit;
    e.sid = sid;
    return true;
  }

  /** The device's domain as emitted, -1 when unknown or pass-through. */
  int domainOf(int sid) {
    long[] c = contexts.get(sid);
    return c == null || c[1] == 1 ? -1 : (int) c[0];
  }

  // ---- map state ---------------------------------------------------------------------------------

  /**
   * Emits a map for an observed leaf unless the same leaf was seen before; the leaves it replaces are
   * forgotten. Pages the model cannot represent (not 4 KiB, 2 MiB or 1 GiB, or unaligned) are noted.
   *
   * @param owner the device the mapping is for, for access synthesis (-1 unknown)
   * @return true if a map was emitted
   */
  boolean map(ImportOutput out, long ts, long line, int domain, long iova, long phys, long size, int perm, int owner) {
    if (!maps || domain < 0 || domain > 0xFFFF || perm < 1 || perm > 3) {
      return false;
    }
    if ((size != 4096 && size != 2L << 20 && size != 1L << 30) || ((iova | phys) & (size - 1)) != 0) {
      out.note(NOTE_PAGE_SIZE, line, "domain " + domain + " iova 0x" + Long.toHexString(iova) + " size 0x"
          + Long.toHexString(size));
      return false;
    }
    TreeMap<Long, long[]> d = leaves.computeIfAbsent(domain, k -> new TreeMap<>());
    long[] old = d.get(iova);
    if (old != null && old[0] == size && old[1] == phys && old[2] == perm) {
      return false;
    }
    forget(d, iova, size);
    d.put(iova, new long[] {size, phys, perm});
    out.map(ts, unit, domain, iova, phys, size, (byte) perm, size, owner, -1, iova, size);
    knownDomains.add(domain);
    return true;
  }

  /** Emits an unmap of an observed range (rounded out to 4 KiB pages). */
  void unmap(ImportOutput out, long ts, int domain, long iova, long size) {
    long start = iova & ~0xFFFL;
    long end = (iova + size + 0xFFF) & ~0xFFFL;
    TreeMap<Long, long[]> d = leaves.get(domain);
    if (d != null) {
      forget(d, start, end - start);
    }
    out.unmap(ts, unit, domain, start, end - start);
    knownDomains.add(domain);
  }

  private static void forget(TreeMap<Long, long[]> d, long iova, long size) {
    Map.Entry<Long, long[]> before = d.lowerEntry(iova);
    if (before != null && before.getKey() + before.getValue()[0] > iova) {
      d.remove(before.getKey());
    }
    NavigableMap<Long, long[]> inside = d.subMap(iova, true, iova + size, false);
    inside.clear();
  }

  // ---- accesses ----------------------------------------------------------------------------------

  /**
   * Emits one device access at {@code addr}: a translation QEMU performed. Its length is
   * {@code dma_size} cut at the end of the 4 KiB page, so that it is exactly one translation in the
   * model whatever the page size.
   *
   * @param write null when the source does not say (then {@code dma_access})
   */
  void dma(ImportOutput out, long ts, long line, int sid, long addr, Boolean write) {
    if (write == null && !accessNoted) {
      accessNoted = true;
      out.note(NOTE_ACCESS, line, "dma_size " + dmaSize + ", dma_access " + (dmaWrite ? "write" : "read"));
    }
    if (!contexts.containsKey(sid) && noContextNoted.add(sid)) {
      out.note(NOTE_NO_CONTEXT, line, Sid.format(sid));
    }
    TraceEvent e = out.emit((write == null ? dmaWrite : write) ? EventKind.DMA_WRITE : EventKind.DMA_READ, ts);
    e.unit = unit;
    e.sid = sid;
    e.addr = addr;
    e.size = Math.min(dmaSize, 4096 - (addr & 0xFFF));
    knownDevices.add(sid);
  }

  void msi(ImportOutput out, long ts, int sid, long addr, long data) {
    TraceEvent e = out.emit(EventKind.MSI, ts);
    e.unit = unit;
    e.sid = sid;
    e.addr = addr;
    e.data = data;
  }

  /** An observed fault: for validation, never replayed. {@code write} null when the source does not say. */
  void fault(ImportOutput out, long ts, int sid, long addr, Boolean write, int reason, String vendor) {
    TraceEvent e = out.emit(EventKind.FAULT_OBSERVED, ts);
    e.unit = unit;
    e.sid = sid;
    e.addr = addr;
    e.perm = write == null ? Perm.READ_WRITE : write ? Perm.WRITE : Perm.READ;
    e.reason = reason;
    e.vendor = vendor;
  }

  // ---- invalidations -----------------------------------------------------------------------------

  TraceEvent invalidation(ImportOutput out, EventKind kind, long ts, Granularity g) {
    TraceEvent e = out.emit(kind, ts);
    e.unit = unit;
    e.granularity = g;
    return e;
  }

  void iotlbGlobal(ImportOutput out, long ts) {
    invalidation(out, EventKind.INV_IOTLB, ts, Granularity.GLOBAL);
  }

  void iotlbDomain(ImportOutput out, long ts, int domain) {
    invalidation(out, EventKind.INV_IOTLB, ts, Granularity.DOMAIN).domain = domain;
  }

  void iotlbPage(ImportOutput out, long ts, int domain, long addr, int am) {
    TraceEvent e = invalidation(out, EventKind.INV_IOTLB, ts, Granularity.PAGE);
    e.domain = domain;
    e.addr = addr & ~0xFFFL;
    e.am = (byte) am;
  }

  void contextGlobal(ImportOutput out, long ts) {
    invalidation(out, EventKind.INV_CONTEXT, ts, Granularity.GLOBAL);
  }

  void contextDomain(ImportOutput out, long ts, int domain) {
    invalidation(out, EventKind.INV_CONTEXT, ts, Granularity.DOMAIN).domain = domain;
  }

  void contextDevice(ImportOutput out, long ts, int sid) {
    invalidation(out, EventKind.INV_CONTEXT, ts, Granularity.DEVICE).sid = sid;
  }

  void iecGlobal(ImportOutput out, long ts) {
    invalidation(out, EventKind.INV_IEC, ts, Granularity.GLOBAL);
  }

  // ---- the 0x%d format bug -----------------------------------------------------------------------

  /**
   * A field printed "0x" + digits by a format that was once {@code 0x%d}: digits a-f make it hex;
   * otherwise {@code decimal_after_0x}, or with {@code auto} the reading that names a device (or
   * domain) the trace showed elsewhere; hex when neither or both do (noted).
   */
  long zeroX(ImportOutput out, long line, String text, Set<Integer> known, Boolean eraSaysDecimal) {
    long hex = Hex.value(text);
    if (!Hex.decimalDigitsOnly(text)) {
      return hex;
    }
    long dec = Hex.decimalAfterPrefix(text);
    if (hex == dec) {
      return hex;
    }
    boolean decimal;
    if (decimalAfter0x != null) {
      decimal = decimalAfter0x;
    } else if (eraSaysDecimal != null) {
      decimal = eraSaysDecimal;
    } else if (known.contains((int) hex) != known.contains((int) dec)) {
      decimal = known.contains((int) dec);
    } else {
      out.note(NOTE_AMBIGUOUS_0X, line, text);
      return hex;
    }
    if (decimal) {
      out.note(NOTE_DECIMAL_0X, line, text + " = " + dec);
    }
    return decimal ? dec : hex;
  }
}
