package io.iommusim.trace.imports.kernellog;

import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.LineImporter;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.Sniff;
import java.util.List;

/**
 * {@code --format kernel-log}: IOMMU fault records in dmesg, journal/syslog and Xen console output
 * (trace-formats.md §3) as {@code fault_observed} events. What each record becomes is in the README
 * ("kernel-log").
 */
public final class KernelLogImporter extends LineImporter {
  public static final String NAME = "kernel-log";

  static final List<ImportOption> OPTIONS = List.of(ImportOption.value("syslog-year", "1970",
      "year of syslog dates (they print none), used only for lines without a [seconds] kernel time"));

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "kernel log fault records (Intel DMAR, AMD-Vi, Arm SMMUv3/v2, Xen) from dmesg, journal, syslog";
  }

  @Override
  public List<ImportOption> options() {
    return OPTIONS;
  }

  /**
   * 85 when a fault record of a known vendor is present and at least half the lines are kernel log
   * lines (or messages of fault records); 55 for a log of kernel lines with no fault record.
   */
  @Override
  public int detect(Sniff head) {
    int lines = 0;
    int logLines = 0;
    boolean fault = false;
    for (String text : head.nonBlankLines()) {
      lines++;
      LogLine l = LogLine.parse(text, 1970);
      if (l == null) {
        continue;
      }
      var d = Messages.decode(l);
      boolean record = d.isRecord();
      fault |= record;
      if (l.origin() != LogLine.Origin.NONE || record) {
        logLines++;
      }
    }
    if (lines == 0 || logLines * 2 < lines) {
      return 0;
    }
    return fault ? 85 : 55;
  }

  @Override
  public void validate(ImportOptions options) {
    options.integer("syslog-year", 1970, 9999);
  }

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new KernelLogParser((int) options.integer("syslog-year", 1970, 9999));
  }
}
