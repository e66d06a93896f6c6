package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.LineImporter;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.Sniff;
import io.iommusim.trace.imports.text.Hex;
import java.util.List;

/**
 * {@code qemu-trace}: QEMU's {@code log} trace backend (stderr, {@code -D file}, {@code -d trace:...})
 * for its vIOMMU models — Intel VT-d ({@code vtd_*}), AMD-Vi ({@code amdvi_*}), Arm SMMUv3
 * ({@code smmuv3_*}, {@code smmu_*}) — with any of the three historical line prefixes or none. See
 * the README ("Importing real traces") for what each event becomes and what is inferred.
 */
public final class QemuTraceImporter extends LineImporter {
  public static final String NAME = "qemu-trace";
  static final String UNIT = "unit";
  static final String DMA_SIZE = "dma_size";
  static final String DMA_ACCESS = "dma_access";
  static final String MAPS = "maps";
  static final String MSI_SID = "msi_sid";
  static final String DECIMAL_0X = "decimal_after_0x";

  private static final List<ImportOption> OPTIONS = List.of(
      ImportOption.value(UNIT, "0", "the IOMMU unit of every event (QEMU has one vIOMMU)"),
      ImportOption.value(DMA_SIZE, "4096", "bytes of each access (QEMU prints no length); cut at the end of the "
          + "4 KiB page, so that every access is one translation"),
      ImportOption.value(DMA_ACCESS, "read", "direction of accesses whose line does not say it: read or write"),
      ImportOption.value(MAPS, "trace", "trace = map state from the trace's page-walk and IOTLB-fill lines; "
          + "none = no maps (the state comes from another input, e.g. a debugfs dump)"),
      ImportOption.value(MSI_SID, "", "requester id (bb:dd.f) of interrupt requests whose line names none and "
          + "whose IRTE does not validate the source"),
      ImportOption.value(DECIMAL_0X, "auto", "fields once printed 0x%d (vtd_translate_pt, vtd_page_walk_one, "
          + "smmuv3_cmdq_cfgi_ste_range): auto, yes (decimal), no (hex)"));

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "QEMU log-backend trace of vtd_*, amdvi_*, smmuv3_*/smmu_* events: accesses, contexts, map state, "
        + "MSIs, invalidations, faults";
  }

  @Override
  public List<ImportOption> options() {
    return OPTIONS;
  }

  /** 90 for two or more lines of known vIOMMU events (60 for one); QEMU traces have no header. */
  @Override
  public int detect(Sniff head) {
    int known = 0;
    for (String line : head.lines()) {
      String body = TraceLine.parse(line).body();
      int space = body.indexOf(' ');
      String event = space < 0 ? body : body.substring(0, space);
      if (QemuEvents.get(event) != null) {
        known++;
        if (known == 2) {
          return 90;
        }
      }
    }
    return known == 1 ? 60 : 0;
  }

  @Override
  public void validate(ImportOptions options) {
    state(options);
  }

  private static QemuState state(ImportOptions o) {
    int unit = (int) o.integer(UNIT, 0, Integer.MAX_VALUE);
    long size = o.size(DMA_SIZE, 1, 4096);
    boolean write = o.choice(DMA_ACCESS, "read", "write").equals("write");
    boolean maps = o.choice(MAPS, "trace", "none").equals("trace");
    int msiSid = -1;
    if (!o.text(MSI_SID).isEmpty()) {
      msiSid = Hex.bdf(o.text(MSI_SID));
      if (msiSid < 0) {
        throw o.error(MSI_SID, "expected a PCI device bb:dd.f");
      }
    }
    String d = o.choice(DECIMAL_0X, "auto", "yes", "no");
    Boolean decimal = d.equals("auto") ? null : d.equals("yes");
    return new QemuState(unit, size, write, maps, msiSid, decimal);
  }

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new QemuParser(state(options));
  }
}
