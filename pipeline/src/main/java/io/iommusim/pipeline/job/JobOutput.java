package io.iommusim.pipeline.job;

import io.iommusim.pipeline.output.ImportSidecars;
import io.iommusim.pipeline.output.OutputCommitter;
import org.apache.hadoop.conf.Configuration;

/**
 * A job's output: its tables (or trace) under a staging directory and, for imported inputs, the
 * import report and rejects beside it. Both are committed when the job's work returns and dropped
 * when it throws, so a failed job leaves nothing behind.
 */
final class JobOutput {
  private JobOutput() {}

  /** The job's work, writing through the committer and the sidecars. */
  interface Work<R> {
    R run(OutputCommitter committer, ImportSidecars sidecars);
  }

  static <R> R write(OutputRequest request, Configuration conf, Work<R> work) {
    OutputCommitter committer = OutputCommitter.begin(request.out, request.overwrite, conf);
    ImportSidecars sidecars = ImportSidecars.plan(request.out, request.overwrite, conf);
    try {
      R result = work.run(committer, sidecars);
      committer.commit();
      if (sidecars.isOpen()) {
        sidecars.commit();
      }
      return result;
    } catch (Throwable e) { // Spark rethrows task failures as its checked SparkException
      committer.abort();
      sidecars.abort();
      throw e;
    }
  }
}
