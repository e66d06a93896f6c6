package io.iommusim.pipeline.job;

import io.iommusim.translator.settings.Settings;

/** What every job is asked: where its output goes, whether it may replace one, and the model settings. */
public class OutputRequest {
  public String out;
  public boolean overwrite;
  public Settings settings = Settings.defaults();
}
