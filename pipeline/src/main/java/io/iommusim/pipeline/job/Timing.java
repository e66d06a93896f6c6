package io.iommusim.pipeline.job;

import java.util.LinkedHashMap;
import java.util.Map;

/** Wall-clock time of a job's phases, for run_info's timing section (ms). */
final class Timing {
  private final long start = System.nanoTime();
  private long last = start;
  private final Map<String, Long> phases = new LinkedHashMap<>();

  /** Ends the phase that started at the previous mark (or at the start) and records it as {@code <name>_ms}. */
  void phase(String name) {
    long now = System.nanoTime();
    phases.put(name + "_ms", (now - last) / 1_000_000);
    last = now;
  }

  /** Adds every phase and {@code total_ms} (from the start until now). */
  void addTo(RunInfo info) {
    phases.forEach((k, v) -> info.add("timing", k, v));
    info.add("timing", "total_ms", (System.nanoTime() - start) / 1_000_000);
  }
}
