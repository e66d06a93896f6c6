package io.iommusim.trace.generate;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An independent, deliberately naive model of attach/map/unmap state used to judge generated
 * streams: which device is attached to which domain, and which IOVA ranges each domain maps.
 */
final class MappingOracle {
  record Range(long start, long size, int perm) {
    long end() {
      return start + size;
    }
  }

  final Map<Integer, Integer> domainOfSid = new HashMap<>();
  final Map<Integer, TreeMap<Long, Range>> mappings = new HashMap<>();

  /**
   * Applies a control event; fails on an overlapping map or an unmap that removes nothing exactly.
   * Interrupt and invalidation events are accepted and change nothing here.
   */
  void apply(TraceEvent e) {
    switch (e.kind) {
      case ATTACH:
        domainOfSid.put(e.sid, e.domain);
        break;
      case MAP: {
        TreeMap<Long, Range> m = mappings.computeIfAbsent(e.domain, d -> new TreeMap<>());
        if (overlaps(m, e.addr, e.size)) {
          throw new AssertionError("map overlaps a live mapping: " + e);
        }
        m.put(e.addr, new Range(e.addr, e.size, e.perm));
        break;
      }
      case UNMAP: {
        TreeMap<Long, Range> m = mappings.get(e.domain);
        Range r = m == null ? null : m.get(e.addr);
        if (r == null || r.size() != e.size) {
          throw new AssertionError("unmap of something not mapped: " + e);
        }
        m.remove(e.addr);
        break;
      }
      case MSI:
      case IRTE_SET:
      case IRTE_CLEAR:
      case INV_IOTLB:
      case INV_CONTEXT:
      case INV_DEVTLB:
      case INV_IEC:
        break; // interrupts and cache invalidations leave attachments and mappings as they are
      default:
        throw new AssertionError("not a control event: " + e);
    }
  }

  private static boolean overlaps(TreeMap<Long, Range> m, long start, long size) {
    Map.Entry<Long, Range> below = m.floorEntry(start + size - 1);
    return below != null && below.getValue().end() > start;
  }

  /** The live range wholly containing [addr, addr+size), or null. */
  Range find(int domain, long addr, long size) {
    TreeMap<Long, Range> m = mappings.get(domain);
    if (m == null) {
      return null;
    }
    Map.Entry<Long, Range> e = m.floorEntry(addr);
    return e != null && addr + size <= e.getValue().end() ? e.getValue() : null;
  }

  /** True when the DMA's device is attached and a live mapping covers it with the needed permission. */
  boolean allows(TraceEvent dma) {
    Integer domain = domainOfSid.get(dma.sid);
    if (domain == null) {
      return false;
    }
    Range r = find(domain, dma.addr, dma.size);
    int needed = dma.kind == EventKind.DMA_WRITE ? Perm.WRITE : Perm.READ;
    return r != null && (r.perm() & needed) != 0;
  }

  int liveMappings() {
    return mappings.values().stream().mapToInt(Map::size).sum();
  }
}
