package io.iommusim.pipeline.job;

import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.ModelSettings.InvalidationMode;
import io.iommusim.translator.settings.Settings;

/**
 * One configuration a job replays the trace under: its index in the job (0 in simulate, the
 * position in the sweep otherwise), its effective settings and config id, and the invalidation
 * mode in force for this trace ({@code auto} resolved by whether the trace carries invalidations).
 * The replay runs {@link #replayModel}: the configuration's model, or the same without miss-ratio
 * curves when it takes them from another configuration ({@link SharedCurves}).
 */
final class ConfigRun {
  final int index;
  final Settings settings;
  final ModelSettings model;
  final ModelSettings replayModel;
  final String configId;
  final InvalidationMode invalidation;

  ConfigRun(int index, Settings settings, ModelSettings model, TraceScan scan) {
    this(index, settings, model, model, model.invalidationFor(scan.invalidations > 0));
  }

  private ConfigRun(int index, Settings settings, ModelSettings model, ModelSettings replayModel,
      InvalidationMode invalidation) {
    this.index = index;
    this.settings = settings;
    this.model = model;
    this.replayModel = replayModel;
    this.configId = settings.configId();
    this.invalidation = invalidation;
  }

  /** This configuration replayed without computing miss-ratio curves (it is given them). */
  ConfigRun withoutCurves() {
    return new ConfigRun(index, settings, model,
        new ModelSettings(settings.with("mrc.enabled=false", "curves shared with another configuration")),
        invalidation);
  }
}
