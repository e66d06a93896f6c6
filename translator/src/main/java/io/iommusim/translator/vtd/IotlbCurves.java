package io.iommusim.translator.vtd;

import io.iommusim.translator.cache.SetIndexing;
import io.iommusim.translator.mrc.CurveKey;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.pagetable.WalkResult;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.util.LongObjectMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The IOTLB miss-ratio curves of one replay ({@code mrc.enabled}): one {@link ScopeCounter} per unit,
 * domain and device that the {@link MrcPlan} computes, created at the scope's first IOTLB lookup.
 * {@link VtdTranslator} reports every IOTLB lookup with its <em>outcome</em> — what the page table
 * makes of it, whatever the modelled IOTLB holds: the tag is filled (a hit on a valid entry, or a
 * walk that succeeds), or nothing is filled (the translation faults) — and every invalidation, which
 * is routed to the scopes whose IOTLB it reaches:
 * <ul>
 *   <li>global: every counter of the unit;
 *   <li>domain-selective (the trace's, a lazy flush, a page-selective one covering all addresses),
 *       page-selective, and a strict unmap or remap: the domain's tags in the unit's counter, the
 *       domain's counter, and the counters of the devices ever attached to the domain;
 *   <li>a change of a device's present context entry (strict and lazy): the old domain's tags in the
 *       device's counter and the unit's counter, and the old domain's whole counter — a
 *       domain-selective invalidation of the old domain in every IOTLB the device used;
 *   <li>an unmap or remap that invalidates nothing (trace and lazy modes): flags the tags over the
 *       range as stale in the same counters.
 * </ul>
 */
final class IotlbCurves {
  static final int FILL = 0;
  static final int NO_FILL = 1;

  private final int maxEntries;
  private final int[] setCounts;
  private final boolean hashIndex;
  private final MrcPlan plan;
  private final LongObjectMap<ScopeCounter> unitCounters = new LongObjectMap<>(4);
  private final LongObjectMap<List<ScopeCounter>> countersOfUnit = new LongObjectMap<>(4);
  private final List<ScopeCounter> all = new ArrayList<>();
  private final WalkResult walk = new WalkResult();

  IotlbCurves(ModelSettings settings, MrcPlan plan) {
    this.maxEntries = settings.mrcMaxEntries;
    this.setCounts = settings.mrcSetCounts();
    this.hashIndex = settings.iotlb.indexing == SetIndexing.HASH;
    this.plan = plan;
  }

  /**
   * One IOTLB lookup of a translation by {@code dev} in {@code dom} ({@code domainId} is the tag's
   * domain). {@code code} is the page size of the filled tag (FILL). {@code runDiverged}: the modelled
   * IOTLB answered from a stale entry in a way that changes what follows (another page size, or with a
   * device TLB another answer), so this replay's later lookups may differ from an IOTLB of another size.
   */
  void lookup(DeviceState dev, DomainState dom, int domainId, long iova, int outcome, int code, boolean runDiverged) {
    if (!dev.curvesResolved) {
      resolve(dev);
    }
    if (!dom.curveResolved) {
      resolve(dom);
    }
    ScopeCounter device = dev.curve;
    ScopeCounter domain = dom.curve;
    ScopeCounter unit = dev.unitCurve;
    if (outcome == FILL) {
      long vpn = iova >>> PageSizes.shift(code);
      long tag = Iotlb.tag(domainId, code, vpn);
      long bits = device.indexBits(vpn);
      boolean ats = dev.deviceTlb != null;
      device.fill(tag, bits, code, domainId, iova, ats, runDiverged);
      if (domain != null) {
        domain.fill(tag, bits, code, domainId, iova, ats, runDiverged);
      }
      if (unit != null) {
        unit.fill(tag, bits, code, domainId, iova, ats, runDiverged);
      }
    } else {
      device.noFill(domainId, iova, runDiverged);
      if (domain != null) {
        domain.noFill(domainId, iova, runDiverged);
      }
      if (unit != null) {
        unit.noFill(domainId, iova, runDiverged);
      }
    }
  }

  /**
   * A lookup the modelled IOTLB hit at {@code slot}. A valid entry is what a walk would give: filled
   * when it has the permission the access needs. A stale one: see {@link #staleHit}. (Kept out of the
   * translator's hit path, which must not grow: VtdTranslator calls this only with curves on.)
   */
  void hit(DeviceState dev, DomainState dom, int domainId, long iova, int need, Iotlb iotlb, int slot) {
    int code = iotlb.sizeCode[slot];
    if (iotlb.staleSince[slot] == Iotlb.FRESH) {
      lookup(dev, dom, domainId, iova, (iotlb.perm[slot] & need) != 0 ? FILL : NO_FILL, code, false);
    } else {
      staleHit(dev, dom, domainId, iova, need, code, iotlb.perm[slot]);
    }
  }

  /** A lookup the modelled IOTLB missed: the walk filled ({@code code} = its page size) or faulted. */
  void walked(DeviceState dev, DomainState dom, int domainId, long iova, boolean filled, int code) {
    lookup(dev, dom, domainId, iova, filled ? FILL : NO_FILL, code, false);
  }

  /**
   * A lookup the modelled IOTLB answered from a stale entry (page size {@code cachedCode}, permission
   * {@code cachedPerm}): its outcome is what a walk of the current page table gives, as in an IOTLB
   * that does not hold the entry.
   */
  void staleHit(DeviceState dev, DomainState dom, int domainId, long iova, int need, int cachedCode, int cachedPerm) {
    int outcome = NO_FILL;
    int code = 0;
    if (dom.pageTable.walk(iova, walk) == WalkResult.OK) {
      code = PageSizes.codeOf(walk.pageSize());
      if ((walk.perm() & need) != 0) {
        outcome = FILL;
      }
    }
    // The DMA is cut into translations at the page size the modelled IOTLB answered with, and a device
    // TLB is filled with its answer: another page size, or with a device TLB any other answer, makes
    // the rest of this replay differ from a replay whose IOTLB walked.
    boolean diverged = code != cachedCode
        || (dev.deviceTlb != null && (outcome != FILL || walk.perm() != cachedPerm));
    lookup(dev, dom, domainId, iova, outcome, code, diverged);
  }

  void clearUnit(int unit) {
    List<ScopeCounter> list = countersOfUnit.get(unit);
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        list.get(i).clear();
      }
    }
  }

  void invalidateDomain(DomainState dom) {
    ScopeCounter unit = unitCounters.get(dom.unit);
    if (unit != null) {
      unit.invalidateDomain(dom.domain);
    }
    if (dom.curve != null) {
      dom.curve.clear();
    }
    for (int i = 0; i < dom.devices.size(); i++) {
      ScopeCounter c = dom.devices.get(i).curve;
      if (c != null) {
        c.invalidateDomain(dom.domain);
      }
    }
  }

  void invalidateRange(DomainState dom, long start, long end) {
    range(dom, start, end, false);
  }

  void markStale(DomainState dom, long start, long end) {
    range(dom, start, end, true);
  }

  private void range(DomainState dom, long start, long end, boolean flag) {
    ScopeCounter unit = unitCounters.get(dom.unit);
    if (unit != null) {
      rangeOf(unit, dom.domain, start, end, flag);
    }
    if (dom.curve != null) {
      rangeOf(dom.curve, dom.domain, start, end, flag);
    }
    for (int i = 0; i < dom.devices.size(); i++) {
      ScopeCounter c = dom.devices.get(i).curve;
      if (c != null) {
        rangeOf(c, dom.domain, start, end, flag);
      }
    }
  }

  private static void rangeOf(ScopeCounter c, int domain, long start, long end, boolean flag) {
    if (flag) {
      c.markStale(domain, start, end);
    } else {
      c.invalidateRange(domain, start, end);
    }
  }

  /** {@code dev} left {@code old} (strict and lazy modes invalidate the old domain, as Linux does). */
  void contextChanged(DeviceState dev, DomainState old) {
    if (dev.curve != null) {
      dev.curve.invalidateDomain(old.domain);
    }
    if (old.curve != null) {
      old.curve.clear();
    }
    ScopeCounter unit = unitCounters.get(dev.unit);
    if (unit != null) {
      unit.invalidateDomain(old.domain);
    }
  }

  /** Adds every computed curve, and the curves the plan reports with it, to {@code stats}. */
  void finish(ReplayStats stats) {
    for (ScopeCounter c : all) {
      stats.putCurve(c.key, c.counter.curves(), c.divergentLookups);
      for (CurveKey alias : plan.aliasesOf(c.key)) {
        stats.putAlias(alias, c.key);
      }
    }
  }

  private void resolve(DeviceState dev) {
    CurveKey key = CurveKey.ofDevice(dev.unit, dev.sid);
    if (!key.equals(plan.sourceOf(key))) {
      throw new IllegalStateException("mrc plan shares the curve of " + key + "; device curves are never shared");
    }
    dev.curve = newCounter(key);
    CurveKey unitKey = CurveKey.ofUnit(dev.unit);
    if (unitKey.equals(plan.sourceOf(unitKey))) {
      ScopeCounter unit = unitCounters.get(dev.unit);
      if (unit == null) {
        unit = newCounter(unitKey);
        unitCounters.put(dev.unit, unit);
      }
      dev.unitCurve = unit;
    }
    dev.curvesResolved = true;
  }

  private void resolve(DomainState dom) {
    CurveKey key = CurveKey.ofDomain(dom.unit, dom.domain);
    if (key.equals(plan.sourceOf(key))) {
      dom.curve = newCounter(key);
    }
    dom.curveResolved = true;
  }

  private ScopeCounter newCounter(CurveKey key) {
    ScopeCounter c = new ScopeCounter(key, maxEntries, setCounts, hashIndex);
    all.add(c);
    List<ScopeCounter> list = countersOfUnit.get(key.unit());
    if (list == null) {
      list = new ArrayList<>();
      countersOfUnit.put(key.unit(), list);
    }
    list.add(c);
    return c;
  }
}
