package io.iommusim.trace.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet output file that is written under a hidden temporary name beside its final name and only renamed
 * into place when complete, so readers (and Spark, which skips names starting with '.') never see half a file.
 */
final class TempOutputFile implements OutputFile {
  private final Path target;
  private final Path temp;
  private final LocalOutputFile delegate;
  private PositionOutputStream stream;

  TempOutputFile(Path target) {
    this.target = target;
    Path name = target.getFileName();
    this.temp = target.resolveSibling("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    this.delegate = new LocalOutputFile(temp);
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    stream = delegate.create(blockSizeHint);
    return stream;
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    stream = delegate.createOrOverwrite(blockSizeHint);
    return stream;
  }

  @Override
  public boolean supportsBlockSize() {
    return delegate.supportsBlockSize();
  }

  @Override
  public long defaultBlockSize() {
    return delegate.defaultBlockSize();
  }

  @Override
  public String getPath() {
    return temp.toString();
  }

  Path tempPath() {
    return temp;
  }

  /** Moves the finished temporary file to the target name, replacing any file there. */
  void commit() throws IOException {
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Closes the stream if open and deletes the temporary file; never throws, since it runs on failure paths. */
  void discard() {
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException | RuntimeException ignored) {
        // the file is deleted next; a close failure changes nothing
      }
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException ignored) {
      // nothing better to do: the name is hidden, so a leftover is at worst clutter
    }
  }
}
