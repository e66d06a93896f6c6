package io.iommusim.trace.parquet;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A local file for parquet's reader, read with positional {@link FileChannel} reads. parquet's own
 * LocalInputFile fills a column chunk's buffer through a fresh byte array and RandomAccessFile, which
 * copies through a malloc'ed native buffer: four passes over every byte, two of them allocations. A
 * channel read into the chunk's buffer takes two (the JDK's cached direct buffer, then the heap).
 */
final class LocalParquetFile implements InputFile {
  private final Path path;

  LocalParquetFile(Path path) {
    this.path = path;
  }

  @Override
  public long getLength() throws IOException {
    return Files.size(path);
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    return new Stream(channel);
  }

  @Override
  public String toString() {
    return path.toString();
  }

  private static final class Stream extends DelegatingSeekableInputStream {
    private final FileChannel channel;
    private long position;

    Stream(FileChannel channel) {
      super(InputStream.nullInputStream()); // every read is overridden below
      this.channel = channel;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void seek(long newPos) {
      position = newPos;
    }

    @Override
    public int read() throws IOException {
      ByteBuffer one = ByteBuffer.allocate(1);
      return read(one) <= 0 ? -1 : one.get(0) & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int off, int len) throws IOException {
      return read(ByteBuffer.wrap(bytes, off, len));
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      if (!buf.hasRemaining()) {
        return 0;
      }
      int n = channel.read(buf, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(ByteBuffer.wrap(bytes));
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      readFully(ByteBuffer.wrap(bytes, start, len));
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      while (buf.hasRemaining()) {
        int n = channel.read(buf, position);
        if (n < 0) {
          throw new EOFException("reached the end of the file with " + buf.remaining() + " bytes still to read");
        }
        position += n;
      }
    }

    @Override
    public long skip(long n) {
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
