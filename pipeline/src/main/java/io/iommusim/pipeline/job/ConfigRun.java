package io.iommusim.pipeline.job;

import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.settings.Settings;

/**
 * One configuration a job replays the trace under: its index in the job (0 in simulate, the
 * position in the sweep otherwise), its effective settings and config id, and the invalidation
 * mode in force for this trace ({@code auto} resolved by whether the trace carries invalidations).
 */
final class ConfigRun {
  final int index;
  final Settings settings;
  final ModelSettings model;
  final String configId;
  final InvalidationMode invalidation;

  ConfigRun(int index, Settings settings, ModelSettings model, TraceScan scan) {
    this.index = index;
    this.settings = settings;
    this.model = model;
    this.configId = settings.configId();
    this.invalidation = model.invalidationFor(scan.invalidations > 0);
  }
}
