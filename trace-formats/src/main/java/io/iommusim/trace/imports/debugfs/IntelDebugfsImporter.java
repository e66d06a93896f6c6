package io.iommusim.trace.imports.debugfs;

import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.LineImporter;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.Sniff;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code intel-debugfs}: a dump of {@code /sys/kernel/debug/iommu/intel/} (CONFIG_INTEL_IOMMU_DEBUGFS) —
 * {@code dmar_translation_struct}, {@code domain_translation_struct} (the global file of 4.20-6.x and
 * the per-device files since), {@code ir_translation_struct}, concatenated in any number — as the
 * initial state of a replay: attach events for the context (and PASID) entries, maps for the page
 * tables, irte_set for the interrupt-remapping entries, all at one time. {@code iommu_regset},
 * {@code invalidation_queue} and {@code dmar_perf_latency} are recognised and ignored.
 */
public final class IntelDebugfsImporter extends LineImporter {
  public static final String NAME = "intel-debugfs";
  static final String TS = "ts_ns";
  static final String PASIDS = "pasids";
  static final String MADE_UP = "made_up_domains_from";

  private static final List<ImportOption> OPTIONS = List.of(
      ImportOption.value(TS, "0", "the time of every event of the dump (ns): a dump is the state before a trace"),
      ImportOption.value(PASIDS, "rid", "scalable mode: rid = attach only the RID_PASID entry of each device (the "
          + "context of requests without a PASID); all = every PASID entry, as attach with its pasid"),
      ImportOption.value(MADE_UP, "32768", "domain ids given to page tables whose domain id the dump does not show "
          + "(no context row points at them): this one, then counting up"));

  private static final Pattern SIGNATURE = Pattern.compile("\\s*(IOMMU dmar\\d+: (Extended )?Root Table Address"
      + "|B\\.D\\.F\\s+Root_entry|Remapped Interrupt supported on IOMMU: dmar|Posted Interrupt supported on IOMMU"
      + "|IOVA_PFN\\s+PML5E|Device [0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7] (with pasid \\S+ )?@"
      + "|Entry SrcID\\s+(DstID|PDA_high)|Context Table Entries for Bus: \\d+).*");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Intel IOMMU debugfs dump (dmar/domain/ir_translation_struct): the initial state (attach, map, "
        + "irte_set at ts_ns) for a trace replayed on top";
  }

  @Override
  public List<ImportOption> options() {
    return OPTIONS;
  }

  /** 95 for any of the files' own headers. */
  @Override
  public int detect(Sniff head) {
    for (String line : head.lines()) {
      if (SIGNATURE.matcher(line).matches()) {
        return 95;
      }
    }
    return 0;
  }

  @Override
  public void validate(ImportOptions options) {
    options.integer(TS, Long.MIN_VALUE + 1, Long.MAX_VALUE);
    options.choice(PASIDS, "rid", "all");
    options.integer(MADE_UP, 0, 0xFFFF);
  }

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new DebugfsParser(options.integer(TS, Long.MIN_VALUE + 1, Long.MAX_VALUE),
        options.choice(PASIDS, "rid", "all").equals("all"), (int) options.integer(MADE_UP, 0, 0xFFFF));
  }
}
