package io.iommusim.trace.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page decompression for the reader: snappy pages (what our writer and Spark write by default) are
 * decompressed with one call into an exact-size array. Parquet's default goes through a Hadoop
 * codec stream that allocates and zeroes large stream buffers for every page (the largest source of
 * allocation when reading). Other codecs use parquet's default factory.
 */
final class DirectSnappyCodecFactory implements CompressionCodecFactory {
  private final CompressionCodecFactory fallback =
      new CodecFactory(new PlainParquetConfiguration(), 0);
  private final BytesInputDecompressor snappy = new SnappyDecompressor();

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codecName) {
    return fallback.getCompressor(codecName);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codecName) {
    return codecName == CompressionCodecName.SNAPPY ? snappy : fallback.getDecompressor(codecName);
  }

  @Override
  public void release() {
    fallback.release();
  }

  private static final class SnappyDecompressor implements BytesInputDecompressor {
    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      // a page read from a file is already one heap buffer: decompress from it without a copy
      ByteBuffer in = bytes.toByteBuffer();
      byte[] out = new byte[uncompressedSize];
      int n;
      if (in.hasArray()) {
        n = Snappy.uncompress(in.array(), in.arrayOffset() + in.position(), in.remaining(), out, 0);
      } else {
        byte[] copy = new byte[in.remaining()];
        in.duplicate().get(copy);
        n = Snappy.uncompress(copy, 0, copy.length, out, 0);
      }
      if (n != uncompressedSize) {
        throw new IOException("snappy page decompressed to " + n + " bytes, header says " + uncompressedSize);
      }
      return BytesInput.from(out);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      byte[] in = new byte[compressedSize];
      input.duplicate().get(in);
      byte[] out = new byte[uncompressedSize];
      Snappy.uncompress(in, 0, compressedSize, out, 0);
      output.put(out);
    }

    @Override
    public void release() {}
  }
}
