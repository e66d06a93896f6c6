package io.iommusim.pipeline.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Commits a job's output directory atomically: everything is written under a staging directory
 * ({@code <name>.iommusim-staging-<uuid>}, not hidden: Spark ignores paths starting with . or _) beside the target and renamed into place only when the job succeeded, so a failed run
 * leaves nothing behind. An existing target is refused unless overwriting was asked for; then it is
 * replaced only after the new output is complete. (Rename is atomic on local and HDFS file systems;
 * object stores copy instead.)
 */
public final class OutputCommitter {
  private final FileSystem fs;
  private final Path target;
  private final Path staging;
  private final boolean overwrite;
  private boolean done;

  private OutputCommitter(FileSystem fs, Path target, Path staging, boolean overwrite) {
    this.fs = fs;
    this.target = target;
    this.staging = staging;
    this.overwrite = overwrite;
  }

  public static OutputCommitter begin(String out, boolean overwrite, Configuration conf) {
    try {
      Path target = new Path(out);
      FileSystem fs = target.getFileSystem(conf);
      target = fs.makeQualified(target);
      if (fs.exists(target) && !overwrite) {
        throw new IllegalArgumentException("output " + out + " already exists; pass --overwrite to replace it");
      }
      Path parent = target.getParent();
      if (parent != null && !fs.exists(parent)) {
        fs.mkdirs(parent);
      }
      Path staging = new Path(parent, target.getName() + ".iommusim-staging-" + UUID.randomUUID());
      return new OutputCommitter(fs, target, staging, overwrite);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare output " + out, e);
    }
  }

  /** Where the job writes; becomes the target on {@link #commit()}. */
  public Path staging() {
    return staging;
  }

  public String stagingPath(String child) {
    return new Path(staging, child).toString();
  }

  public FileSystem fileSystem() {
    return fs;
  }

  /**
   * The file system for files we write ourselves: on the local file system the raw one, so no
   * {@code .crc} checksum files appear beside a user's CSV.
   */
  public FileSystem rawFileSystem() {
    return fs instanceof org.apache.hadoop.fs.LocalFileSystem ? ((org.apache.hadoop.fs.LocalFileSystem) fs).getRaw() : fs;
  }

  public Path target() {
    return target;
  }

  public void commit() {
    try {
      Path old = null;
      if (fs.exists(target)) {
        if (!overwrite) {
          throw new IllegalStateException("output " + target + " appeared while the job ran");
        }
        old = new Path(target.getParent(), target.getName() + ".iommusim-replaced-" + UUID.randomUUID());
        rename(target, old);
      }
      rename(staging, target);
      if (old != null) {
        fs.delete(old, true);
      }
      done = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit output " + target, e);
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename " + from + " -> " + to + " failed");
    }
  }

  /** Deletes the staging directory; a no-op after a commit. */
  public void abort() {
    if (done) {
      return;
    }
    try {
      fs.delete(staging, true);
    } catch (IOException e) {
      // the job is failing already; its own error is the one to report
    }
  }
}
