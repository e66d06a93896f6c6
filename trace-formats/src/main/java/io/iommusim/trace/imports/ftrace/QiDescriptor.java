package io.iommusim.trace.imports.ftrace;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;

/**
 * Decodes a VT-d queued-invalidation descriptor (intel_iommu:qi_submit's qw0..qw3; field layout in
 * iommu-semantics.md §1 and Linux's {@code QI_*} macros) into the invalidation it asks for.
 */
final class QiDescriptor {
  /** The type names Linux prints for qw0[3:0] (trace.h __print_symbolic), index = type. */
  static final String[] TYPE_NAMES = {null, "cc_inv", "iotlb_inv", "dev_tlb_inv", "iec_inv", "inv_wait",
      "p_iotlb_inv", "pc_inv", "p_dev_tlb_inv", "page_grp_resp"};

  /** What one descriptor means for the model: an invalidation event, or why there is none. */
  record Decoded(EventKind kind, Granularity granularity, int domain, int sid, int pasid, long addr, int am,
      int index, String ignoredReason, String unparsedReason, String note) {

    static Decoded inv(EventKind kind, Granularity g, int domain, int sid, int pasid, long addr, int am, int index,
        String note) {
      return new Decoded(kind, g, domain, sid, pasid, addr, am, index, null, null, note);
    }

    static Decoded ignored(String reason) {
      return new Decoded(null, null, -1, -1, -1, 0, 0, -1, reason, null, null);
    }

    static Decoded unparsed(String reason) {
      return new Decoded(null, null, -1, -1, -1, 0, 0, -1, null, reason, null);
    }
  }

  static final String WAIT = "qi_submit inv_wait (completion wait, no invalidation)";
  static final String PC = "qi_submit pc_inv (PASID-cache invalidation: PASID tables not modelled)";
  static final String PGRP = "qi_submit page_grp_resp (page response: not modelled)";
  static final String NOTE_PASID_DOMAIN =
      "PASID-selective IOTLB invalidations applied to the whole domain (entries are not tagged by PASID)";
  static final String NOTE_FUNCTION_MASK = "context invalidations with a function mask applied to the named device only";

  private QiDescriptor() {}

  static Decoded decode(String typeName, long[] qw) {
    int type = (int) (qw[0] & 0xF);
    if (type >= TYPE_NAMES.length || TYPE_NAMES[type] == null) {
      return Decoded.unparsed("qi_submit: unknown descriptor type");
    }
    if (!TYPE_NAMES[type].equals(typeName)) {
      return Decoded.unparsed("qi_submit: type name disagrees with qw0");
    }
    long q0 = qw[0];
    long q1 = qw[1];
    int g = (int) (q0 >>> 4) & 3;
    switch (type) {
      case 1: { // context cache: G 1 global, 2 domain, 3 device; DID 31:16, SID 47:32, FM 49:48
        int did = (int) (q0 >>> 16) & 0xFFFF;
        if (g == 1) {
          return Decoded.inv(EventKind.INV_CONTEXT, Granularity.GLOBAL, -1, -1, -1, 0, 0, -1, null);
        }
        if (g == 2) {
          return Decoded.inv(EventKind.INV_CONTEXT, Granularity.DOMAIN, did, -1, -1, 0, 0, -1, null);
        }
        if (g == 3) {
          int fm = (int) (q0 >>> 48) & 3;
          return Decoded.inv(EventKind.INV_CONTEXT, Granularity.DEVICE, did, (int) (q0 >>> 32) & 0xFFFF, -1, 0, 0, -1,
              fm != 0 ? NOTE_FUNCTION_MASK : null);
        }
        return Decoded.unparsed("qi_submit: reserved granularity");
      }
      case 2: { // IOTLB: G 1 global, 2 domain, 3 page; DID 31:16; qw1 ADDR 63:12, AM 5:0
        int did = (int) (q0 >>> 16) & 0xFFFF;
        if (g == 1) {
          return Decoded.inv(EventKind.INV_IOTLB, Granularity.GLOBAL, -1, -1, -1, 0, 0, -1, null);
        }
        if (g == 2) {
          return Decoded.inv(EventKind.INV_IOTLB, Granularity.DOMAIN, did, -1, -1, 0, 0, -1, null);
        }
        if (g == 3) {
          return Decoded.inv(EventKind.INV_IOTLB, Granularity.PAGE, did, -1, -1, q1 & ~0xFFFL, (int) (q1 & 0x3F), -1, null);
        }
        return Decoded.unparsed("qi_submit: reserved granularity");
      }
      case 3: // device TLB: SID 47:32; qw1 ADDR 63:12, S bit 0
        return deviceTlb((int) (q0 >>> 32) & 0xFFFF, -1, q1, (q1 & 1) != 0);
      case 4: { // IEC: G bit 4 (1 index-selective), IM 31:27, IIDX 47:32
        if ((q0 & 0x10) == 0) {
          return Decoded.inv(EventKind.INV_IEC, Granularity.GLOBAL, -1, -1, -1, 0, 0, -1, null);
        }
        return Decoded.inv(EventKind.INV_IEC, Granularity.INDEX, -1, -1, -1, 0, (int) (q0 >>> 27) & 0x1F,
            (int) (q0 >>> 32) & 0xFFFF, null);
      }
      case 5:
        return Decoded.ignored(WAIT);
      case 6: { // PASID-based IOTLB: PASID 51:32, DID 31:16, G 2 non-globals in PASID, 3 page in PASID
        int did = (int) (q0 >>> 16) & 0xFFFF;
        int pasid = (int) (q0 >>> 32) & 0xFFFFF;
        if (g == 3) {
          return Decoded.inv(EventKind.INV_IOTLB, Granularity.PAGE, did, -1, pasid, q1 & ~0xFFFL, (int) (q1 & 0x3F), -1,
              null);
        }
        if (g == 2) {
          return Decoded.inv(EventKind.INV_IOTLB, Granularity.DOMAIN, did, -1, pasid, 0, 0, -1, NOTE_PASID_DOMAIN);
        }
        return Decoded.unparsed("qi_submit: reserved granularity");
      }
      case 7:
        return Decoded.ignored(PC);
      case 8: // PASID-based device TLB: PASID 51:32, SID 31:16; qw1 ADDR 63:12, S bit 11
        return deviceTlb((int) (q0 >>> 16) & 0xFFFF, (int) (q0 >>> 32) & 0xFFFFF, q1, (q1 & (1L << 11)) != 0);
      default:
        return Decoded.ignored(PGRP);
    }
  }

  /**
   * ATS range encoding: S=0 one 4 KiB page; S=1 2^(k+1) pages where k is the number of consecutive 1 bits
   * from address bit 12, the address aligned down to that size. A range of 2^52 pages or more is the
   * whole device TLB.
   */
  private static Decoded deviceTlb(int sid, int pasid, long q1, boolean sized) {
    long addr = q1 & ~0xFFFL;
    int am = 0;
    if (sized) {
      am = Long.numberOfTrailingZeros(~(addr >>> 12)) + 1;
      if (am >= 52) {
        return Decoded.inv(EventKind.INV_DEVTLB, Granularity.DEVICE, -1, sid, pasid, 0, 0, -1, null);
      }
      addr &= ~((1L << (12 + am)) - 1);
    }
    return Decoded.inv(EventKind.INV_DEVTLB, Granularity.PAGE, -1, sid, pasid, addr, am, -1, null);
  }
}
