package io.iommusim.translator.mrc;

import java.util.Locale;

/**
 * Whose IOTLB lookups a miss-ratio curve counts, and which IOTLB it models (README, "Miss-ratio
 * curves"): one IOTLB shared by every device of a unit, one per domain, or one per device.
 */
public enum MrcScope {
  UNIT,
  DOMAIN,
  DEVICE;

  /** The spelling in table {@code mrc}: {@code unit}, {@code domain}, {@code device}. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
