package io.iommusim.translator.vtd;

import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_CACHE_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.CONTEXT_MEMORY_READS;
import static io.iommusim.translator.stats.DeviceCounter.DMA_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_INVALIDATIONS;
import static io.iommusim.translator.stats.DeviceCounter.DEVTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.DMA_EVENTS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_BEYOND_WIDTH;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_CONTEXT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_READ;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_ROOT_NOT_PRESENT;
import static io.iommusim.translator.stats.DeviceCounter.FAULTS_WRITE;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_EVICTIONS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_FULL_FLUSHES;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_HITS;
import static io.iommusim.translator.stats.DeviceCounter.IOTLB_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.LATENCY_SUM_NS;
import static io.iommusim.translator.stats.DeviceCounter.PAGE_WALKS;
import static io.iommusim.translator.stats.DeviceCounter.PASSTHROUGH_ACCESSES;
import static io.iommusim.translator.stats.DeviceCounter.PSC_MISSES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_BYTES;
import static io.iommusim.translator.stats.DeviceCounter.STALE_CONTEXT_HITS;
import static io.iommusim.translator.stats.DeviceCounter.STALE_HITS;
import static io.iommusim.translator.stats.DeviceCounter.TRANSLATIONS;
import static io.iommusim.translator.stats.DeviceCounter.WALK_MEMORY_READS;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.FaultReason;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.ReplayException;
import io.iommusim.translator.ir.InterruptRemapper;
import io.iommusim.translator.ir.MsiAddress;
import io.iommusim.translator.mrc.MrcPlan;
import io.iommusim.translator.pagetable.IoPageTable;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.DomainCell;
import io.iommusim.translator.stats.DomainCounter;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.stats.StatsCell;
import io.iommusim.translator.util.LongObjectMap;

/**
 * The VT-d DMA-remapping model for one replay partition. Events must arrive in (ts_ns, seq) order
 * per device and domain; the translator holds every device and domain it has seen, so one instance
 * can replay any number of independent replay groups.
 *
 * <p>Per translation (one page or TLP of a DMA): context-cache lookup (on a miss: root entry and
 * context entry read from memory; faults 0x01/0x02 when not present), pass-through check,
 * address-width check (0x04), IOTLB lookup, and on a miss a page walk that starts below the lowest
 * paging-structure-cache hit, ANDs the permissions of every entry it reads, faults 0x06/0x05 on a
 * missing leaf or permission, and fills the caches. Nothing on this path allocates.
 */
public final class VtdTranslator {
  private static final int NO_FAULT = 0;
  /** An address mask this large (2^52 4 KiB pages) covers the whole 64-bit space. */
  private static final int WHOLE_SPACE_AM = 52;

  private final ModelSettings settings;
  private final FaultSink faults;
  private final BusPresence buses;
  private final ReplayStats stats = new ReplayStats(EventKind.values().length);
  private final LongObjectMap<DeviceState> devices = new LongObjectMap<>(64);
  private final LongObjectMap<DomainState> domains = new LongObjectMap<>(64);
  /** Unit-wide cache sets (partition.by=unit), by unit. */
  private final LongObjectMap<TranslationCaches> unitCaches = new LongObjectMap<>(4);
  /** Every cache set per unit, for global invalidations. */
  private final LongObjectMap<java.util.List<TranslationCaches>> cachesOfUnit = new LongObjectMap<>(4);
  private final long addressLimitMask;
  private final int memoryReadNs;
  private final int lookupNs;
  private final int pscLookupNs;
  private final long[] eventsByKind;
  private final InvalidationMode mode;
  private final boolean traceMode;
  private final int devtlbLookupNs;
  private final int atsRoundTripNs;
  /** invalidation.mode=lazy: domains with queued unmaps, and the earliest of their timers. */
  private final java.util.ArrayList<DomainState> lazyPending = new java.util.ArrayList<>();
  private long nextLazyDeadline = Long.MAX_VALUE;

  /** Interrupt remapping per unit: the owner of the unit's IR table (and the unit's IEC with partition.by=unit). */
  private final LongObjectMap<InterruptRemapper> remappers = new LongObjectMap<>(4);
  /**
   * partition.by=device: every requester's own remapper (the unit's table, a private IEC), as every
   * device has private caches; kept per unit for inv_iec. A unit-wide IEC would make a request's IEC
   * hit depend on which replay groups happen to share a task.
   */
  private final LongObjectMap<InterruptRemapper> deviceRemappers = new LongObjectMap<>(16);
  private final LongObjectMap<java.util.List<InterruptRemapper>> deviceRemappersOfUnit = new LongObjectMap<>(4);
  // the request being remapped, for the fault record (fields, so the sink lambda captures nothing per call)
  private long msiAddr;
  private int msiDomain;

  private DeviceState lastDevice;
  /** mrc.enabled: the miss-ratio curves; null when disabled (the translation path then does no curve work). */
  private final IotlbCurves curves;
  /** The domain of the last map or unmap: a device's maps and unmaps come in long runs. */
  private DomainState lastDomain;
  /** The rare kinds of a batch row go through the event path in this. */
  private final TraceEvent scratch = new TraceEvent();

  // results of the last translation, read by the DMA splitting loop
  private int lastPageCode;
  private boolean lastStale;

  /**
   * @param mode the invalidation mode in force (AUTO must be resolved by the caller, who can see
   *     whether the trace has inv_* events: {@link ModelSettings#invalidationFor})
   */
  public VtdTranslator(ModelSettings settings, FaultSink faults, BusPresence buses, InvalidationMode mode) {
    this(settings, faults, buses, mode, MrcPlan.everything());
  }

  /**
   * @param mode the invalidation mode in force (see the 4-argument form)
   * @param plan which miss-ratio curves this replay computes or shares ({@link ContextTimeline#mrcPlan});
   *     {@link MrcPlan#everything()} when the translator replays the whole trace
   */
  public VtdTranslator(ModelSettings settings, FaultSink faults, BusPresence buses, InvalidationMode mode, MrcPlan plan) {
    if (mode == InvalidationMode.AUTO) {
      throw new IllegalArgumentException("resolve invalidation.mode=auto first (ModelSettings.invalidationFor)");
    }
    this.mode = mode;
    this.traceMode = mode == InvalidationMode.TRACE;
    this.devtlbLookupNs = settings.devtlbLookupNs;
    this.atsRoundTripNs = settings.atsRoundTripNs;
    this.settings = settings;
    this.faults = faults;
    this.irFaults = (ts, seq, u, sid, index, reason) ->
        faults.interruptFault(ts, seq, u, sid, msiDomain, msiAddr, index, reason);
    this.buses = buses;
    this.addressLimitMask = -1L << settings.addressWidth;
    this.memoryReadNs = settings.memoryReadNs;
    this.lookupNs = settings.iotlbLookupNs + settings.contextCacheLookupNs;
    this.pscLookupNs = settings.pscLookupNs;
    this.eventsByKind = stats.eventsByKind();
    this.curves = settings.mrcEnabled ? new IotlbCurves(settings, plan) : null;
  }

  /** A partition's translator; invalidation.mode=auto is taken as strict (see the 4-argument form). */
  public VtdTranslator(ModelSettings settings, FaultSink faults, BusPresence buses) {
    this(settings, faults, buses, settings.invalidationFor(false));
  }

  /** A translator that sees the whole trace (local runs, tests): bus presence from its own events. */
  public VtdTranslator(ModelSettings settings, FaultSink faults) {
    this(settings, faults, BusPresence.local());
  }

  public InvalidationMode invalidationMode() {
    return mode;
  }

  /** Applies one event and counts it as replayed here. */
  public void apply(TraceEvent e) {
    EventKind kind = e.kind;
    begin(kind, e.tsNs);
    switch (kind) {
      case DMA_READ:
      case DMA_WRITE:
        dma(kind, e.unit, e.sid, e.pasid, e.addr, e.size, e.data, e.tsNs, e.seq);
        break;
      case MAP:
        map(e.unit, e.domain, e.addr, e.size, e.phys, e.perm, e.pageSize, e.tsNs, e.seq);
        break;
      case UNMAP:
        unmap(e.unit, e.domain, e.addr, e.size, e.tsNs, e.seq);
        break;
      case MSI:
        msi(e.unit, e.sid, e.addr, e.data, e.tsNs, e.seq);
        break;
      default:
        applyControl(e);
        break;
    }
  }

  /**
   * Applies row {@code i} of a batch exactly as {@link #apply(TraceEvent)} applies that row as an
   * event. The frequent kinds read their fields straight from the columns; the others go through
   * {@link EventColumns#copyRow} and the event path.
   */
  public void apply(EventColumns c, int i) {
    EventKind kind = c.kind(i);
    long ts = c.tsNs[i];
    begin(kind, ts);
    switch (kind) {
      case DMA_READ:
      case DMA_WRITE:
        dma(kind, c.unit[i], c.sid[i], c.pasid[i], c.addr[i], c.size[i], c.data[i], ts, c.seq[i]);
        break;
      case MAP:
        map(c.unit[i], c.domain[i], c.addr[i], c.size[i], c.phys[i], c.perm[i], c.pageSize[i], ts, c.seq[i]);
        break;
      case UNMAP:
        unmap(c.unit[i], c.domain[i], c.addr[i], c.size[i], ts, c.seq[i]);
        break;
      case MSI:
        msi(c.unit[i], c.sid[i], c.addr[i], c.data[i], ts, c.seq[i]);
        break;
      default:
        applyControl(c.copyRow(i, scratch));
        break;
    }
  }

  /** Counts the event as replayed here and fires the flush-queue timers due by its time. */
  private void begin(EventKind kind, long tsNs) {
    eventsByKind[kind.ordinal()]++;
    if (tsNs >= nextLazyDeadline) {
      expireLazyQueues(tsNs);
    }
  }

  /** The kinds other than DMAs, map, unmap and msi. */
  private void applyControl(TraceEvent e) {
    switch (e.kind) {
      case ATTACH:
      case ATTACH_PASSTHROUGH:
      case DETACH:
        context(e);
        break;
      case INV_IOTLB:
        invalidateIotlb(e);
        break;
      case INV_CONTEXT:
        invalidateContext(e);
        break;
      case INV_DEVTLB:
        invalidateDeviceTlb(e);
        break;
      case IRTE_SET:
      case IRTE_CLEAR:
      case INV_IEC:
        interruptTable(e);
        break;
      default:
        // fault_observed: a recorded fault, kept for validation, never replayed (counted by kind)
        break;
    }
  }

  private void msi(int unit, int sid, long addr, long data, long ts, long seq) {
    requireSid(EventKind.MSI, sid, seq);
    interrupt(device(unit, sid), addr, data, ts, seq);
  }

  /**
   * Applies an event that every replay partition receives (a global invalidation) without counting
   * it: the caller counts it once.
   */
  public void applyBroadcast(TraceEvent e) {
    if (e.tsNs >= nextLazyDeadline) {
      expireLazyQueues(e.tsNs);
    }
    if (e.kind == EventKind.INV_IOTLB) {
      invalidateIotlb(e);
    } else if (e.kind == EventKind.INV_CONTEXT) {
      invalidateContext(e);
    } else if (e.kind == EventKind.INV_DEVTLB) {
      invalidateDeviceTlb(e);
    } else if (e.kind == EventKind.IRTE_SET || e.kind == EventKind.IRTE_CLEAR || e.kind == EventKind.INV_IEC) {
      interruptTable(e);
    }
  }

  // ---- interrupt remapping -----------------------------------------------------------------------

  private final io.iommusim.translator.ir.IrFaultSink irFaults;

  private InterruptRemapper remapper(int unit) {
    InterruptRemapper r = remappers.get(unit);
    if (r == null) {
      r = new InterruptRemapper(settings, unit, TranslationCaches.mix(settings.randomSeed ^ unit ^ 0x1EC), irFaults);
      remappers.put(unit, r);
    }
    return r;
  }

  /** The remapper a device's interrupt requests go through (see {@link #deviceRemappers}). */
  private InterruptRemapper remapper(DeviceState dev) {
    if (settings.partitionBy == ModelSettings.PartitionBy.UNIT) {
      return remapper(dev.unit);
    }
    long key = deviceKey(dev.unit, dev.sid);
    InterruptRemapper r = deviceRemappers.get(key);
    if (r == null) {
      r = remapper(dev.unit).withOwnIec(TranslationCaches.mix(settings.randomSeed ^ key ^ 0x1EC), irFaults);
      deviceRemappers.put(key, r);
      java.util.List<InterruptRemapper> list = deviceRemappersOfUnit.get(dev.unit);
      if (list == null) {
        list = new java.util.ArrayList<>();
        deviceRemappersOfUnit.put(dev.unit, list);
      }
      list.add(r);
    }
    return r;
  }

  /** An interrupt request: an msi event, or a DMA write into the interrupt window. */
  private void interrupt(DeviceState dev, long addr, long data, long ts, long seq) {
    msiAddr = addr;
    msiDomain = dev.domainId;
    remapper(dev).remap(ts, seq, dev.sid, addr, data, cellOf(dev).irCounters);
  }

  private void interruptTable(TraceEvent e) {
    InterruptRemapper r = remapper(e.unit);
    switch (e.kind) {
      case IRTE_SET:
        if (e.index < 0 || !r.irteSet(e.index, e.irteLo, e.irteHi)) {
          throw new ReplayException(e.seq, "irte_set: index " + e.index + " is outside the table (ir.table_entries="
              + settings.irTableEntries + ")");
        }
        break;
      case IRTE_CLEAR:
        if (e.index < 0 || !r.irteClear(e.index)) {
          throw new ReplayException(e.seq, "irte_clear: index " + e.index + " is outside the table (ir.table_entries="
              + settings.irTableEntries + ")");
        }
        break;
      default: // INV_IEC
        if (e.granularity == Granularity.GLOBAL || (e.granularity == Granularity.INDEX && e.index >= 0)) {
          boolean global = e.granularity == Granularity.GLOBAL;
          r.invalidateIec(global, e.index, e.am);
          java.util.List<InterruptRemapper> own = deviceRemappersOfUnit.get(e.unit);
          if (own != null) {
            for (InterruptRemapper d : own) {
              d.invalidateIec(global, e.index, e.am);
            }
          }
        } else {
          throw new ReplayException(e.seq, "inv_iec: granularity must be global, or index with an index");
        }
        break;
    }
  }

  /**
   * True for events that act on state shared by every device of a unit and must therefore reach
   * every replay partition of that unit: global invalidations, and the unit's interrupt-remapping
   * table (irte_set, irte_clear, inv_iec).
   */
  public static boolean isBroadcast(TraceEvent e) {
    return isBroadcast(e.kind, e.granularity);
  }

  private static final int GRANULARITIES = Granularity.values().length;
  /** {@link #isBroadcast(EventKind, Granularity)} by {@code kind ordinal * GRANULARITIES + granularity ordinal}. */
  private static final boolean[] BROADCAST = broadcastTable();

  private static boolean[] broadcastTable() {
    EventKind[] kinds = EventKind.values();
    Granularity[] granularities = Granularity.values();
    boolean[] table = new boolean[kinds.length * granularities.length];
    for (EventKind k : kinds) {
      for (Granularity g : granularities) {
        table[k.ordinal() * granularities.length + g.ordinal()] = isBroadcast(k, g);
      }
    }
    return table;
  }

  /** {@link #isBroadcast(TraceEvent)} of row {@code i} of a batch (a table lookup: it runs for every row). */
  public static boolean isBroadcast(EventColumns c, int i) {
    return BROADCAST[c.kind[i] * GRANULARITIES + c.granularity[i]];
  }

  /** {@link #isBroadcast(TraceEvent)} of an event of this kind and granularity. */
  public static boolean isBroadcast(EventKind kind, Granularity granularity) {
    switch (kind) {
      case IRTE_SET:
      case IRTE_CLEAR:
      case INV_IEC:
        return true;
      default:
        return kind.isInvalidation() && granularity == Granularity.GLOBAL;
    }
  }

  public ReplayStats stats() {
    return stats;
  }

  // ---- context ---------------------------------------------------------------------------------

  private static long deviceKey(int unit, int sid) {
    return ((long) unit << 32) | (sid & 0xFFFFFFFFL);
  }

  private DeviceState device(int unit, int sid) {
    DeviceState d = lastDevice;
    if (d != null && d.sid == sid && d.unit == unit) {
      return d;
    }
    long key = deviceKey(unit, sid);
    d = devices.get(key);
    if (d == null) {
      Iotlb deviceTlb = settings.hasAts(sid) ? new Iotlb(settings.devtlb, TranslationCaches.mix(settings.randomSeed ^ key ^ 0xA75L)) : null;
      d = new DeviceState(unit, sid, cachesFor(unit, sid), deviceTlb);
      devices.put(key, d);
    }
    lastDevice = d;
    return d;
  }

  private TranslationCaches cachesFor(int unit, int sid) {
    if (settings.partitionBy == ModelSettings.PartitionBy.UNIT) {
      TranslationCaches c = unitCaches.get(unit);
      if (c == null) {
        c = new TranslationCaches(settings, unit, deviceKey(unit, -1));
        unitCaches.put(unit, c);
        registerCaches(unit, c);
      }
      return c;
    }
    TranslationCaches c = new TranslationCaches(settings, unit, deviceKey(unit, sid));
    registerCaches(unit, c);
    return c;
  }

  private void registerCaches(int unit, TranslationCaches c) {
    java.util.List<TranslationCaches> list = cachesOfUnit.get(unit);
    if (list == null) {
      list = new java.util.ArrayList<>();
      cachesOfUnit.put(unit, list);
    }
    list.add(c);
  }

  private DomainState domain(int unit, int domain) {
    DomainState d = lastDomain;
    if (d != null && d.domain == domain && d.unit == unit) {
      return d;
    }
    long key = ((long) unit << 32) | (domain & 0xFFFFFFFFL);
    d = domains.get(key);
    if (d == null) {
      d = new DomainState(unit, domain, settings.addressWidth, stats.domain(unit, domain));
      domains.put(key, d);
    }
    lastDomain = d;
    return d;
  }

  private void context(TraceEvent e) {
    requireSid(e);
    DeviceState dev = device(e.unit, e.sid);
    DomainState old = dev.domain;
    int oldDomainId = dev.domainId;
    boolean wasAttached = dev.attached;
    if (e.kind == EventKind.DETACH) {
      dev.attached = false;
      dev.passthrough = false;
      dev.domain = null;
      dev.domainId = -1;
    } else if (e.kind == EventKind.ATTACH) {
      requireDomain(e);
      dev.attached = true;
      dev.passthrough = false;
      dev.domain = domain(e.unit, e.domain);
      dev.domain.addCacheSet(dev.caches);
      dev.domain.addDevice(dev);
      if (dev.deviceTlb != null) {
        dev.domain.addAtsDevice(dev);
      }
      dev.domainId = e.domain;
    } else {
      if (e.domain != -1) {
        requireDomain(e);
      }
      dev.attached = true;
      dev.passthrough = true;
      dev.domain = null;
      dev.domainId = e.domain;
    }
    dev.cell = null; // created on the device's first DMA in its new context
    if (!buses.followsTimeline()) {
      buses.apply(e.unit, e.sid, dev.attached);
    }
    // Linux changes a present context entry only with a device-selective context-cache
    // invalidation, a domain-selective IOTLB invalidation of the old domain and a device-TLB flush.
    // In trace mode only the trace's own invalidations act.
    if (wasAttached && mode != InvalidationMode.TRACE) {
      dev.caches.invalidateContext(dev.sid);
      if (old != null) {
        dev.caches.invalidateDomain(old.domain);
        if (curves != null) {
          curves.contextChanged(dev, old);
        }
      }
      if (dev.deviceTlb != null) {
        dev.deviceTlb.clear();
        // sent for the old context: counted in the device's statistics there
        stats.cell(dev.unit, dev.sid, oldDomainId).counters[DEVTLB_INVALIDATIONS.ordinal()]++;
      }
    }
  }

  // ---- page tables -------------------------------------------------------------------------------

  private void map(int unit, int domain, long addr, long size, long phys, int perm, long pageSize, long tsNs,
      long seq) {
    requireDomain(EventKind.MAP, domain, seq);
    DomainState dom = domain(unit, domain);
    IoPageTable pt = dom.pageTable;
    long overlapsBefore = pt.overlappingMapPages();
    long mappedBefore = pt.pagesMapped();
    long splitsBefore = pt.superpagesSplit();
    try {
      pt.map(addr, size, phys, perm, pageSize);
    } catch (IllegalArgumentException ex) {
      throw new ReplayException(seq, "map: " + ex.getMessage());
    }
    long[] k = dom.stats.counters;
    k[DomainCounter.MAPS.ordinal()]++;
    k[DomainCounter.MAPPED_PAGES.ordinal()] += pt.pagesMapped() - mappedBefore;
    long overlaps = pt.overlappingMapPages() - overlapsBefore;
    k[DomainCounter.MAP_OVERLAP_PAGES.ordinal()] += overlaps;
    k[DomainCounter.SUPERPAGE_SPLITS.ordinal()] += pt.superpagesSplit() - splitsBefore;
    k[DomainCounter.PAGE_TABLE_PAGES.ordinal()] = pt.tables();
    if (overlaps > 0 || pt.superpagesSplit() != splitsBefore) {
      // The new leaves replace translations the caches may hold. Replaced subtrees would leave
      // stale paging-structure-cache entries, which the model does not follow: those always go.
      long start = addr;
      long end = addr + size;
      for (int i = 0; i < dom.cacheSets.size(); i++) {
        TranslationCaches c = dom.cacheSets.get(i);
        for (PagingStructureCache psc : c.psc) {
          if (psc != null) {
            psc.invalidateRange(dom.domain, start, end);
          }
        }
      }
      removedOrChanged(dom, start, end, tsNs);
    }
  }

  /**
   * The mappings of [start, end) were removed or changed at tsNs: strict invalidates the cached
   * leaves at once; trace and lazy leave them, marked stale from now on.
   */
  private void removedOrChanged(DomainState dom, long start, long end, long tsNs) {
    boolean strict = mode == InvalidationMode.STRICT;
    if (curves != null) {
      if (strict) {
        curves.invalidateRange(dom, start, end);
      } else {
        curves.markStale(dom, start, end);
      }
    }
    for (int i = 0; i < dom.cacheSets.size(); i++) {
      Iotlb iotlb = dom.cacheSets.get(i).iotlb;
      if (strict) {
        iotlb.invalidateRange(dom.domain, start, end);
      } else {
        iotlb.markStaleRange(dom.domain, start, end, tsNs);
      }
    }
    for (int i = 0; i < dom.atsDevices.size(); i++) {
      DeviceState d = dom.atsDevices.get(i);
      Iotlb atc = d.deviceTlb;
      if (strict) {
        atc.invalidateRange(0, start, end);
        countDeviceTlbFlush(d, dom);
      } else {
        atc.markStaleRange(0, start, end, tsNs);
      }
    }
  }

  private void unmap(int unit, int domain, long addr, long size, long tsNs, long seq) {
    requireDomain(EventKind.UNMAP, domain, seq);
    DomainState dom = domain(unit, domain);
    IoPageTable pt = dom.pageTable;
    long unmappedBefore = pt.pagesUnmapped();
    long missingBefore = pt.unmapOfUnmappedPages();
    long beyondBefore = pt.superpageUnmapsBeyondRange();
    try {
      pt.unmap(addr, size);
    } catch (IllegalArgumentException ex) {
      throw new ReplayException(seq, "unmap: " + ex.getMessage());
    }
    long[] k = dom.stats.counters;
    k[DomainCounter.UNMAPS.ordinal()]++;
    k[DomainCounter.UNMAPPED_PAGES.ordinal()] += pt.pagesUnmapped() - unmappedBefore;
    k[DomainCounter.UNMAP_OF_UNMAPPED_PAGES.ordinal()] += pt.unmapOfUnmappedPages() - missingBefore;
    long beyond = pt.superpageUnmapsBeyondRange() - beyondBefore;
    k[DomainCounter.SUPERPAGE_UNMAPS_BEYOND_RANGE.ordinal()] += beyond;
    // Leaves only: Linux flushes an unmap with the invalidation hint IH=1 (paging-structure caches
    // kept) unless page-table pages were freed, and this model never frees them, so cached non-leaf
    // entries stay valid. A superpage removed whole reaches beyond the range, but the IOTLB drops
    // (or marks) every superpage entry that intersects the range.
    if (mode == InvalidationMode.LAZY) {
      if (dom.lazyQueued >= settings.lazyQueueSize) {
        // queue full: flush the domain; the timer stays armed (Linux's queue_iova never cancels
        // fq_timer, only fq_flush_timeout disarms it)
        flushDomainCaches(dom);
        dom.lazyQueued = 0;
        k[DomainCounter.LAZY_FLUSHES_QUEUE_FULL.ordinal()]++;
      }
      dom.lazyQueued++;
      if (dom.lazyDeadline == Long.MAX_VALUE) { // the timer is idle: this unmap arms it
        dom.lazyDeadline = tsNs + settings.lazyTimeoutNs;
        lazyPending.add(dom);
        nextLazyDeadline = Math.min(nextLazyDeadline, dom.lazyDeadline);
      }
      k[DomainCounter.LAZY_QUEUED_UNMAPS.ordinal()]++;
    } else if (mode == InvalidationMode.STRICT) {
      k[DomainCounter.STRICT_UNMAP_INVALIDATIONS.ordinal()]++;
    }
    removedOrChanged(dom, addr, addr + size, tsNs);
  }

  /** Linux's flush_iotlb_all for a domain: domain-selective IOTLB (and paging-structure) invalidation and device-TLB flushes. */
  private void flushDomainCaches(DomainState dom) {
    for (int i = 0; i < dom.cacheSets.size(); i++) {
      dom.cacheSets.get(i).invalidateDomain(dom.domain);
    }
    if (curves != null) {
      curves.invalidateDomain(dom);
    }
    for (int i = 0; i < dom.atsDevices.size(); i++) {
      DeviceState d = dom.atsDevices.get(i);
      d.deviceTlb.clear();
      countDeviceTlbFlush(d, dom);
    }
  }

  /**
   * A strict or lazy flush of the domain sends a device-TLB invalidation to every ATS device in it
   * (Linux iommu_flush_dev_iotlb walks the domain's devices); a device that has left the domain keeps
   * having its copy dropped here, but no invalidation is sent to it.
   */
  private void countDeviceTlbFlush(DeviceState d, DomainState dom) {
    if (d.domain == dom) {
      cellOf(d).counters[DEVTLB_INVALIDATIONS.ordinal()]++;
    }
  }

  /** The flush-queue timer fired: flush the domain, empty its queue and disarm the timer. */
  private void flushDomain(DomainState dom) {
    flushDomainCaches(dom);
    dom.lazyQueued = 0;
    dom.lazyDeadline = Long.MAX_VALUE;
    lazyPending.remove(dom);
    recomputeLazyDeadline();
  }

  /** Fires every flush-queue timer due at or before tsNs (the flush happens at the timer's time). */
  private void expireLazyQueues(long tsNs) {
    for (int i = lazyPending.size() - 1; i >= 0; i--) {
      DomainState dom = lazyPending.get(i);
      if (dom.lazyDeadline <= tsNs) {
        dom.stats.counters[DomainCounter.LAZY_FLUSHES_TIMEOUT.ordinal()]++;
        flushDomain(dom);
      }
    }
    recomputeLazyDeadline();
  }

  private void recomputeLazyDeadline() {
    long next = Long.MAX_VALUE;
    for (int i = 0; i < lazyPending.size(); i++) {
      next = Math.min(next, lazyPending.get(i).lazyDeadline);
    }
    nextLazyDeadline = next;
  }

  private void invalidateRange(DomainState dom, long start, long end) {
    if (end <= start) {
      return;
    }
    for (int i = 0; i < dom.cacheSets.size(); i++) {
      dom.cacheSets.get(i).invalidateRange(dom.domain, start, end);
    }
    if (curves != null) {
      curves.invalidateRange(dom, start, end);
    }
  }

  // ---- trace invalidations ----------------------------------------------------------------------

  private void invalidateIotlb(TraceEvent e) {
    switch (e.granularity) {
      case GLOBAL:
        forEachCacheSet(e.unit, c -> c.clearTranslations());
        if (curves != null) {
          curves.clearUnit(e.unit);
        }
        break;
      case DOMAIN: {
        requireDomain(e);
        DomainState dom = domain(e.unit, e.domain);
        for (TranslationCaches c : dom.cacheSets) {
          c.invalidateDomain(dom.domain);
        }
        if (curves != null) {
          curves.invalidateDomain(dom);
        }
        dom.stats.counters[DomainCounter.INV_IOTLB_DOMAIN.ordinal()]++;
        break;
      }
      case PAGE: {
        requireDomain(e);
        DomainState dom = domain(e.unit, e.domain);
        if (e.am >= WHOLE_SPACE_AM) {
          // 2^am pages cover the whole 64-bit space: the domain's entries all go
          for (TranslationCaches c : dom.cacheSets) {
            c.invalidateDomain(dom.domain);
          }
          if (curves != null) {
            curves.invalidateDomain(dom);
          }
        } else {
          long start = e.addr & -pageSelectiveSpan(e.am);
          invalidateRange(dom, start, start + pageSelectiveSpan(e.am));
        }
        dom.stats.counters[DomainCounter.INV_IOTLB_PAGE.ordinal()]++;
        break;
      }
      default:
        throw new ReplayException(e.seq, "inv_iotlb: granularity must be global, domain or page, not '"
            + e.granularity.text() + "'");
    }
  }

  private void invalidateContext(TraceEvent e) {
    switch (e.granularity) {
      case GLOBAL:
        forEachCacheSet(e.unit, TranslationCaches::clearContexts);
        break;
      case DOMAIN: {
        // context entries are tagged by device, not domain: drop those of the domain's devices
        requireDomain(e);
        DomainState dom = domain(e.unit, e.domain);
        for (TranslationCaches c : dom.cacheSets) {
          c.clearContexts();
        }
        dom.stats.counters[DomainCounter.INV_CONTEXT_DOMAIN.ordinal()]++;
        break;
      }
      case DEVICE:
        requireSid(e);
        DeviceState dev = device(e.unit, e.sid);
        dev.caches.invalidateContext(e.sid);
        cellOf(dev).counters[DeviceCounter.INV_CONTEXT_DEVICE.ordinal()]++;
        break;
      default:
        throw new ReplayException(e.seq, "inv_context: granularity must be global, domain or device, not '"
            + e.granularity.text() + "'");
    }
  }

  /**
   * inv_devtlb: global (every device TLB of the unit), device (the whole TLB of {@code sid}) or page
   * (2^am naturally aligned 4 KiB pages at addr in the TLB of {@code sid}; the canonical form of the
   * ATS invalidation's size encoding).
   */
  private void invalidateDeviceTlb(TraceEvent e) {
    if (e.granularity == Granularity.GLOBAL) {
      int unit = e.unit;
      devices.forEachValue(d -> {
        if (d.unit == unit && d.deviceTlb != null) {
          d.deviceTlb.clear();
          cellOf(d).counters[DEVTLB_INVALIDATIONS.ordinal()]++;
        }
      });
      return;
    }
    requireSid(e);
    DeviceState dev = device(e.unit, e.sid);
    if (e.granularity != Granularity.DEVICE && e.granularity != Granularity.PAGE) {
      throw new ReplayException(e.seq, "inv_devtlb: granularity must be global, device or page, not '"
          + e.granularity.text() + "'");
    }
    if (dev.deviceTlb == null) {
      return; // the device has no ATS (not in ats.devices): nothing cached to invalidate
    }
    if (e.granularity == Granularity.DEVICE) {
      dev.deviceTlb.clear();
    } else if (e.am >= WHOLE_SPACE_AM) {
      dev.deviceTlb.clear();
    } else {
      long start = e.addr & -pageSelectiveSpan(e.am);
      dev.deviceTlb.invalidateRange(0, start, start + pageSelectiveSpan(e.am));
    }
    cellOf(dev).counters[DEVTLB_INVALIDATIONS.ordinal()]++;
  }

  /** Bytes covered by a page-selective invalidation: 2^am naturally aligned 4 KiB pages (am < 52). */
  private static long pageSelectiveSpan(int am) {
    return PageSizes.SIZE_4K << am;
  }

  private StatsCell cellOf(DeviceState dev) {
    if (dev.cell == null) {
      dev.cell = stats.cell(dev.unit, dev.sid, dev.domainId);
    }
    return dev.cell;
  }

  private void forEachCacheSet(int unit, java.util.function.Consumer<TranslationCaches> action) {
    java.util.List<TranslationCaches> list = cachesOfUnit.get(unit);
    if (list != null) {
      list.forEach(action);
    }
  }

  // ---- DMA -----------------------------------------------------------------------------------

  private void dma(EventKind kind, int unit, int sid, int pasid, long addr, long size, long data, long tsNs,
      long seq) {
    requireSid(kind, sid, seq);
    if (size <= 0) {
      throw new ReplayException(seq, kind.text() + ": size must be at least 1, is " + size);
    }
    long end = addr + size;
    if (Long.compareUnsigned(end, addr) < 0 && end != 0) {
      throw new ReplayException(seq, kind.text() + ": addr + size wraps around 2^64");
    }
    DeviceState dev = device(unit, sid);
    if (kind == EventKind.DMA_WRITE && MsiAddress.isInterruptWindow(addr)) {
      // a write to 0xFEE00000-0xFEEFFFFF is an interrupt request, not a memory write (VT-d)
      interrupt(dev, addr, data, tsNs, seq);
      return;
    }
    long[] k = cellOf(dev).counters;
    k[DMA_EVENTS.ordinal()]++;
    k[DMA_BYTES.ordinal()] += size;
    boolean write = kind == EventKind.DMA_WRITE;
    boolean perTlp = settings.dmaSplit == ModelSettings.DmaSplit.TLP;
    long tlpMask = settings.maxPayload - 1;
    long cur = addr;
    long last = addr + size - 1; // inclusive, so a DMA ending at 2^64 does not wrap
    while (true) {
      translate(dev, cur, write, tsNs, seq, pasid);
      long chunkMask = perTlp ? tlpMask : PageSizes.size(lastPageCode) - 1;
      long chunkLast = cur | chunkMask;
      boolean done = Long.compareUnsigned(chunkLast, last) >= 0;
      if (lastStale) {
        k[STALE_BYTES.ordinal()] += (done ? last : chunkLast) - cur + 1;
      }
      if (done) {
        break;
      }
      cur = chunkLast + 1;
    }
  }

  /**
   * Translates one page (or TLP) and records its statistics; sets {@link #lastPageCode} and
   * {@link #lastStale}. Everything is counted in the device's current statistics cell (a stale
   * context-cache hit translates in the cached domain but is counted under the current one).
   */
  private void translate(DeviceState dev, long iova, boolean write, long ts, long seq, int pasid) {
    TranslationCaches c = dev.caches;
    StatsCell cell = dev.cell;
    long[] k = cell.counters;
    lastPageCode = 0;
    lastStale = false;
    int need = write ? 2 : 1;
    int latency = 0;

    // ATS: the device's own TLB first; a miss (or a hit without the needed permission) becomes a
    // translation request to the IOMMU
    Iotlb atc = dev.deviceTlb;
    if (atc != null) {
      latency += devtlbLookupNs;
      boolean atcHit = atc.lookup(0, iova);
      if (atcHit && (atc.perm[atc.hitSlot] & need) == 0) {
        atc.dropHit(); // the answer to the request replaces the entry
        atcHit = false;
      }
      if (atcHit) {
        int slot = atc.hitSlot;
        k[DEVTLB_HITS.ordinal()]++;
        k[TRANSLATIONS.ordinal()]++;
        lastPageCode = atc.sizeCode[slot];
        if (atc.staleSince[slot] != Iotlb.FRESH) {
          staleHit(cell, ts - atc.staleSince[slot]);
        }
        record(cell, latency);
        return;
      }
      k[DEVTLB_MISSES.ordinal()]++;
      latency += atsRoundTripNs;
    }
    latency += lookupNs;

    // context: the context cache holds present entries only, as they were when cached
    DomainState dom;
    int domainId;
    boolean passthrough;
    int ctxSlot = c.contextCache == null ? -1 : c.contextCache.lookup(dev.sid, dev.sid);
    if (ctxSlot >= 0) {
      k[CONTEXT_CACHE_HITS.ordinal()]++;
      if (traceMode) {
        // only trace mode leaves a changed context entry cached: translate with the cached copy
        dom = c.cachedDomain[ctxSlot];
        domainId = c.cachedDomainId[ctxSlot];
        passthrough = c.cachedPassthrough[ctxSlot];
        if (!dev.attached || domainId != dev.domainId || passthrough != dev.passthrough) {
          k[STALE_CONTEXT_HITS.ordinal()]++;
        }
      } else {
        // strict and lazy drop the entry on every context change: the cached copy is the current one
        dom = dev.domain;
        domainId = dev.domainId;
        passthrough = dev.passthrough;
      }
    } else {
      k[CONTEXT_CACHE_MISSES.ordinal()]++;
      if (!dev.attached) {
        boolean root = buses.rootPresent(dev.unit, dev.sid, ts, seq);
        int reads = root ? 2 : 1;
        k[CONTEXT_MEMORY_READS.ordinal()] += reads;
        latency += reads * memoryReadNs;
        k[TRANSLATIONS.ordinal()]++;
        fault(dev, cell, iova, write, ts, seq, pasid, root ? FaultReason.CONTEXT_ENTRY_NOT_PRESENT : FaultReason.ROOT_ENTRY_NOT_PRESENT, latency);
        return;
      }
      k[CONTEXT_MEMORY_READS.ordinal()] += 2;
      latency += 2 * memoryReadNs;
      dom = dev.domain;
      domainId = dev.domainId;
      passthrough = dev.passthrough;
      if (c.contextCache != null) {
        int slot = c.contextCache.insert(dev.sid, dev.sid);
        c.cachedDomain[slot] = dom;
        c.cachedDomainId[slot] = domainId;
        c.cachedPassthrough[slot] = passthrough;
      }
    }
    if (passthrough) {
      k[PASSTHROUGH_ACCESSES.ordinal()]++;
      return;
    }
    k[TRANSLATIONS.ordinal()]++;
    if ((iova & addressLimitMask) != 0) {
      fault(dev, cell, iova, write, ts, seq, pasid, FaultReason.ADDRESS_BEYOND_MGAW, latency);
      return;
    }
    Iotlb iotlb = c.iotlb;
    if (iotlb.lookup(domainId, iova)) {
      k[IOTLB_HITS.ordinal()]++;
      int slot = iotlb.hitSlot;
      lastPageCode = iotlb.sizeCode[slot];
      if ((iotlb.perm[slot] & need) == 0) {
        fault(dev, cell, iova, write, ts, seq, pasid, write ? FaultReason.PTE_WRITE_NOT_SET : FaultReason.PTE_READ_NOT_SET, latency);
        if (curves != null) {
          curves.hit(dev, dom, domainId, iova, need, iotlb, slot);
        }
        return;
      }
      long staleSince = iotlb.staleSince[slot];
      if (staleSince != Iotlb.FRESH) {
        staleHit(cell, ts - staleSince);
      }
      if (atc != null) {
        atc.insert(0, iova, lastPageCode, iotlb.perm[slot], iotlb.stamp[slot], staleSince);
      }
      record(cell, latency);
      // the curves last, where least else is live: this call is never taken with curves off, and
      // earlier in the hit path its pending state alone cost the hit path ~8 % (JMH)
      if (curves != null) {
        curves.hit(dev, dom, domainId, iova, need, iotlb, slot);
      }
      return;
    }
    k[IOTLB_MISSES.ordinal()]++;
    int walkNs = walk(dom, domainId, c, iova, need, k);
    latency += walkNs;
    cell.walkLatency.recordValue(walkNs);
    if (curves != null) {
      curves.walked(dev, dom, domainId, iova, walkFault == NO_FAULT, lastPageCode);
    }
    if (walkFault != NO_FAULT) {
      fault(dev, cell, iova, write, ts, seq, pasid, write ? FaultReason.PTE_WRITE_NOT_SET : FaultReason.PTE_READ_NOT_SET, latency);
      return;
    }
    long flushesBefore = iotlb.fullFlushes();
    k[IOTLB_EVICTIONS.ordinal()] += iotlb.insert(domainId, iova, lastPageCode, walkPerm, walkStamp, Iotlb.FRESH);
    k[IOTLB_FULL_FLUSHES.ordinal()] += iotlb.fullFlushes() - flushesBefore;
    if (atc != null) {
      atc.insert(0, iova, lastPageCode, walkPerm, walkStamp, Iotlb.FRESH);
    }
    record(cell, latency);
  }

  private void staleHit(StatsCell cell, long exposureNs) {
    cell.counters[STALE_HITS.ordinal()]++;
    cell.staleExposure.recordValue(Math.max(0, exposureNs));
    lastStale = true;
  }

  // walk results (fields, not objects, so a walk allocates nothing)
  private int walkFault;
  private int walkPerm;
  private long walkStamp;

  /** Walks the domain's table for iova; returns the walk latency and sets walk* fields. */
  private int walk(DomainState dom, int domainId, TranslationCaches c, long iova, int need, long[] k) {
    IoPageTable pt = dom.pageTable;
    k[PAGE_WALKS.ordinal()]++;
    int latency = 0;
    int table = pt.rootTable();
    int level = pt.levels();
    int perm = 3;
    if (c.lowestPscLevel != 0) {
      latency += pscLookupNs;
      boolean hit = false;
      for (int l = c.lowestPscLevel; l <= pt.levels(); l++) {
        PagingStructureCache psc = c.psc[l];
        if (psc != null && psc.lookup(domainId, iova)) {
          k[DeviceCounter.pscHits(l)]++;
          table = psc.table[psc.hitSlot];
          perm = psc.perm[psc.hitSlot];
          level = l - 1;
          hit = true;
          break;
        }
      }
      if (!hit) {
        k[PSC_MISSES.ordinal()]++;
      }
    }
    int reads = 0;
    walkFault = NO_FAULT;
    while (true) {
      long pte = pt.entry(table, IoPageTable.indexAt(iova, level));
      reads++;
      if (!IoPageTable.isPresent(pte)) {
        walkFault = 1;
        lastPageCode = 0;
        break;
      }
      perm &= IoPageTable.perm(pte);
      if (IoPageTable.isLeaf(pte, level)) {
        lastPageCode = PageSizes.codeOfLevel(level);
        if ((perm & need) == 0) {
          walkFault = 1;
        } else {
          walkPerm = perm;
          walkStamp = pt.stamp(table, IoPageTable.indexAt(iova, level));
        }
        break;
      }
      int next = IoPageTable.nextTable(pte);
      if (c.psc[level] != null) {
        c.psc[level].insert(domainId, iova, next, perm);
      }
      table = next;
      level--;
    }
    k[WALK_MEMORY_READS.ordinal()] += reads;
    return latency + reads * memoryReadNs;
  }

  private void record(StatsCell cell, int latency) {
    cell.counters[LATENCY_SUM_NS.ordinal()] += latency;
    cell.translationLatency.recordValue(latency);
  }

  private void fault(DeviceState dev, StatsCell cell, long iova, boolean write, long ts, long seq, int pasid,
      FaultReason reason, int latency) {
    long[] k = cell.counters;
    k[FAULTS.ordinal()]++;
    switch (reason) {
      case ROOT_ENTRY_NOT_PRESENT: k[FAULTS_ROOT_NOT_PRESENT.ordinal()]++; break;
      case CONTEXT_ENTRY_NOT_PRESENT: k[FAULTS_CONTEXT_NOT_PRESENT.ordinal()]++; break;
      case ADDRESS_BEYOND_MGAW: k[FAULTS_BEYOND_WIDTH.ordinal()]++; break;
      case PTE_WRITE_NOT_SET: k[FAULTS_WRITE.ordinal()]++; break;
      default: k[FAULTS_READ.ordinal()]++; break;
    }
    record(cell, latency);
    faults.fault(ts, seq, dev.unit, dev.sid, pasid, dev.domainId, iova, write, reason.code());
  }

  private static void requireSid(TraceEvent e) {
    requireSid(e.kind, e.sid, e.seq);
  }

  private static void requireSid(EventKind kind, int sid, long seq) {
    if (sid < 0) {
      throw new ReplayException(seq, kind.text() + " needs a sid");
    }
  }

  private static void requireDomain(TraceEvent e) {
    requireDomain(e.kind, e.domain, e.seq);
  }

  private static void requireDomain(EventKind kind, int domain, long seq) {
    if (domain < 0 || domain > 0xFFFF) {
      throw new ReplayException(seq, kind.text() + " needs a domain id 0..65535 (VT-d DIDs are 16 bits), got " + domain);
    }
  }

  /** Domain statistics are complete only after the page-table sizes are read. */
  public ReplayStats finish() {
    domains.forEachValue(d -> {
      DomainCell cell = d.stats;
      cell.counters[DomainCounter.PAGE_TABLE_PAGES.ordinal()] = d.pageTable.tables();
    });
    if (curves != null && !curvesFinished) {
      curves.finish(stats);
      curvesFinished = true;
    }
    return stats;
  }

  private boolean curvesFinished;
}
