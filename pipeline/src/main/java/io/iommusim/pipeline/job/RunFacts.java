package io.iommusim.pipeline.job;

import io.iommusim.pipeline.Version;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.trace.EventKind;
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
    info.add("records", "dma_invalidation_events", scan.invalidations);
    for (Input in : plan.inputs) {
      info.add("input", "file." + in.index, in.path);
      info.add("input", "file." + in.index + ".format", in.format.name().toLowerCase());
      info.add("input", "file." + in.index + ".records", scan.recordsPerInput[in.index]);
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
}
