package io.iommusim.pipeline.job;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.ir.IrCounter;
import io.iommusim.translator.stats.DeviceCounter;
import io.iommusim.translator.stats.ReplayStats;
import io.iommusim.translator.stats.StatsCell;

/**
 * What one configuration's replay produced, merged over its tasks, with the record accounting
 * checked: every record the scan read was replayed once under this configuration.
 */
final class ConfigResult {
  final ConfigRun config;
  final ReplayStats stats;
  /** Records replayed by kind; broadcast events, replayed by every task, counted once. */
  final long[] replayedByKind;
  final long replayed;
  /** Rows of the faults table: faulting DMA translations and recorded (not FPD-suppressed) interrupt faults. */
  final long faults;

  private ConfigResult(ConfigRun config, ReplayStats stats, long[] replayedByKind, long replayed, long faults) {
    this.config = config;
    this.stats = stats;
    this.replayedByKind = replayedByKind;
    this.replayed = replayed;
    this.faults = faults;
  }

  static ConfigResult of(ConfigRun config, ReplayStats stats, TraceScan scan) {
    long[] byKind = stats.eventsByKind().clone();
    for (TraceEvent e : scan.broadcast) {
      byKind[e.kind.ordinal()]++;
    }
    long replayed = 0;
    for (long n : byKind) {
      replayed += n;
    }
    if (replayed != scan.records()) {
      throw new IllegalStateException("record accounting failed for config " + config.configId + ": read "
          + scan.records() + " but replayed " + replayed);
    }
    long faults = 0;
    for (StatsCell c : stats.cells()) {
      faults += c.get(DeviceCounter.FAULTS) + c.get(IrCounter.MSI_BLOCKED) - c.get(IrCounter.MSI_FAULT_RECORDS_SUPPRESSED);
    }
    return new ConfigResult(config, stats, byKind, replayed, faults);
  }

  long replayed(EventKind kind) {
    return replayedByKind[kind.ordinal()];
  }
}
