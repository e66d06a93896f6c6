package io.iommusim.pipeline.validate;

import io.iommusim.translator.FaultReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which of the model's VT-d fault reasons an observed fault is equivalent to, by vendor, vendor code
 * and access (README, "Fault validation", has the table and its sources). The model simulates legacy
 * VT-d: DMA faults 0x01, 0x02, 0x04, 0x05 (writes), 0x06 (reads) and interrupt-remapping faults 0x20,
 * 0x21, 0x22, 0x24, 0x25, 0x26. Observed reasons map onto those classes:
 * <ul>
 *   <li>page faults (no translation, or no permission, for the access): VT-d 0x05/0x06 and the
 *       scalable-mode 0x71, 0x76, 0x77, 0x79, 0x85, 0x86; AMD-Vi IO_PAGE_FAULT (event 0x2); SMMUv3
 *       F_TRANSLATION (0x10) and F_PERMISSION (0x13); SMMUv2 FSR with TF (bit 1) or PF (bit 3) — a
 *       write is 0x05, a read 0x06, an unknown access either;
 *   <li>no root entry (0x01): VT-d 0x01, 0x39; SMMUv3 C_BAD_STREAMID (0x02: Linux's 2-level stream
 *       table has one level-2 table per bus, as VT-d has one root entry per bus);
 *   <li>no context (0x02): VT-d 0x02, 0x41, 0x51, 0x59 (the model translates PASID requests like
 *       requests without PASID, so a missing PASID directory or table entry is its missing context);
 *       SMMUv3 C_BAD_STE (0x04);
 *   <li>beyond the address width (0x04): VT-d 0x04, 0x74, 0x83, 0x84; SMMUv3 F_ADDR_SIZE (0x11);
 *   <li>interrupt remapping: VT-d 0x20–0x26 (each itself).
 * </ul>
 * Every other code has no equivalent: such observed faults are always missed.
 */
public final class ObservedReasons {
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String INTERRUPT = "interrupt";
  /** Observed faults only: the record does not say (AMD-Vi with PR=0, a canonical row without perm). */
  public static final String UNKNOWN = "unknown";

  /** A model fault an observed one matches: its access and VT-d reason code. */
  public record Equivalent(String access, int code) {}

  private static final int PAGE = -1;
  private static final Map<Integer, Integer> VTD_SCALABLE = Map.ofEntries(
      Map.entry(0x39, 0x01),
      Map.entry(0x41, 0x02), Map.entry(0x51, 0x02), Map.entry(0x59, 0x02),
      Map.entry(0x74, 0x04), Map.entry(0x83, 0x04), Map.entry(0x84, 0x04),
      Map.entry(0x71, PAGE), Map.entry(0x79, PAGE),
      Map.entry(0x76, 0x06), Map.entry(0x86, 0x06),
      Map.entry(0x77, 0x05), Map.entry(0x85, 0x05));
  private static final Map<Integer, Integer> SMMUV3 = Map.of(
      0x10, PAGE, 0x13, PAGE, 0x11, 0x04, 0x02, 0x01, 0x04, 0x02);
  private static final int AMDVI_IO_PAGE_FAULT = 0x2;
  private static final long SMMUV2_FSR_TF = 0x2;
  private static final long SMMUV2_FSR_PF = 0x8;

  private ObservedReasons() {}

  /** The vendor a fault_observed event means: its {@code vendor}, or {@code vtd} when it names none. */
  public static String vendor(String vendor) {
    return vendor == null ? "vtd" : vendor;
  }

  /** True for VT-d interrupt-remapping reasons (0x20–0x26): the record is about an interrupt request. */
  public static boolean isInterrupt(String vendor, int code) {
    return vendor(vendor).equals("vtd") && code >= 0x20 && code <= 0x26;
  }

  /**
   * The access of an observed fault: {@code interrupt} for VT-d interrupt-remapping reasons, else from
   * {@code perm} (r read, w write, anything else unknown).
   */
  public static String access(String vendor, int code, byte perm) {
    if (isInterrupt(vendor, code)) {
      return INTERRUPT;
    }
    return perm == io.iommusim.trace.Perm.READ ? READ : perm == io.iommusim.trace.Perm.WRITE ? WRITE : UNKNOWN;
  }

  /** The model faults an observed fault of {@code vendor}/{@code code} with {@code access} is equivalent to. */
  public static List<Equivalent> equivalents(String vendor, int code, String access) {
    List<Equivalent> out = new ArrayList<>();
    if (access.equals(INTERRUPT)) {
      if (isInterrupt(vendor, code) && produced(code)) {
        out.add(new Equivalent(INTERRUPT, code));
      }
      return out;
    }
    Integer model = switch (vendor(vendor)) {
      case "vtd" -> code < 0x20 ? Integer.valueOf(code) : VTD_SCALABLE.get(code);
      case "amdvi" -> code == AMDVI_IO_PAGE_FAULT ? PAGE : null;
      case "smmuv3" -> SMMUV3.get(code);
      case "smmuv2" -> (code & (SMMUV2_FSR_TF | SMMUV2_FSR_PF)) != 0 ? PAGE : null;
      default -> null;
    };
    if (model == null || (model != PAGE && !produced(model))) {
      return out;
    }
    boolean read = !access.equals(WRITE);
    boolean write = !access.equals(READ);
    if (model == PAGE || model == 0x06) {
      if (read) {
        out.add(new Equivalent(READ, 0x06));
      }
    }
    if (model == PAGE || model == 0x05) {
      if (write) {
        out.add(new Equivalent(WRITE, 0x05));
      }
    }
    if (model != PAGE && model != 0x05 && model != 0x06) {
      if (read) {
        out.add(new Equivalent(READ, model));
      }
      if (write) {
        out.add(new Equivalent(WRITE, model));
      }
    }
    return out;
  }

  /** The equivalent codes as text, e.g. {@code 0x05|0x06}, or {@code none}. */
  public static String equivalentText(List<Equivalent> equivalents) {
    TreeSet<Integer> codes = new TreeSet<>();
    for (Equivalent e : equivalents) {
      codes.add(e.code());
    }
    if (codes.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    for (int c : codes) {
      parts.add(String.format("0x%02x", c));
    }
    return String.join("|", parts);
  }

  /** Whether the model ever produces this VT-d reason (0x23 it cannot: see {@link FaultReason}). */
  static boolean produced(int code) {
    if (code == 0x23) {
      return false;
    }
    for (FaultReason r : FaultReason.values()) {
      if (r.code() == code) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where a fault happened, for matching: the 4 KiB page number ({@code addr >>> 12}) of a DMA fault;
   * for an interrupt fault the IRTE index, except for 0x20 and 0x25, which the model raises before the
   * request names an index (-1, matched on device and reason alone).
   */
  public static long location(String access, int code, long addr, int irteIndex) {
    if (access.equals(INTERRUPT)) {
      return code == 0x20 || code == 0x25 ? -1 : irteIndex;
    }
    return addr >>> 12;
  }
}
