package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.SourceLines;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * QEMU's AMD-Vi model ({@code amdvi_*}). A translation prints {@code amdvi_iotlb_hit} or
 * {@code amdvi_cache_update} (a fill: domain id, page) and then {@code amdvi_translation_result}; the
 * two are paired per device into one access, a fill into attach and a 4 KiB map (QEMU's AMD IOTLB
 * holds 4 KiB pages; the trace prints no permissions, so the map is read-write). Invalidation commands
 * become inv_*; {@code amdvi_ir_remap_msi_req} an msi; {@code amdvi_page_fault} an observed fault
 * (IO_PAGE_FAULT, 0x2) without a device, which QEMU does not print.
 */
final class AmdviHandler {
  static final String NOTE_PERM = "AMD-Vi maps from IOTLB fills: permissions not in the trace, mapped read-write";
  static final String NOTE_FAULT_DEVICE = "AMD-Vi page faults: QEMU prints no device or direction";
  static final String NOTE_MSI = "AMD-Vi interrupt requests: the model remaps in VT-d format (replay with "
      + "ir.enabled=false to deliver them unchecked)";
  static final int IO_PAGE_FAULT = 0x2;

  private final QemuState st;

  private record Step(QemuRecord r, SourceLines lines) {}

  private final Map<Integer, Step> steps = new LinkedHashMap<>();

  AmdviHandler(QemuState st) {
    this.st = st;
  }

  void apply(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    long ts = r.ts();
    switch (r.kind()) {
      case A_IOTLB_HIT, A_CACHE_UPDATE -> {
        int sid = deviceOf(r);
        Step old = steps.remove(sid);
        if (old != null) {
          stepAlone(old, out);
        }
        steps.put(sid, new Step(r, lines));
        out.defer(lines);
        return;
      }
      case A_TRANSLATE -> {
        int sid = r.sid(0);
        st.knownDevices.add(sid);
        Step s = steps.remove(sid);
        if (s != null && (gpaOf(s.r()) >>> 12) != (v[1] >>> 12)) {
          stepAlone(s, out);
          s = null;
        }
        if (s != null) {
          fill(s.r(), ts, lines.first(), out);
          out.events(s.lines());
        }
        st.dma(out, ts, lines.first(), sid, v[1], null);
      }
      case A_PAGE_FAULT -> {
        out.note(NOTE_FAULT_DEVICE, lines.first(), null);
        st.fault(out, ts, -1, v[0], null, IO_PAGE_FAULT, "amdvi");
      }
      case A_PAGES_INVAL -> st.iotlbDomain(out, ts, (int) v[0]);
      case A_DEVTAB_INVAL -> st.contextDevice(out, ts, r.sid(0));
      case A_IOTLB_INVAL -> st.invalidation(out, EventKind.INV_DEVTLB, ts, Granularity.GLOBAL);
      case A_INTR_INVAL -> st.iecGlobal(out, ts);
      case A_ALL_INVAL -> {
        st.iotlbGlobal(out, ts);
        st.contextGlobal(out, ts);
        st.iecGlobal(out, ts);
      }
      default -> { // A_MSI_REQ
        out.note(NOTE_MSI, lines.first(), null);
        st.msi(out, ts, (int) v[2], v[0], v[1]);
      }
    }
    out.events(lines);
  }

  void finish(ImportOutput out) {
    for (Iterator<Step> it = steps.values().iterator(); it.hasNext(); ) {
      Step s = it.next();
      it.remove();
      stepAlone(s, out);
    }
  }

  private static int deviceOf(QemuRecord r) {
    return r.sid(r.kind() == QemuEvents.Kind.A_CACHE_UPDATE ? 1 : 0);
  }

  private static long gpaOf(QemuRecord r) {
    return r.v()[r.kind() == QemuEvents.Kind.A_CACHE_UPDATE ? 2 : 1];
  }

  /** A fill: the device is in the domain, the page is mapped. */
  private void fill(QemuRecord r, long ts, long line, ImportOutput out) {
    if (r.kind() != QemuEvents.Kind.A_CACHE_UPDATE) {
      return;
    }
    long[] v = r.v();
    int domain = (int) v[0];
    st.context(out, ts, r.sid(1), domain, false);
    if (st.map(out, ts, line, domain, v[2] & ~0xFFFL, v[3] & ~0xFFFL, 4096, 3, -1)) {
      out.note(NOTE_PERM, line, null);
    }
  }

  private void stepAlone(Step s, ImportOutput out) {
    QemuRecord r = s.r();
    fill(r, r.ts(), s.lines().first(), out);
    st.dma(out, r.ts(), s.lines().first(), deviceOf(r), gpaOf(r), null);
    out.events(s.lines());
  }
}
