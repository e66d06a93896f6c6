package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.SourceLines;
import io.iommusim.trace.imports.qemu.QemuEvents.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's Intel VT-d model ({@code vtd_*}): translations into DMA accesses, context-cache and replay
 * lines into attach, IOTLB fills and page walks into map state, faults into a DMA plus an observed
 * fault, invalidation descriptors into inv_*, interrupt requests into msi and the IRTEs read for them
 * into irte_set.
 *
 * <p>One translation prints {@code vtd_iotlb_page_hit} or {@code _update} (device, IOVA, leaf PTE,
 * domain) and then {@code vtd_dmar_translate} (device, page, page mask): the two are paired per
 * device into one access, the leaf and mask into the page's map. Either alone is still one access.
 * A raw {@code vtd_inv_desc} is decoded from its descriptor words, and the decoded
 * {@code vtd_inv_desc_*} lines QEMU prints after it are then ignored; without the raw line they are
 * imported themselves.
 */
final class VtdHandler {
  static final String CONTEXT_KNOWN = "context already imported";
  static final String MAP_KNOWN = "map state already imported";
  static final String MAPS_OFF = "map state not imported (maps=none)";
  static final String SCALABLE_CONTEXT = "scalable-mode context entry (the domain comes from the IOTLB lines)";
  static final String CONTEXT_RESERVED = "context entry with reserved translation type";
  static final String TRANSLATED_FROM_NOW = "device translated from now on (its context lines give the domain)";
  static final String NOT_ATTACHED = "context not present for a device without a context";
  static final String WALK_NO_DOMAIN = "vtd_page_walk_one: no domain (no vtd_replay_ce_valid before it)";
  static final String DECODED_DESCRIPTOR = "decoded form of the preceding vtd_inv_desc line";
  static final String DEVICES_FOLLOW = "the devices follow as vtd_inv_desc_cc_device lines";
  static final String DESCRIPTOR_OTHER = "descriptor without effect on translation caches";
  static final String DESCRIPTOR_UNKNOWN = "vtd_inv_desc: unknown descriptor type";
  static final String ROOT = "root table address (scalable mode noted)";
  static final String IRTE_KNOWN = "IRTE already imported";
  static final String IOAPIC = "remap without a device request (IOAPIC)";
  static final String MSI_NO_SID = "MSI without a requester id (give -o msi_sid=bb:dd.f)";
  static final String NOTE_IR_DISABLED = "the guest disabled interrupt remapping (replay with ir.enabled=false "
      + "from here)";
  static final String NOTE_SUPERPAGE = "superpage leaves without a vtd_dmar_translate line: page size unknown, no map";
  static final String NOTE_MSI_SID_IRTE = "MSI requester inferred from the IRTE's source-id field";
  static final String NOTE_MSI_SID_OPTION = "MSI requester taken from msi_sid";
  static final String NOTE_PASID_INV = "PASID-based invalidations applied to the whole domain's IOVA range";

  private static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
  private static final long PS = 1L << 7;

  private final QemuState st;
  private boolean scalable;
  private int walkDomain = -1;
  private int replayDevice = -1;
  /** The type of the last raw descriptor, until a line other than a descriptor's. */
  private int rawType = -1;

  /** An IOTLB lookup waiting for its vtd_dmar_translate. */
  private record Step(QemuRecord r, SourceLines lines) {}

  private final Map<Integer, Step> steps = new LinkedHashMap<>();
  private final Map<Integer, long[]> irtes = new HashMap<>();

  // the interrupt request being remapped
  private QemuRecord msi;
  private final List<SourceLines> msiLines = new ArrayList<>();
  private int msiErrorSid = -1;
  private long irteHi = -1;

  VtdHandler(QemuState st) {
    this.st = st;
  }

  /** Called for every record first: ends a pending interrupt request and the raw descriptor's scope. */
  void before(QemuRecord r, ImportOutput out) {
    Kind k = r.kind();
    if (msi != null && !k.isInterruptRemapping()) {
      flushMsi(out);
    }
    if (k != Kind.V_INV_DESC && !k.isDecodedDescriptor()) {
      rawType = -1;
    }
    if (k != Kind.V_REPLAY_VALID && k != Kind.V_WALK_ONE) {
      replayDevice = -1;
    }
  }

  void apply(QemuRecord r, SourceLines lines, ImportOutput out) {
    long ts = r.ts();
    long[] v = r.v();
    switch (r.kind()) {
      case V_TRANSLATE -> translate(r, lines, out);
      case V_IOTLB_HIT, V_IOTLB_UPDATE -> {
        int sid = r.sid(0);
        st.knownDevices.add(sid);
        st.knownDomains.add((int) v[3]);
        Step old = steps.remove(sid);
        if (old != null) {
          stepAlone(old, out);
        }
        steps.put(sid, new Step(r, lines));
        out.defer(lines);
      }
      case V_PASSTHROUGH -> {
        int sid = (int) st.zeroX(out, lines.first(), r.s()[0], st.knownDevices, null);
        st.context(out, ts, sid, -1, true);
        st.dma(out, ts, lines.first(), sid, v[0], null);
        out.events(lines);
      }
      case V_CONTEXT_HIT, V_CONTEXT_UPDATE -> contextEntry(r, lines, out);
      case V_SWITCH_AS -> {
        if (v[1] != 0) {
          out.ignored(lines, TRANSLATED_FROM_NOW);
        } else {
          settle(st.context(out, ts, r.sid(0), -1, true), lines, out, CONTEXT_KNOWN);
        }
      }
      case V_CE_NOT_PRESENT -> settle(st.detach(out, ts, (int) (v[0] << 8 | v[1])), lines, out, NOT_ATTACHED);
      case V_REPLAY_VALID -> {
        walkDomain = (int) v[1];
        replayDevice = r.sid(0);
        settle(st.context(out, ts, r.sid(0), (int) v[1], false), lines, out, CONTEXT_KNOWN);
      }
      case V_REPLAY_INVALID -> settle(st.detach(out, ts, r.sid(0)), lines, out, NOT_ATTACHED);
      case V_WALK_ONE -> walkOne(r, lines, out);
      case V_FAULT -> {
        boolean write = v[3] != 0;
        st.dma(out, ts, lines.first(), r.sid(0), v[2], write);
        st.fault(out, ts, r.sid(0), v[2], write, (int) v[1], "vtd");
        out.events(lines);
      }
      case V_DMAR_ROOT -> {
        scalable = r.era() == 0 && v[1] != 0;
        out.ignored(lines, ROOT);
      }
      case V_IR_ENABLE -> {
        if (v[0] == 0) {
          out.note(NOTE_IR_DISABLED, lines.first(), null);
        }
        out.ignored(lines, QemuEvents.REGISTERS);
      }
      case V_INV_DESC -> rawDescriptor(r, lines, out);
      case V_MSI_REQ -> {
        msi = r;
        msiLines.add(lines);
        out.defer(lines);
      }
      case V_IRTE_GET -> irteGet(r, lines, out);
      case V_REMAP_MSI -> {
        if (msi == null) {
          out.ignored(lines, IOAPIC);
        } else {
          msiLines.add(lines);
          out.defer(lines);
          flushMsi(out);
        }
      }
      case V_IR_SID_ERROR -> {
        if (msi == null) {
          out.ignored(lines, QemuEvents.IR_DETAIL);
        } else {
          msiErrorSid = (int) v[1];
          msiLines.add(lines);
          out.defer(lines);
        }
      }
      case V_IR_MSI_INVALID -> {
        if (msi == null) {
          st.msi(out, ts, r.sid(0), v[1], v[2]);
          out.events(lines);
        } else {
          msiErrorSid = r.sid(0);
          msiLines.add(lines);
          out.defer(lines);
          flushMsi(out);
        }
      }
      case V_IR_OTHER -> out.ignored(lines, QemuEvents.IR_DETAIL);
      default -> decodedDescriptor(r, lines, out);
    }
  }

  void finish(ImportOutput out) {
    flushSteps(out);
    if (msi != null) {
      flushMsi(out);
    }
  }

  private static void settle(boolean emitted, SourceLines lines, ImportOutput out, String ignoredReason) {
    if (emitted) {
      out.events(lines);
    } else {
      out.ignored(lines, ignoredReason);
    }
  }

  // ---- translations ------------------------------------------------------------------------------

  /** {@code dev bb:dd.f iova PAGE -> gpa PAGE mask MASK}: with the lookup before it, one access. */
  private void translate(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    int sid = r.sid(0);
    long mask = v[3];
    st.knownDevices.add(sid);
    Step s = steps.remove(sid);
    if (s != null && (s.r().v()[1] & ~mask) != v[1]) {
      stepAlone(s, out);
      s = null;
    }
    if (s == null) {
      st.dma(out, r.ts(), lines.first(), sid, v[1], null);
      out.events(lines);
      return;
    }
    long[] l = s.r().v();
    int domain = (int) l[3];
    st.context(out, r.ts(), sid, domain, false);
    st.map(out, r.ts(), lines.first(), domain, v[1], v[2] & ~mask, mask + 1, (int) (l[2] & 3), -1);
    st.dma(out, r.ts(), lines.first(), sid, l[1], null);
    out.events(s.lines());
    out.events(lines);
  }

  /** A lookup whose vtd_dmar_translate never came: still one access; its leaf is a map if it is 4 KiB. */
  private void stepAlone(Step s, ImportOutput out) {
    QemuRecord r = s.r();
    long[] l = r.v();
    int sid = r.sid(0);
    int domain = (int) l[3];
    st.context(out, r.ts(), sid, domain, false);
    if ((l[2] & PS) == 0) {
      st.map(out, r.ts(), s.lines().first(), domain, l[1] & ~0xFFFL, l[2] & ADDRESS_MASK, 4096, (int) (l[2] & 3), -1);
    } else {
      out.note(NOTE_SUPERPAGE, s.lines().first(), null);
    }
    st.dma(out, r.ts(), s.lines().first(), sid, l[1], null);
    out.events(s.lines());
  }

  private void flushSteps(ImportOutput out) {
    for (Iterator<Step> it = steps.values().iterator(); it.hasNext(); ) {
      Step s = it.next();
      it.remove();
      stepAlone(s, out);
    }
  }

  /**
   * A context-cache hit or fill: the legacy context entry, hi[23:8] DID, lo[3:2] TT (2 = pass-through).
   * Scalable-mode entries hold no DID.
   */
  private void contextEntry(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    int sid = (int) (v[0] << 8 | v[1]);
    st.knownDevices.add(sid);
    if (scalable) {
      out.ignored(lines, SCALABLE_CONTEXT);
      return;
    }
    long hi = v[2];
    long lo = v[3];
    int tt = (int) (lo >>> 2) & 3;
    if ((lo & 1) == 0 || tt == 3) {
      out.ignored(lines, CONTEXT_RESERVED);
      return;
    }
    settle(st.context(out, r.ts(), sid, (int) (hi >>> 8) & 0xFFFF, tt == 2), lines, out, CONTEXT_KNOWN);
  }

  /**
   * {@code domain D iova I -> gpa G mask M perm P} (perm 0: unmapped; 1 read, 2 write, 3 both); the
   * first version printed the level instead of the domain, which then comes from the replay it is in.
   */
  private void walkOne(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    int domain;
    int o;
    if (r.era() == 0) {
      domain = (int) st.zeroX(out, lines.first(), r.s()[0], st.knownDomains, null);
      o = 0;
    } else {
      domain = walkDomain;
      o = 1;
    }
    if (domain < 0 || domain > 0xFFFF) {
      out.unparsed(lines, WALK_NO_DOMAIN);
      return;
    }
    if (!st.maps) {
      out.ignored(lines, MAPS_OFF);
      return;
    }
    long iova = v[o];
    long gpa = v[o + 1];
    long mask = v[o + 2];
    int perm = (int) v[o + 3];
    if (perm == 0) {
      st.unmap(out, r.ts(), domain, iova, mask + 1);
      out.events(lines);
      return;
    }
    settle(st.map(out, r.ts(), lines.first(), domain, iova, gpa, mask + 1, perm, replayDevice), lines, out, MAP_KNOWN);
  }

  // ---- invalidations -----------------------------------------------------------------------------

  /**
   * A queued-invalidation descriptor, low = qw0 (type in bits 3:0), high = qw1 (VT-d spec, see
   * iommu-semantics.md 1.5): context-cache, IOTLB, device-TLB, IEC, PASID-based IOTLB and device-TLB.
   */
  private void rawDescriptor(QemuRecord r, SourceLines lines, ImportOutput out) {
    long hi = r.v()[0];
    long lo = r.v()[1];
    long ts = r.ts();
    int type = (int) lo & 0xF;
    rawType = type;
    int g = (int) (lo >>> 4) & 3;
    int did = (int) (lo >>> 16) & 0xFFFF;
    switch (type) {
      case 1 -> {
        if (g == 1) {
          st.contextGlobal(out, ts);
        } else if (g == 2) {
          st.contextDomain(out, ts, did);
        } else if (g == 3) {
          contextDevices(out, ts, (int) (lo >>> 32) & 0xFFFF, (int) (lo >>> 48) & 3);
        } else {
          out.unparsed(lines, DESCRIPTOR_UNKNOWN);
          return;
        }
      }
      case 2 -> {
        if (g == 1) {
          st.iotlbGlobal(out, ts);
        } else if (g == 2) {
          st.iotlbDomain(out, ts, did);
        } else if (g == 3) {
          st.iotlbPage(out, ts, did, hi, (int) hi & 0x3F);
        } else {
          out.unparsed(lines, DESCRIPTOR_UNKNOWN);
          return;
        }
      }
      case 3 -> deviceTlb(out, ts, (int) (lo >>> 32) & 0xFFFF, hi);
      case 4 -> {
        if ((lo >>> 4 & 1) == 0) {
          st.iecGlobal(out, ts);
        } else {
          iecIndex(out, ts, (int) (lo >>> 32) & 0xFFFF, (int) (lo >>> 27) & 0x1F);
        }
      }
      case 6 -> {
        out.note(NOTE_PASID_INV, lines.first(), null);
        if (g == 3) {
          st.iotlbPage(out, ts, did, hi, (int) hi & 0x3F);
        } else {
          st.iotlbDomain(out, ts, did);
        }
      }
      case 8 -> {
        TraceEvent e = st.invalidation(out, EventKind.INV_DEVTLB, ts, Granularity.DEVICE);
        e.sid = (int) (lo >>> 16) & 0xFFFF;
        out.note(NOTE_PASID_INV, lines.first(), null);
      }
      case 5, 7, 9, 10, 11 -> {
        out.ignored(lines, type == 5 ? QemuEvents.WAIT : type == 7 ? QemuEvents.PASID_CACHE : DESCRIPTOR_OTHER);
        return;
      }
      default -> {
        out.unparsed(lines, DESCRIPTOR_UNKNOWN);
        return;
      }
    }
    out.events(lines);
  }

  /** The decoded lines: imported only when no raw descriptor of their type came just before. */
  private void decodedDescriptor(QemuRecord r, SourceLines lines, ImportOutput out) {
    Kind k = r.kind();
    int type = switch (k) {
      case V_CC_GLOBAL, V_CC_DOMAIN, V_CC_DEVICE, V_CC_DEVICES -> 1;
      case V_IEC -> 4;
      case V_IOTLB_PASID_PAGES, V_IOTLB_PASID -> 6;
      default -> 2;
    };
    if (rawType == type) {
      out.ignored(lines, DECODED_DESCRIPTOR);
      return;
    }
    long[] v = r.v();
    long ts = r.ts();
    switch (k) {
      case V_CC_GLOBAL -> st.contextGlobal(out, ts);
      case V_CC_DOMAIN -> st.contextDomain(out, ts, (int) v[0]);
      case V_CC_DEVICE -> st.contextDevice(out, ts, r.sid(0));
      case V_CC_DEVICES -> {
        out.ignored(lines, DEVICES_FOLLOW);
        return;
      }
      case V_IOTLB_GLOBAL -> st.iotlbGlobal(out, ts);
      case V_IOTLB_DOMAIN -> st.iotlbDomain(out, ts, (int) v[0]);
      case V_IOTLB_PAGES -> st.iotlbPage(out, ts, (int) v[0], v[1], (int) v[2]);
      case V_IOTLB_PASID_PAGES -> {
        out.note(NOTE_PASID_INV, lines.first(), null);
        st.iotlbPage(out, ts, (int) v[0], v[1], (int) v[2]);
      }
      case V_IOTLB_PASID -> {
        out.note(NOTE_PASID_INV, lines.first(), null);
        st.iotlbDomain(out, ts, (int) v[0]);
      }
      default -> { // V_IEC: granularity is the descriptor's G bit (0 global, 1 index-selective)
        if (v[0] == 0) {
          st.iecGlobal(out, ts);
        } else {
          iecIndex(out, ts, (int) v[1], (int) v[2]);
        }
      }
    }
    out.events(lines);
  }

  /** Device-selective context invalidation with function mask FM: 0 exact, 1/2/3 ignore SID bits 2, 2:1, 2:0. */
  private void contextDevices(ImportOutput out, long ts, int sid, int fm) {
    int m = new int[] {0, 4, 6, 7}[fm];
    for (int i = 0; i <= m; i++) {
      if ((i & ~m) == 0) {
        st.contextDevice(out, ts, (sid & ~m) | i);
      }
    }
  }

  /**
   * Device-TLB invalidation: qw1 bits 63:12 address, bit 0 S. S=0 is one 4 KiB page; S=1 is
   * 8 KiB << n where n is the number of 1 bits from address bit 12 up (the ATS size encoding).
   */
  private void deviceTlb(ImportOutput out, long ts, int sid, long hi) {
    long addr = hi & ~0xFFFL;
    TraceEvent e;
    if ((hi & 1) == 0) {
      e = st.invalidation(out, EventKind.INV_DEVTLB, ts, Granularity.PAGE);
      e.addr = addr;
    } else {
      int ones = Long.numberOfTrailingZeros(~(addr >>> 12));
      if (ones >= 51) {
        e = st.invalidation(out, EventKind.INV_DEVTLB, ts, Granularity.DEVICE);
      } else {
        int am = ones + 1;
        e = st.invalidation(out, EventKind.INV_DEVTLB, ts, Granularity.PAGE);
        e.addr = addr & -(4096L << am);
        e.am = (byte) am;
      }
    }
    e.sid = sid;
  }

  private void iecIndex(ImportOutput out, long ts, int index, int am) {
    TraceEvent e = st.invalidation(out, EventKind.INV_IEC, ts, Granularity.INDEX);
    e.index = index;
    e.am = (byte) am;
  }

  // ---- interrupt remapping -----------------------------------------------------------------------

  /** The IRTE QEMU read from guest memory (it caches none): the table's current entry. */
  private void irteGet(QemuRecord r, SourceLines lines, ImportOutput out) {
    long[] v = r.v();
    int index = (int) v[0];
    long lo = v[1];
    long hi = v[2];
    if (msi != null) {
      irteHi = hi;
    }
    long[] old = irtes.get(index);
    if (old != null && old[0] == lo && old[1] == hi) {
      out.ignored(lines, IRTE_KNOWN);
      return;
    }
    irtes.put(index, new long[] {lo, hi});
    TraceEvent e = out.emit(EventKind.IRTE_SET, r.ts());
    e.unit = st.unit;
    e.index = index;
    e.irteLo = lo;
    e.irteHi = hi;
    out.events(lines);
  }

  /**
   * The pending interrupt request, with its requester: printed by newer builds, or named by an old
   * source-id error line, or inferred from the IRTE QEMU read for it (source validation passed, so the
   * requester matches its SID: SVT 1 the SID, SVT 2 the first bus of the range), or {@code msi_sid}.
   */
  private void flushMsi(ImportOutput out) {
    QemuRecord r = msi;
    long[] v = r.v();
    long first = msiLines.get(0).first();
    int sid;
    if (r.era() == 1) {
      sid = (int) v[2];
    } else if (msiErrorSid >= 0) {
      sid = msiErrorSid;
    } else if (irteHi >= 0 && (irteHi >>> 18 & 3) == 1) {
      sid = (int) irteHi & 0xFFFF;
      out.note(NOTE_MSI_SID_IRTE, first, null);
    } else if (irteHi >= 0 && (irteHi >>> 18 & 3) == 2) {
      sid = (int) (irteHi >>> 8 & 0xFF) << 8;
      out.note(NOTE_MSI_SID_IRTE, first, null);
    } else if (st.msiSid >= 0) {
      sid = st.msiSid;
      out.note(NOTE_MSI_SID_OPTION, first, null);
    } else if (irteHi >= 0) {
      sid = (int) irteHi & 0xFFFF;
      out.note(NOTE_MSI_SID_IRTE, first, null);
    } else {
      sid = -1;
    }
    if (sid >= 0) {
      st.msi(out, r.ts(), sid, v[0], v[1]);
    }
    for (SourceLines l : msiLines) {
      if (sid >= 0) {
        out.events(l);
      } else {
        out.unparsed(l, MSI_NO_SID);
      }
    }
    msi = null;
    msiLines.clear();
    msiErrorSid = -1;
    irteHi = -1;
  }
}
