package io.iommusim.trace.generate;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * An independent VT-d interrupt-remapping model written from the tables of iommu-semantics §1.4 (not
 * from the generator): decodes IRTE words and remappable MSI addresses, and says which fault reason a
 * given MSI must produce, with compatibility-format interrupts blocked as Linux configures them.
 */
final class InterruptOracle {
  /** The fields of a 128-bit IRTE, bit positions straight from the spec table. */
  record Irte(boolean present, boolean fpd, boolean destinationLogical, boolean redirectionHint, boolean levelTriggered,
      int deliveryMode, int vector, long destination, int sid, int sq, int svt, boolean reservedClear) {
    static Irte decode(long lo, long hi) {
      boolean reservedLo = ((lo >>> 12) & 0x7) == 0 && ((lo >>> 24) & 0xFF) == 0; // bits 14:12, 31:24
      boolean reservedHi = (hi >>> 20) == 0; // bits 127:84
      return new Irte((lo & 1) != 0, (lo >>> 1 & 1) != 0, (lo >>> 2 & 1) != 0, (lo >>> 3 & 1) != 0,
          (lo >>> 4 & 1) != 0, (int) (lo >>> 5 & 0x7), (int) (lo >>> 16 & 0xFF), lo >>> 32,
          (int) (hi & 0xFFFF), (int) (hi >>> 16 & 0x3), (int) (hi >>> 18 & 0x3), reservedLo && reservedHi);
    }
  }

  /** The fields of a 32-bit MSI address as the remapping hardware reads it. */
  record MsiAddress(boolean inWindow, boolean remappable, boolean shv, int handle) {
    static MsiAddress decode(long addr) {
      boolean window = (addr >>> 32) == 0 && ((addr >>> 20) & 0xFFF) == 0xFEE;
      int handle = (int) ((addr >>> 5) & 0x7FFF) | (int) ((addr >>> 2) & 1) << 15;
      return new MsiAddress(window, (addr >>> 4 & 1) != 0, (addr >>> 3 & 1) != 0, handle);
    }
  }

  private static final int[] SQ_MASK = {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8};

  final Map<Integer, Irte> table = new HashMap<>();

  void apply(TraceEvent e) {
    if (e.kind == EventKind.IRTE_SET) {
      table.put(e.index, Irte.decode(e.irteLo, e.irteHi));
    } else if (e.kind == EventKind.IRTE_CLEAR) {
      table.remove(e.index);
    }
  }

  /** The IRTE index an MSI selects, or -1 when the request is malformed. */
  static int index(TraceEvent msi) {
    MsiAddress a = MsiAddress.decode(msi.addr);
    if (!a.shv()) {
      return a.handle();
    }
    return (msi.data >>> 16) != 0 ? -1 : a.handle() + (int) (msi.data & 0xFFFF);
  }

  /** "ok", or the VT-d interrupt-remapping fault reason as text ("0x20" … "0x26"). */
  String classify(TraceEvent msi) {
    MsiAddress a = MsiAddress.decode(msi.addr);
    if (!a.inWindow()) {
      return "0x20";
    }
    if (!a.remappable()) {
      return "0x25";
    }
    int index = index(msi);
    if (index < 0) {
      return "0x20";
    }
    Irte irte = table.get(index);
    if (irte == null || !irte.present()) {
      return "0x22";
    }
    if (!irte.reservedClear()) {
      return "0x24";
    }
    switch (irte.svt()) {
      case 0:
        return "ok";
      case 1: {
        int mask = SQ_MASK[irte.sq()];
        return (msi.sid & mask) == (irte.sid() & mask) ? "ok" : "0x26";
      }
      case 2: {
        int bus = Sid.bus(msi.sid);
        return bus >= (irte.sid() & 0xFF) && bus <= (irte.sid() >>> 8 & 0xFF) ? "ok" : "0x26";
      }
      default:
        return "0x26";
    }
  }
}
