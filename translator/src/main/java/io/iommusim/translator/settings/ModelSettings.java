package io.iommusim.translator.settings;

/**
 * Typed, validated, read-only view of {@link Settings}: what the model reads on its hot path.
 * Every key is documented in {@code iommusim-defaults.properties}.
 */
public final class ModelSettings implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  public enum PartitionBy { DEVICE, UNIT }

  public enum DmaSplit { PAGE, TLP }

  /** How cached translations are invalidated; AUTO resolves to TRACE or STRICT, see {@link #invalidationFor}. */
  public enum InvalidationMode { AUTO, TRACE, STRICT, LAZY }

  public final Settings source;
  public final PartitionBy partitionBy;
  public final int addressWidth;
  public final DmaSplit dmaSplit;
  public final int maxPayload;
  public final CacheSettings iotlb;
  /** Paging-structure caches indexed by the level of the entries they hold (2..5); index 0 and 1 unused. */
  public final CacheSettings[] psc = new CacheSettings[6];
  public final CacheSettings contextCache;
  public final InvalidationMode invalidationMode;
  public final int lazyQueueSize;
  public final long lazyTimeoutNs;
  /** Requester ids with ATS (a device TLB); empty = none. */
  public final java.util.Set<Integer> atsDevices;
  public final boolean atsAllDevices;
  public final CacheSettings devtlb;
  public final int devtlbLookupNs;
  public final int atsRoundTripNs;
  public final int iotlbLookupNs;
  public final int contextCacheLookupNs;
  public final int pscLookupNs;
  public final int memoryReadNs;
  public final long randomSeed;
  /** {@code ir.enabled}: false models a platform without interrupt remapping (every MSI delivered unchecked). */
  public final boolean irEnabled;
  /** {@code ir.table_entries}: IRTEs in each unit's table, a power of two 2..65536 (VT-d 2^(IRTA.S+1)). */
  public final int irTableEntries;
  /** {@code ir.block_compat}: compatibility-format MSIs are blocked (fault 0x25) rather than passed through. */
  public final boolean irBlockCompat;
  /** {@code iec.*}: the interrupt-entry cache; entries = 0 disables it. */
  public final CacheSettings iec;
  /** {@code mrc.enabled}: compute the IOTLB miss-ratio curves (table mrc). */
  public final boolean mrcEnabled;
  /** {@code mrc.max_entries}: the largest cache on the curves. */
  public final int mrcMaxEntries;
  /** {@code mrc.sets} with 1 (fully associative) added: ascending, distinct powers of two ≤ mrcMaxEntries. */
  private final int[] mrcSetCounts;

  public ModelSettings(Settings s) {
    this.source = s;
    this.partitionBy = choice(s, "partition.by", PartitionBy.class);
    int aw = intIn(s, "iommu.address_width", 39, 57);
    if (aw != 39 && aw != 48 && aw != 57) {
      throw new SettingsException("iommu.address_width: " + aw + " is not one of 39, 48, 57");
    }
    this.addressWidth = aw;
    this.dmaSplit = choice(s, "dma.split", DmaSplit.class);
    this.maxPayload = intIn(s, "dma.max_payload", 128, 4096);
    if (Integer.bitCount(maxPayload) != 1) {
      throw new SettingsException("dma.max_payload: " + maxPayload + " is not a power of two");
    }
    this.iotlb = CacheSettings.parse(s, "iotlb", false);
    for (int level = 2; level <= 5; level++) {
      psc[level] = CacheSettings.parse(s, "psc.l" + level, true);
    }
    this.contextCache = CacheSettings.parse(s, "context_cache", true);
    this.invalidationMode = choice(s, "invalidation.mode", InvalidationMode.class);
    this.lazyQueueSize = intIn(s, "invalidation.lazy.queue_size", 1, 1 << 24);
    this.lazyTimeoutNs = longIn(s, "invalidation.lazy.timeout_ns", 1, Long.MAX_VALUE / 4);
    String ats = s.get("ats.devices");
    this.atsAllDevices = ats.equals("all");
    java.util.Set<Integer> atsSet = new java.util.TreeSet<>();
    if (!atsAllDevices && !ats.isEmpty()) {
      for (String part : ats.split(",")) {
        int sid = io.iommusim.trace.Sid.parse(part.trim());
        if (sid < 0) {
          throw new SettingsException("ats.devices: '" + part.trim() + "' is not a requester id (bb:dd.f, ssss:bb:dd.f or a number)");
        }
        atsSet.add(sid);
      }
    }
    this.atsDevices = java.util.Collections.unmodifiableSet(atsSet);
    this.devtlb = CacheSettings.parse(s, "devtlb", false);
    this.devtlbLookupNs = intIn(s, "latency.devtlb_lookup_ns", 0, 1_000_000);
    this.atsRoundTripNs = intIn(s, "latency.ats_round_trip_ns", 0, 1_000_000);
    this.iotlbLookupNs = intIn(s, "latency.iotlb_lookup_ns", 0, 1_000_000);
    this.contextCacheLookupNs = intIn(s, "latency.context_cache_lookup_ns", 0, 1_000_000);
    this.pscLookupNs = intIn(s, "latency.psc_lookup_ns", 0, 1_000_000);
    this.memoryReadNs = intIn(s, "latency.memory_read_ns", 0, 1_000_000);
    this.randomSeed = longOf(s, "random.seed");
    this.irEnabled = bool(s, "ir.enabled");
    int irte = intIn(s, "ir.table_entries", 2, 65536);
    if (Integer.bitCount(irte) != 1) {
      throw new SettingsException("ir.table_entries: " + irte
          + " is not a power of two (a VT-d IR table holds 2^(S+1) entries, S = 0..15)");
    }
    this.irTableEntries = irte;
    this.irBlockCompat = bool(s, "ir.block_compat");
    this.iec = CacheSettings.parse(s, "iec", true);
    this.mrcEnabled = bool(s, "mrc.enabled");
    this.mrcMaxEntries = intIn(s, "mrc.max_entries", 1, 1 << 20);
    this.mrcSetCounts = setCounts(s, "mrc.sets", mrcMaxEntries);
  }

  /** {@code mrc.sets} with 1 added, ascending (a fresh copy). */
  public int[] mrcSetCounts() {
    return mrcSetCounts.clone();
  }

  private static int[] setCounts(Settings s, String key, int maxEntries) {
    java.util.TreeSet<Integer> counts = new java.util.TreeSet<>();
    counts.add(1); // the fully associative curve is the one-set curve, always there
    String text = s.get(key);
    if (!text.isEmpty()) {
      for (String part : text.split(",", -1)) {
        String t = part.trim();
        long v;
        try {
          v = Long.parseLong(t);
        } catch (NumberFormatException e) {
          throw new SettingsException(key + ": '" + t + "' is not an integer");
        }
        if (v < 1 || Long.bitCount(v) != 1) {
          throw new SettingsException(key + ": " + v + " is not a power of two");
        }
        if (v > maxEntries) {
          throw new SettingsException(key + ": " + v + " sets exceed mrc.max_entries (" + maxEntries + ")");
        }
        if (!counts.add((int) v) && v != 1) {
          throw new SettingsException(key + ": " + v + " is listed twice");
        }
      }
    }
    return counts.stream().mapToInt(Integer::intValue).toArray();
  }

  public static ModelSettings defaults() {
    return new ModelSettings(Settings.defaults());
  }

  /** Page-table levels for the address width: 3, 4 or 5. */
  public int levels() {
    return (addressWidth - 12) / 9;
  }

  /** Whether a device (any unit) has ATS, i.e. a device TLB. */
  public boolean hasAts(int sid) {
    return atsAllDevices || atsDevices.contains(sid);
  }

  /**
   * The invalidation mode in force: AUTO is TRACE when the trace carries DMA-remapping invalidations
   * (inv_iotlb, inv_context, inv_devtlb: its own invalidations are then the truth) and STRICT
   * otherwise. inv_iec alone does not count: it says nothing about how the IOTLB was invalidated.
   */
  public InvalidationMode invalidationFor(boolean traceHasInvalidations) {
    if (invalidationMode != InvalidationMode.AUTO) {
      return invalidationMode;
    }
    return traceHasInvalidations ? InvalidationMode.TRACE : InvalidationMode.STRICT;
  }

  static long longIn(Settings s, String key, long min, long max) {
    long v = longOf(s, key);
    if (v < min || v > max) {
      throw new SettingsException(key + ": " + v + " is outside " + min + ".." + max);
    }
    return v;
  }

  static int intIn(Settings s, String key, int min, int max) {
    long v = longOf(s, key);
    if (v < min || v > max) {
      throw new SettingsException(key + ": " + v + " is outside " + min + ".." + max);
    }
    return (int) v;
  }

  static long longOf(Settings s, String key) {
    String text = s.get(key);
    try {
      return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new SettingsException(key + ": '" + text + "' is not an integer");
    }
  }

  static boolean bool(Settings s, String key) {
    String text = s.get(key);
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw new SettingsException(key + ": '" + text + "' is not one of true, false");
  }

  static <E extends Enum<E>> E choice(Settings s, String key, Class<E> type) {
    String text = s.get(key);
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(text.replace('-', '_'))) {
        return e;
      }
    }
    StringBuilder valid = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      valid.append(valid.length() == 0 ? "" : ", ").append(e.name().toLowerCase().replace('_', '-'));
    }
    throw new SettingsException(key + ": '" + text + "' is not one of " + valid);
  }
}
