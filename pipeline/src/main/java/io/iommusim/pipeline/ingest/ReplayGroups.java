package io.iommusim.pipeline.ingest;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.settings.ModelSettings.PartitionBy;
import io.iommusim.translator.vtd.VtdTranslator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Which Spark partition each event is replayed in. A <em>replay group</em> is the unit of shared
 * translation state that one task must replay in order: with {@code partition.by=device}, a connected
 * component of the graph whose nodes are devices and domains and whose edges are the trace's
 * attaches (devices that ever share a domain share its page table, so they replay together); with
 * {@code partition.by=unit}, a whole IOMMU unit. Domain ids are scoped per unit (VT-d DIDs are per
 * remapping unit).
 *
 * <p>Routing: events of one device (DMA, attach, detach, device-selective invalidations) go to the
 * device's node; page-table events (map, unmap, domain- and page-selective invalidations) to the
 * domain's node; unit-wide events ({@link VtdTranslator#isBroadcast}) reach every partition through
 * the driver instead.
 *
 * <p>Groups are packed into partitions by their event counts (largest first into the least loaded
 * partition), and each partition gets a key whose Spark hash lands exactly on it, so
 * {@code repartition(n, key)} balances the replay instead of leaving it to hash collisions.
 */
public final class ReplayGroups implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Node id of events that are broadcast rather than routed. */
  public static final long BROADCAST = Long.MIN_VALUE;

  private static final long DEVICE_TAG = 0L;
  private static final long DOMAIN_TAG = 1L << 32;
  private static final long UNIT_TAG = 2L << 32;
  /** Spark's seed for hash partitioning (HashPartitioning uses Murmur3Hash with seed 42). */
  private static final int SPARK_HASH_SEED = 42;

  private final PartitionBy partitionBy;
  private final HashMap<Long, Long> keyOfNode;
  private final int partitions;
  private final int groups;
  private final long broadcastKey;

  private ReplayGroups(PartitionBy partitionBy, HashMap<Long, Long> keyOfNode, int partitions, int groups,
      long broadcastKey) {
    this.partitionBy = partitionBy;
    this.keyOfNode = keyOfNode;
    this.partitions = partitions;
    this.groups = groups;
    this.broadcastKey = broadcastKey;
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

  /** The graph node an event is routed by, or {@link #BROADCAST}. */
  public static long nodeOf(TraceEvent e, PartitionBy partitionBy) {
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
      case INV_IOTLB: // domain or page granularity (global ones are broadcast)
        byDomain = true;
        break;
      case INV_CONTEXT:
        byDomain = e.sid < 0;
        break;
      default:
        byDomain = e.sid < 0 && e.domain >= 0;
        break;
    }
    if (byDomain) {
      return e.domain >= 0 ? domainNode(e.unit, e.domain) : unitNode(e.unit);
    }
    return e.sid >= 0 ? deviceNode(e.unit, e.sid) : unitNode(e.unit);
  }

  /** The partition key of the event's partition (every event of a group gets the same key). */
  public long partitionKeyOf(TraceEvent e) {
    return partitionKeyOf(nodeOf(e, partitionBy));
  }

  /** The partition key of a node's partition. */
  public long partitionKeyOf(long node) {
    if (node == BROADCAST) {
      return broadcastKey;
    }
    Long key = keyOfNode.get(node);
    if (key == null) {
      throw new IllegalStateException("event of a node the scan did not see: " + Long.toHexString(node));
    }
    return key;
  }

  /** Number of Spark partitions to repartition into. */
  public int partitions() {
    return partitions;
  }

  public int groupCount() {
    return groups;
  }

  /** Collects the attach graph and the event count of every node, then packs groups into partitions. */
  public static final class Builder {
    private final PartitionBy partitionBy;
    private final Map<Long, Long> parent = new HashMap<>();
    private final Map<Long, Long> eventsPerNode = new HashMap<>();

    public Builder(PartitionBy partitionBy) {
      this.partitionBy = partitionBy;
    }

    /** Adds an attach edge (attach events; others are ignored). */
    public void addContextEvent(TraceEvent e) {
      if (partitionBy == PartitionBy.DEVICE && e.kind == EventKind.ATTACH && e.sid >= 0 && e.domain >= 0) {
        union(deviceNode(e.unit, e.sid), domainNode(e.unit, e.domain));
      }
    }

    public void addEvents(long node, long count) {
      if (node != BROADCAST) {
        eventsPerNode.merge(node, count, Long::sum);
      }
    }

    private long find(long x) {
      Long p = parent.get(x);
      if (p == null || p == x) {
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
        // the smaller id becomes the root, so groups do not depend on the order of events
        parent.put(Math.max(ra, rb), Math.min(ra, rb));
      }
    }

    /** @param maxPartitions upper bound on partitions (e.g. spark.sql.shuffle.partitions) */
    public ReplayGroups build(int maxPartitions) {
      TreeMap<Long, Long> weightOfGroup = new TreeMap<>();
      Map<Long, Long> groupOfNode = new HashMap<>();
      for (Map.Entry<Long, Long> e : eventsPerNode.entrySet()) {
        long group = find(e.getKey());
        groupOfNode.put(e.getKey(), group);
        weightOfGroup.merge(group, e.getValue(), Long::sum);
      }
      int n = Math.max(1, Math.min(weightOfGroup.size(), maxPartitions));
      // longest-processing-time packing; ties broken by group id, so the plan is deterministic
      List<Map.Entry<Long, Long>> order = new ArrayList<>(weightOfGroup.entrySet());
      order.sort((a, b) -> !a.getValue().equals(b.getValue())
          ? Long.compare(b.getValue(), a.getValue()) : Long.compare(a.getKey(), b.getKey()));
      long[] load = new long[n];
      long[] keys = keysLandingOn(n);
      Map<Long, Long> keyOfGroup = new HashMap<>();
      for (Map.Entry<Long, Long> g : order) {
        int best = 0;
        for (int p = 1; p < n; p++) {
          if (load[p] < load[best]) {
            best = p;
          }
        }
        load[best] += g.getValue();
        keyOfGroup.put(g.getKey(), keys[best]);
      }
      HashMap<Long, Long> keyOfNode = new HashMap<>();
      groupOfNode.forEach((node, group) -> keyOfNode.put(node, keyOfGroup.get(group)));
      return new ReplayGroups(partitionBy, keyOfNode, n, weightOfGroup.size(), keys[0]);
    }

    /** For each partition p of n, the smallest non-negative long whose Spark hash partition is p. */
    private static long[] keysLandingOn(int n) {
      long[] keys = new long[n];
      boolean[] found = new boolean[n];
      int missing = n;
      for (long k = 0; missing > 0; k++) {
        int p = Math.floorMod(Murmur3_x86_32.hashLong(k, SPARK_HASH_SEED), n);
        if (!found[p]) {
          found[p] = true;
          keys[p] = k;
          missing--;
        }
      }
      return keys;
    }
  }
}
