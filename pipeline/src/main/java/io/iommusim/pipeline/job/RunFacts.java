package io.iommusim.pipeline.job;

import io.iommusim.pipeline.Version;
import io.iommusim.pipeline.ingest.TraceInputs;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.MrcTable;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.translator.settings.ModelSettings;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The run_info rows of one configuration's run (sections version, setting, model, records, input,
 * spark); the caller adds what is particular to its job and the timing. Simulate writes one such
 * set; sweep writes one per configuration, each tagged with that configuration's config id.
 */
final class RunFacts {
  private RunFacts() {}

  static RunInfo of(SparkSession spark, TracePlan plan, ConfigResult result) {
    ConfigRun config = result.config;
    TraceScan scan = plan.scan;
    RunInfo info = new RunInfo(config.configId);
    info.add("version", "iommusim", Version.get());
    info.add("version", "spark", spark.version());
    info.add("version", "java", System.getProperty("java.version"));
    for (Map.Entry<String, String> s : config.settings.asMap().entrySet()) {
      info.add("setting", s.getKey(), s.getValue());
    }
    info.add("model", "invalidation.mode", config.invalidation.name().toLowerCase());
    if (config.model.mrcEnabled) {
      MrcTable.runInfo(result.stats,
              scan.timeline.mrcPlan(config.model.partitionBy == ModelSettings.PartitionBy.DEVICE))
          .forEach((k, v) -> info.add("mrc", k, v));
    }
    info.add("records", "dma_invalidation_events", scan.invalidations);
    for (Input in : plan.inputs) {
      info.add("input", "file." + in.index, in.path);
      info.add("input", "file." + in.index + ".format", in.formatName());
      info.add("input", "file." + in.index + ".records", scan.recordsPerInput[in.index]);
      if (in.importSettings != null) {
        for (Map.Entry<String, String> s : in.importSettings.describe().entrySet()) {
          info.add("input", "file." + in.index + ".import." + s.getKey(), s.getValue());
        }
      }
    }
    info.add("records", "read", scan.records());
    info.add("records", "replayed", result.replayed);
    info.add("records", "rejected", 0);
    for (EventKind k : EventKind.values()) {
      info.add("records", "replayed." + k.text(), result.replayed(k));
    }
    info.add("records", "faults", result.faults);
    info.add("spark", "master", spark.sparkContext().master());
    info.add("spark", "input_splits", scan.splits.size());
    info.add("spark", "replay_path", plan.path);
    if (plan.prepared == null) {
      info.add("spark", "replay_groups", scan.groups.groupCount());
    }
    info.add("spark", "replay_tasks", plan.replayTasks());
    info.add("spark", "shuffle_partitions", spark.conf().get("spark.sql.shuffle.partitions"));
    return info;
  }

  /**
   * The import section: each imported input's line accounting and report notes, and the report and
   * rejects files beside the output (written by {@link ImportSidecars#write}).
   */
  static void addImports(RunInfo info, TracePlan plan, ImportSidecars sidecars) {
    TraceScan scan = plan.scan;
    List<Input> imported = plan.inputs.stream().filter(in -> in.format == TraceInputs.Format.IMPORTED).toList();
    for (int i = 0; i < scan.importReports.size(); i++) {
      ImportReport r = scan.importReports.get(i);
      String p = "file." + imported.get(i).index + ".";
      info.add("import", p + "lines", r.lines());
      info.add("import", p + "event_lines", r.eventLines());
      info.add("import", p + "ignored_lines", r.ignoredLines());
      info.add("import", p + "unparsed_lines", r.unparsedLines());
      info.add("import", p + "events", r.events());
      for (Map.Entry<String, ImportReport.Tally> n : r.notes().entrySet()) {
        info.add("import", p + "note." + n.getKey(), n.getValue().amount() != 0 ? n.getValue().amount()
            : n.getValue().count());
      }
    }
    if (sidecars.isOpen()) {
      info.add("import", "report_file", sidecars.reportPath().toString());
      info.add("import", "rejects_file", sidecars.rejectsPath().toString());
    }
  }
}
