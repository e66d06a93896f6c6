package io.iommusim.trace.imports.ftrace;

import io.iommusim.trace.imports.DomainMapFile;
import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.LineImporter;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.PageRuns;
import io.iommusim.trace.imports.Sniff;
import java.util.List;

/**
 * {@code --format ftrace}: Linux tracepoint text from {@code /sys/kernel/tracing/trace}, {@code trace_pipe},
 * {@code trace-cmd report} and {@code perf script} — the {@code iommu:*}, {@code dma:*} and
 * {@code intel_iommu:*} events of trace-formats.md §2. What each event becomes is in the README
 * ("ftrace").
 */
public final class FtraceImporter extends LineImporter {
  public static final String NAME = "ftrace";

  /** Where invalidations come from when a capture has both qi_submit and cache_tag flushes. */
  public enum Invalidations { AUTO, QI, CACHE_TAG }

  /** The options, parsed. */
  record Config(DomainMapFile domains, boolean inferDomains, int inferredDomainBase, String iommuDevice,
      boolean unitsFromDmar, long[] pageSizes, Invalidations invalidations, boolean pasidAttach, String faultVendor) {}

  static final List<ImportOption> OPTIONS = List.of(
      ImportOption.file("domains", "device -> domain map: lines 'DEVICE DOMAIN [unit=N] [sid=BDF]' and "
          + "'pid:PID DEVICE' (iommu:map/unmap of that task belong to DEVICE)"),
      ImportOption.value("infer-domains", "true", "give devices without a known domain one per IOMMU group "
          + "(or per device), numbered from inferred-domain-base; false: their lines are unparsed"),
      ImportOption.value("inferred-domain-base", "1", "first inferred domain number"),
      ImportOption.value("iommu-device", "", "device that iommu:map/unmap without a dma:* partner belong to"),
      ImportOption.value("units", "dmar", "dmar: unit N for intel_iommu events of dmarN (devices get theirs from "
          + "cache_tag_assign or the domains file, else 0); single: everything unit 0"),
      ImportOption.value("page-sizes", "4k", "IOMMU page sizes mappings are cut into as Linux does: 4k, 4k+2m, "
          + "4k+2m+1g"),
      ImportOption.value("invalidations", "auto", "auto: qi_submit once seen, cache_tag flushes before; qi; cache-tag"),
      ImportOption.value("pasid-attach", "ignore", "cache_tag_assign/unassign for a PASID: ignore, or attach "
          + "(the model does not tag contexts by PASID: such an attach replaces the device's context)"),
      ImportOption.value("fault-vendor", "", "vendor column of io_page_fault events: vtd, amdvi, smmuv3, smmuv2 "
          + "(empty: unknown)"));

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Linux tracepoints (iommu:*, dma:*, intel_iommu:*) from trace, trace_pipe, trace-cmd report, perf script";
  }

  @Override
  public List<ImportOption> options() {
    return OPTIONS;
  }

  /**
   * 95 with a {@code # tracer:} header; otherwise by the share of non-blank lines that are traced events:
   * 80 when at least half are and one is an IOMMU/DMA event we know, 60 when at least half are.
   */
  @Override
  public int detect(Sniff head) {
    int events = 0;
    int known = 0;
    int lines = 0;
    for (String l : head.nonBlankLines()) {
      if (l.startsWith("# tracer:")) {
        return 95;
      }
      if (l.startsWith("#")) {
        continue;
      }
      lines++;
      FtraceLine f = FtraceLine.parse(l);
      if (f != null) {
        events++;
        if (Bodies.systemOf(f.event()) != null) {
          known++;
        }
      }
    }
    if (lines == 0 || events * 2 < lines) {
      return 0;
    }
    return known > 0 ? 80 : 60;
  }

  @Override
  public void validate(ImportOptions o) {
    config(o);
  }

  static Config config(ImportOptions o) {
    String units = o.choice("units", "dmar", "single");
    String sizes = o.choice("page-sizes", "4k", "4k+2m", "4k+2m+1g");
    long[] pageSizes = switch (sizes) {
      case "4k" -> new long[] {PageRuns.SIZE_4K};
      case "4k+2m" -> new long[] {PageRuns.SIZE_4K, PageRuns.SIZE_2M};
      default -> new long[] {PageRuns.SIZE_4K, PageRuns.SIZE_2M, PageRuns.SIZE_1G};
    };
    Invalidations inv = switch (o.choice("invalidations", "auto", "qi", "cache-tag")) {
      case "qi" -> Invalidations.QI;
      case "cache-tag" -> Invalidations.CACHE_TAG;
      default -> Invalidations.AUTO;
    };
    String vendor = o.choice("fault-vendor", "", "vtd", "amdvi", "smmuv3", "smmuv2");
    String device = o.text("iommu-device");
    return new Config(DomainMapFile.parse(o.fileText("domains"), "domains"), o.bool("infer-domains"),
        (int) o.integer("inferred-domain-base", 0, 0xFFFF), device.isEmpty() ? null : device, units.equals("dmar"),
        pageSizes, inv, o.choice("pasid-attach", "ignore", "attach").equals("attach"),
        vendor.isEmpty() ? null : vendor);
  }

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new FtraceParser(config(options));
  }
}
