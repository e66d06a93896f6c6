package io.iommusim.pipeline.output;

import io.iommusim.pipeline.ingest.TraceInputs.Format;
import io.iommusim.pipeline.ingest.TraceInputs.Input;
import io.iommusim.trace.imports.ImportReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files a job over imported inputs writes next to its output: the conversion report
 * ({@code <out>.import-report.txt}) and the rejects file ({@code <out>.import-rejects.txt}, every
 * unparsed line as {@code file:line<TAB>reason<TAB>text}, inputs in order). Scan tasks write one rejects
 * part per input into a scratch directory beside the output; {@link #write} joins them. Both files are
 * committed like the output itself (staged, renamed when the job succeeds, an existing one replaced only
 * with {@code --overwrite}); the scratch directory is always removed.
 */
public final class ImportSidecars {
  public static final String REPORT_SUFFIX = ".import-report.txt";
  public static final String REJECTS_SUFFIX = ".import-rejects.txt";

  private final String out;
  private final boolean overwrite;
  private final Configuration conf;
  private final Path partsDir;
  private OutputCommitter report;
  private OutputCommitter rejects;

  private ImportSidecars(String out, boolean overwrite, Configuration conf, Path partsDir) {
    this.out = out;
    this.overwrite = overwrite;
    this.conf = conf;
    this.partsDir = partsDir;
  }

  /** Plans the sidecars of {@code out}; nothing is touched until {@link #open}. */
  public static ImportSidecars plan(String out, boolean overwrite, Configuration conf) {
    Path target = new Path(trimSlash(out));
    Path parts = new Path(target.getParent(), target.getName() + ".iommusim-import-" + UUID.randomUUID());
    return new ImportSidecars(out, overwrite, conf, parts);
  }

  private static String trimSlash(String s) {
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** Where scan tasks write the rejects parts. */
  public String partsDir() {
    return partsDir.toString();
  }

  /** Claims the two file names (refusing existing ones without --overwrite). */
  public void open() {
    report = OutputCommitter.begin(trimSlash(out) + REPORT_SUFFIX, overwrite, conf);
    rejects = OutputCommitter.begin(trimSlash(out) + REJECTS_SUFFIX, overwrite, conf);
  }

  public boolean isOpen() {
    return report != null;
  }

  public Path reportPath() {
    return report.target();
  }

  public Path rejectsPath() {
    return rejects.target();
  }

  /** Writes the report and joins the rejects parts (in input order) into the staged files. */
  public void write(List<Input> inputs, List<ImportReport> reports) {
    try {
      FileSystem fs = rejects.rawFileSystem();
      String rejectsName = rejects.target().getName();
      try (Writer w = new OutputStreamWriter(report.rawFileSystem().create(report.staging()), StandardCharsets.UTF_8)) {
        w.write("iommusim import report: " + reports.size() + " imported input(s); unparsed lines are in "
            + rejectsName + "\n");
        for (ImportReport r : reports) {
          w.write("\n");
          w.write(r.render(rejectsName));
        }
      }
      try (OutputStream o = fs.create(rejects.staging())) {
        for (Input in : inputs) {
          if (in.format != Format.IMPORTED) {
            continue;
          }
          Path part = new Path(partsDir, "part-" + in.index);
          FileSystem pfs = part.getFileSystem(conf);
          if (pfs.exists(part)) {
            try (InputStream i = pfs.open(part)) {
              i.transferTo(o);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the import report of " + out, e);
    }
  }

  public void commit() {
    report.commit();
    rejects.commit();
    deleteParts();
  }

  public void abort() {
    if (report != null) {
      report.abort();
      rejects.abort();
    }
    deleteParts();
  }

  private void deleteParts() {
    try {
      partsDir.getFileSystem(conf).delete(partsDir, true);
    } catch (IOException e) {
      // scratch space only; the job's outcome is what matters
    }
  }
}
