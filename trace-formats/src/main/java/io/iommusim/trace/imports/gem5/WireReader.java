package io.iommusim.trace.imports.gem5;

import java.nio.charset.StandardCharsets;

/**
 * Reads one protobuf message from a byte range: the subset of the wire format
 * (protobuf.dev/programming-guides/encoding) that gem5's packet traces use — varints (wire type 0),
 * length-delimited fields (2) — plus skipping of unknown 64-bit (1) and 32-bit (5) fields. Groups (3, 4)
 * are deprecated and never written by gem5: they are malformed here. Every error names the byte offset
 * within the message.
 */
final class WireReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  /** A message that does not follow the wire format. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  private byte[] buf;
  private int pos;
  private int limit;
  private int start;

  /** Reads {@code buf[from, from + length)}. */
  WireReader reset(byte[] buf, int from, int length) {
    this.buf = buf;
    this.pos = from;
    this.start = from;
    this.limit = from + length;
    return this;
  }

  boolean atEnd() {
    return pos >= limit;
  }

  /** Offset of the next byte, from the start of the message. */
  int offset() {
    return pos - start;
  }

  /** The next tag ({@code field << 3 | wire type}); the field number is at least 1. */
  int tag() throws MalformedException {
    int at = offset();
    long t = varint();
    if (t >>> 3 == 0 || t >>> 3 > 0x1FFF_FFFF) {
      throw new MalformedException("bad field number " + (t >>> 3) + " at byte " + at);
    }
    return (int) t;
  }

  static int field(int tag) {
    return tag >>> 3;
  }

  static int wireType(int tag) {
    return tag & 7;
  }

  /** A base-128 varint of up to 10 bytes (64 bits). */
  long varint() throws MalformedException {
    int at = offset();
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw new MalformedException("varint at byte " + at + " runs past the end of the message");
      }
      byte b = buf[pos++];
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new MalformedException("varint at byte " + at + " is longer than 10 bytes");
  }

  /** A length-delimited field's bytes as a nested range: returns its start; {@link #skip} past it follows. */
  int lengthDelimited() throws MalformedException {
    int at = offset();
    long n = varint();
    if (n < 0 || n > limit - pos) {
      throw new MalformedException("length " + n + " at byte " + at + " runs past the end of the message");
    }
    return (int) n;
  }

  /** The next {@code n} bytes as UTF-8 text. */
  String string(int n) {
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /** A nested message of {@code n} bytes starting here: a reader over it (this reader moves past it). */
  WireReader nested(int n, WireReader into) {
    into.reset(buf, pos, n);
    pos += n;
    return into;
  }

  /** Skips the value of a field of {@code wireType}. */
  void skip(int wireType) throws MalformedException {
    int at = offset();
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> advance(8, at);
      case LENGTH_DELIMITED -> advance(lengthDelimited(), at);
      case FIXED32 -> advance(4, at);
      default -> throw new MalformedException("wire type " + wireType + " at byte " + at
          + (wireType == 3 || wireType == 4 ? " (groups are not used by gem5)" : " does not exist"));
    }
  }

  private void advance(int n, int at) throws MalformedException {
    if (n > limit - pos) {
      throw new MalformedException("field at byte " + at + " runs past the end of the message");
    }
    pos += n;
  }
}
