package io.iommusim.trace.generate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The registry of synthetic workloads by name, for the {@code generate} command: builds a workload from
 * textual options and describes every option with its default for {@code --help}.
 */
public final class Workloads {
  private record Entry(String description, List<OptionSpec> options, Function<WorkloadOptions, Workload> factory) {}

  private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put(NicRingWorkload.NAME, new Entry(
        "multi-queue NIC with per-packet streaming DMA mappings (map, descriptor/data DMAs, unmap), "
            + "queue MSIs through remapped IRTEs, and optional strict or lazy (flush-queue) IOTLB invalidations",
        NicRingWorkload.OPTIONS, NicRingWorkload::fromOptions));
    REGISTRY.put(RandomWindowWorkload.NAME, new Entry(
        "pcie-bench: fixed-size DMAs at random offsets in one window mapped up front",
        RandomWindowWorkload.OPTIONS, RandomWindowWorkload::fromOptions));
    REGISTRY.put(BadActorWorkload.NAME, new Entry(
        "a good device plus requesters that fault with VT-d reasons 0x01, 0x02, 0x04, 0x05, 0x06, "
            + "and MSI spoofing (0x26) / compatibility-format MSIs (0x25)",
        BadActorWorkload.OPTIONS, BadActorWorkload::fromOptions));
  }

  private Workloads() {}

  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** @throws IllegalArgumentException for an unknown workload or a bad option, naming it */
  public static Workload create(String name, Map<String, String> options) {
    Entry e = entry(name);
    return e.factory().apply(new WorkloadOptions(name, e.options(), options));
  }

  public static String description(String name) {
    return entry(name).description();
  }

  public static List<OptionSpec> options(String name) {
    return entry(name).options();
  }

  /** Every workload with its options and defaults, one option per line, for {@code --help}. */
  public static String help() {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Entry> e : REGISTRY.entrySet()) {
      lines.add(e.getKey() + " — " + e.getValue().description());
      for (OptionSpec o : e.getValue().options()) {
        lines.add(String.format("    %-18s %s (default %s)", o.name(), o.description(), o.defaultValue()));
      }
    }
    return String.join(System.lineSeparator(), lines) + System.lineSeparator();
  }

  private static Entry entry(String name) {
    Entry e = REGISTRY.get(name);
    if (e == null) {
      throw new IllegalArgumentException("unknown workload '" + name + "'; valid workloads: " + String.join(", ", REGISTRY.keySet()));
    }
    return e;
  }
}
