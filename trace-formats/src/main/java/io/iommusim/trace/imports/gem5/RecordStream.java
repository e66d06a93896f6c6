package io.iommusim.trace.imports.gem5;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a gem5 protobuf stream (protoio.cc: the magic, then each message as a varint32 length and the
 * message) into records, keeping the byte offset of each (in the decompressed stream). The buffer holds
 * one record at a time, so memory is bounded by {@link #MAX_RECORD_BYTES}.
 */
final class RecordStream {
  /** gem5's magic: the bytes "gem5", written as the little-endian uint32 0x356d6567. */
  static final byte[] MAGIC = {'g', 'e', 'm', '5'};
  /**
   * The largest record accepted: a packet is a few dozen bytes and the header lists every requestor's
   * name; a longer length means the framing is broken (or the input is not a packet trace).
   */
  static final int MAX_RECORD_BYTES = 16 << 20;

  /** What {@link #next} found. */
  enum Status {
    /** A whole record is in {@link #buffer()}. */
    RECORD,
    /** The input ended cleanly between records. */
    END,
    /** The input ended inside a record: {@link #length()} bytes announced, {@link #got()} present. */
    TRUNCATED,
    /** The length is no varint32 or exceeds {@link #MAX_RECORD_BYTES}: records cannot be told apart from here on. */
    BAD_LENGTH
  }

  private final InputStream in;
  private byte[] buf = new byte[256];
  private long offset;
  private long recordOffset;
  private long length;
  private int got;

  RecordStream(InputStream in) {
    this.in = in;
  }

  /** Reads the 4-byte magic; false when the input does not start with it. */
  boolean readMagic() throws IOException {
    byte[] m = in.readNBytes(4);
    offset += m.length;
    return Arrays.equals(m, MAGIC);
  }

  /** Reads the next record. */
  Status next() throws IOException {
    recordOffset = offset;
    got = 0;
    length = 0;
    int shift = 0;
    int prefix = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return prefix == 0 ? Status.END : Status.TRUNCATED;
      }
      offset++;
      prefix++;
      length |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
      shift += 7;
      if (prefix == 5) {
        return Status.BAD_LENGTH; // a varint32 has at most 5 bytes
      }
    }
    if (length > MAX_RECORD_BYTES) {
      return Status.BAD_LENGTH;
    }
    if (buf.length < length) {
      buf = new byte[(int) Math.max(length, Math.min(2L * buf.length, MAX_RECORD_BYTES))];
    }
    while (got < length) {
      int n = in.read(buf, got, (int) length - got);
      if (n < 0) {
        return Status.TRUNCATED;
      }
      got += n;
      offset += n;
    }
    return Status.RECORD;
  }

  /** Consumes the rest of the input, returning how many bytes it held. */
  long drain() throws IOException {
    long n = 0;
    byte[] skip = new byte[1 << 16];
    int r;
    while ((r = in.read(skip)) > 0) {
      n += r;
    }
    offset += n;
    return n;
  }

  byte[] buffer() {
    return buf;
  }

  /** Byte offset (from the start of the decompressed input) of the current record's length prefix. */
  long recordOffset() {
    return recordOffset;
  }

  /** The length the record announced. */
  long length() {
    return length;
  }

  /** Bytes of the record's body present ({@link #length()} unless truncated). */
  int got() {
    return got;
  }

  /** Bytes read so far. */
  long offset() {
    return offset;
  }

  void close() throws IOException {
    in.close();
  }
}
