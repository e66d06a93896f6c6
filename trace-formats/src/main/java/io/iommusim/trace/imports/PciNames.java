package io.iommusim.trace.imports;

import io.iommusim.trace.Sid;
import java.util.regex.Pattern;

/** Linux device names of PCI functions ({@code dev_name()}: {@code 0000:c2:00.0}) as requester ids. */
public final class PciNames {
  private static final Pattern PCI = Pattern.compile("(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\\.[0-7]");

  private PciNames() {}

  /** The requester id of a PCI device name (segment included), or -1 when the name is not a PCI function's. */
  public static int sid(String name) {
    if (!PCI.matcher(name).matches()) {
      return -1;
    }
    return Sid.parse(name);
  }
}
