package io.iommusim.pipeline.job;

import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which configurations of a sweep can take their miss-ratio curves from an earlier configuration
 * instead of computing them. The curves are a function of the IOTLB lookup stream: the tags looked up,
 * what the page table makes of each, and the invalidations. Under {@code invalidation.mode=strict} the
 * IOTLB never holds an entry the page table contradicts, so its size, associativity and policy change
 * which lookups hit but not the stream (with lazy or trace-driven invalidation a stale entry can change
 * how a DMA is cut into translations, or what a device TLB is filled with). Two configurations share
 * their curves when both compute curves, both run strict, and their settings differ only in
 * {@link #IOTLB_GEOMETRY}; {@code iotlb.index} is not among them, as the curves index their sets the
 * way the IOTLB does. The usual cache-sizing grid ({@code iotlb.entries} × {@code iotlb.policy}) then
 * computes its curves once.
 */
final class SharedCurves {
  /** Settings that shape the modelled IOTLB but not its lookup stream (strict invalidation). */
  static final Set<String> IOTLB_GEOMETRY = Set.of("iotlb.entries", "iotlb.ways", "iotlb.policy", "random.seed");

  private SharedCurves() {}

  /**
   * For each configuration (by index), the index of the configuration whose replay computes its
   * curves: the first one it can share with, itself if none (or if it computes no curves).
   */
  static int[] sources(List<ConfigRun> runs) {
    int[] source = new int[runs.size()];
    Map<Map<String, String>, Integer> firstWithStream = new HashMap<>();
    for (ConfigRun run : runs) {
      source[run.index] = run.index;
      if (!run.model.mrcEnabled || run.invalidation != InvalidationMode.STRICT) {
        continue;
      }
      Integer first = firstWithStream.putIfAbsent(streamSettings(run), run.index);
      if (first != null) {
        source[run.index] = first;
      }
    }
    return source;
  }

  /** The settings that can change the IOTLB lookup stream. */
  private static Map<String, String> streamSettings(ConfigRun run) {
    Map<String, String> out = new TreeMap<>(run.settings.asMap());
    out.keySet().removeAll(IOTLB_GEOMETRY);
    return out;
  }
}
