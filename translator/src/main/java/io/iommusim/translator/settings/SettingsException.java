package io.iommusim.translator.settings;

/** An invalid model setting: names the key, the value given and what is accepted. */
public class SettingsException extends IllegalArgumentException {
  public SettingsException(String message) {
    super(message);
  }
}
