package io.iommusim.pipeline.ingest;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Which replay group each event belongs to. A group is the unit of shared translation state that
 * one task must replay in order: with {@code partition.by=device}, a connected component of the
 * graph whose nodes are devices and domains and whose edges are the trace's attaches (devices that
 * ever share a domain share its page table, so they replay together); with {@code partition.by=unit},
 * a whole IOMMU unit. Domain ids are scoped per unit (VT-d DIDs are per remapping unit).
 *
 * <p>Routing: events of one device (DMA, attach, detach, device-selective invalidations) go to the
 * device's group; page-table events (map, unmap, domain- and page-selective invalidations) go to the
 * domain's group; unit-wide events ({@link VtdTranslator#isBroadcast}) go to every group and are not
 * routed here.
 */
public final class ReplayGroups implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Returned for events that are broadcast rather than routed. */
  public static final long BROADCAST = Long.MIN_VALUE;

  private static final long DEVICE_TAG = 0L;
  private static final long DOMAIN_TAG = 1L << 32;
  private static final long UNIT_TAG = 2L << 32;

  private final PartitionBy partitionBy;
  /** Node (device or domain key) → group id, for nodes that take part in some attach. */
  private final HashMap<Long, Long> groupOfNode;

  private ReplayGroups(PartitionBy partitionBy, HashMap<Long, Long> groupOfNode) {
    this.partitionBy = partitionBy;
    this.groupOfNode = groupOfNode;
  }

  private static long deviceNode(int unit, int sid) {
    return ((long) unit << 34) | DEVICE_TAG | (sid & 0xFFFFFFFFL);
  }

  private static long domainNode(int unit, int domain) {
    return ((long) unit << 34) | DOMAIN_TAG | (domain & 0xFFFFFFFFL);
  }

  private static long unitNode(int unit) {
    return ((long) unit << 34) | UNIT_TAG;
  }

  public long groupOf(TraceEvent e) {
    if (VtdTranslator.isBroadcast(e)) {
      return BROADCAST;
    }
    if (partitionBy == PartitionBy.UNIT) {
      return unitNode(e.unit);
    }
    boolean byDomain;
    switch (e.kind) {
      case MAP:
      case UNMAP:
        byDomain = true;
        break;
      case INV_IOTLB:
        byDomain = true; // domain or page granularity (global ones are broadcast)
        break;
      case INV_CONTEXT:
        byDomain = e.sid < 0;
        break;
      default:
        byDomain = e.sid < 0 && e.domain >= 0;
        break;
    }
    long node;
    if (byDomain) {
      node = e.domain >= 0 ? domainNode(e.unit, e.domain) : unitNode(e.unit);
    } else {
      node = e.sid >= 0 ? deviceNode(e.unit, e.sid) : unitNode(e.unit);
    }
    Long g = groupOfNode.get(node);
    return g != null ? g : node;
  }

  public int groupCount() {
    return (int) groupOfNode.values().stream().distinct().count();
  }

  /** Union-find over the attach edges, collected on the driver from the trace's context events. */
  public static final class Builder {
    private final PartitionBy partitionBy;
    private final Map<Long, Long> parent = new HashMap<>();

    public Builder(PartitionBy partitionBy) {
      this.partitionBy = partitionBy;
    }

    public void add(TraceEvent e) {
      if (e.sid < 0) {
        return;
      }
      long device = deviceNode(e.unit, e.sid);
      find(device);
      if (e.kind == EventKind.ATTACH && e.domain >= 0) {
        union(device, domainNode(e.unit, e.domain));
      }
    }

    private long find(long x) {
      Long p = parent.get(x);
      if (p == null) {
        parent.put(x, x);
        return x;
      }
      if (p == x) {
        return x;
      }
      long root = find(p);
      parent.put(x, root);
      return root;
    }

    private void union(long a, long b) {
      long ra = find(a);
      long rb = find(b);
      if (ra != rb) {
        // the smaller id becomes the root, so group ids do not depend on the order of events
        if (ra < rb) {
          parent.put(rb, ra);
        } else {
          parent.put(ra, rb);
        }
      }
    }

    public ReplayGroups build() {
      HashMap<Long, Long> groups = new HashMap<>();
      if (partitionBy == PartitionBy.DEVICE) {
        for (Long node : parent.keySet()) {
          groups.put(node, find(node));
        }
      } else {
        // groupOf does not consult these (a unit is its own group); they make groupCount() count units
        for (Long node : parent.keySet()) {
          long unit = unitNode((int) (node >>> 34));
          groups.put(unit, unit);
        }
      }
      return new ReplayGroups(partitionBy, groups);
    }
  }
}
