package io.iommusim.translator.mrc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which miss-ratio curves a replay computes with a counter of their own, which it reports as another
 * curve because both provably see the same lookups and invalidations, and which it cannot compute.
 * Derived from the trace's attach events (the attach graph: a device translates, and its lookups are
 * tagged, only in domains it was attached to):
 * <ul>
 *   <li>a domain whose only attached device is attached to no other domain is that device's curve;
 *   <li>a unit with one attached domain is that domain's curve, else a unit with one attached device is
 *       that device's curve;
 *   <li>with {@code partition.by=device}, a unit whose attach graph has more than one connected
 *       component (more than one replay group translates on it) gets no unit curve: its lookups are
 *       replayed in independent tasks, and a shared cache needs them in one order.
 * </ul>
 * A plan built from no attach events ({@link #everything()}) computes every curve itself.
 * Immutable and serialisable (Spark broadcasts it).
 */
public final class MrcPlan implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Alias → the key whose counter computes its curve. */
  private final HashMap<CurveKey, CurveKey> sourceOf;
  private final TreeMap<CurveKey, List<CurveKey>> aliasesOf;
  private final TreeSet<Integer> unitsWithoutCurve;

  private MrcPlan(HashMap<CurveKey, CurveKey> sourceOf, TreeSet<Integer> unitsWithoutCurve) {
    this.sourceOf = sourceOf;
    this.unitsWithoutCurve = unitsWithoutCurve;
    this.aliasesOf = new TreeMap<>();
    sourceOf.forEach((alias, source) -> aliasesOf.computeIfAbsent(source, k -> new ArrayList<>()).add(alias));
    aliasesOf.values().forEach(Collections::sort);
  }

  /** Every curve with a counter of its own, none shared, none left out. */
  public static MrcPlan everything() {
    return new MrcPlan(new HashMap<>(), new TreeSet<>());
  }

  /**
   * The key whose counter computes {@code key}'s curve: {@code key} itself, another key with the same
   * curve, or null when the curve is not computed (a unit curve under {@code partition.by=device} that
   * spans replay groups).
   */
  public CurveKey sourceOf(CurveKey key) {
    if (key.scope() == MrcScope.UNIT && unitsWithoutCurve.contains(key.unit())) {
      return null;
    }
    return sourceOf.getOrDefault(key, key);
  }

  /** The keys reported with {@code source}'s curve (not including it), sorted. */
  public List<CurveKey> aliasesOf(CurveKey source) {
    return aliasesOf.getOrDefault(source, List.of());
  }

  /** Units that get no unit curve (see the class comment). */
  public SortedSet<Integer> unitsWithoutUnitCurve() {
    return Collections.unmodifiableSortedSet(unitsWithoutCurve);
  }

  /** Collects attach edges, then derives the plan. */
  public static final class Builder {
    private final TreeMap<Long, TreeSet<Integer>> domainsOfDevice = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Integer>> devicesOfDomain = new TreeMap<>();
    private final TreeMap<Integer, TreeSet<Integer>> devicesOfUnit = new TreeMap<>();
    private final TreeMap<Integer, TreeSet<Integer>> domainsOfUnit = new TreeMap<>();

    private static long id(int unit, int x) {
      return ((long) unit << 32) | (x & 0xFFFFFFFFL);
    }

    /** An attach of {@code sid} to {@code domain} (not pass-through: those never reach the IOTLB). */
    public Builder addAttach(int unit, int sid, int domain) {
      domainsOfDevice.computeIfAbsent(id(unit, sid), k -> new TreeSet<>()).add(domain);
      devicesOfDomain.computeIfAbsent(id(unit, domain), k -> new TreeSet<>()).add(sid);
      devicesOfUnit.computeIfAbsent(unit, k -> new TreeSet<>()).add(sid);
      domainsOfUnit.computeIfAbsent(unit, k -> new TreeSet<>()).add(domain);
      return this;
    }

    /**
     * @param unitCurveNeedsOneGroup true with {@code partition.by=device}: a unit curve only where the
     *     unit's attach graph is connected
     */
    public MrcPlan build(boolean unitCurveNeedsOneGroup) {
      HashMap<CurveKey, CurveKey> source = new HashMap<>();
      for (Map.Entry<Long, TreeSet<Integer>> e : devicesOfDomain.entrySet()) {
        int unit = (int) (e.getKey() >>> 32);
        int domain = (int) (long) e.getKey();
        if (e.getValue().size() == 1) {
          int sid = e.getValue().first();
          if (domainsOfDevice.get(id(unit, sid)).size() == 1) {
            source.put(CurveKey.ofDomain(unit, domain), CurveKey.ofDevice(unit, sid));
          }
        }
      }
      TreeSet<Integer> without = new TreeSet<>();
      for (int unit : devicesOfUnit.keySet()) {
        TreeSet<Integer> domains = domainsOfUnit.get(unit);
        TreeSet<Integer> devices = devicesOfUnit.get(unit);
        CurveKey unitKey = CurveKey.ofUnit(unit);
        if (domains.size() == 1) {
          CurveKey domainKey = CurveKey.ofDomain(unit, domains.first());
          source.put(unitKey, source.getOrDefault(domainKey, domainKey));
        } else if (devices.size() == 1) {
          source.put(unitKey, CurveKey.ofDevice(unit, devices.first()));
        } else if (unitCurveNeedsOneGroup && components(unit) > 1) {
          without.add(unit);
        }
      }
      return new MrcPlan(source, without);
    }

    /** Connected components of the unit's device–domain attach graph. */
    private int components(int unit) {
      Map<Long, Long> parent = new HashMap<>();
      for (int sid : devicesOfUnit.get(unit)) {
        long device = id(0, sid); // devices: high word 0; domains: high word 1
        for (int domain : domainsOfDevice.get(id(unit, sid))) {
          union(parent, device, id(1, domain));
        }
      }
      int roots = 0;
      for (long node : parent.keySet()) {
        if (find(parent, node) == node) {
          roots++;
        }
      }
      return roots;
    }

    private static long find(Map<Long, Long> parent, long x) {
      long root = x;
      while (parent.get(root) != root) {
        root = parent.get(root);
      }
      return root;
    }

    private static void union(Map<Long, Long> parent, long a, long b) {
      parent.putIfAbsent(a, a);
      parent.putIfAbsent(b, b);
      long ra = find(parent, a);
      long rb = find(parent, b);
      if (ra != rb) {
        parent.put(Math.max(ra, rb), Math.min(ra, rb));
      }
    }
  }
}
