package io.iommusim.trace.imports.gem5;

import io.iommusim.trace.imports.gem5.WireReader.MalformedException;

/**
 * gem5's {@code Packet} (src/proto/packet.proto), decoded into a reused object: {@code tick} (1, uint64),
 * {@code cmd} (2, uint32, MemCmd), {@code addr} (3, uint64), {@code size} (4, uint32), {@code flags} (5,
 * uint32, Request flags), {@code pkt_id} (6, uint64: the requestor id, as MemTraceProbe writes it),
 * {@code pc} (7, uint64). uint64 values are kept as raw 64 bits.
 */
final class Packet {
  long tick;
  long cmd;
  long addr;
  long size;
  long pktId;
  boolean hasPktId;
  /** Required fields present: bit 0 tick, 1 cmd, 2 addr, 3 size. */
  int required;
  int unknownFields;

  static final int ALL_REQUIRED = 0b1111;
  private static final String[] REQUIRED_NAMES = {"tick", "cmd", "addr", "size"};

  void decode(WireReader r) throws MalformedException {
    required = 0;
    hasPktId = false;
    unknownFields = 0;
    tick = cmd = addr = size = pktId = 0;
    while (!r.atEnd()) {
      int at = r.offset();
      int tag = r.tag();
      int field = WireReader.field(tag);
      int type = WireReader.wireType(tag);
      if (field >= 1 && field <= 7 && type != WireReader.VARINT) {
        throw new MalformedException("field " + field + " at byte " + at + " has wire type " + type + ", not a varint");
      }
      switch (field) {
        case 1 -> { tick = r.varint(); required |= 1; }
        case 2 -> { cmd = r.varint() & 0xFFFF_FFFFL; required |= 2; }
        case 3 -> { addr = r.varint(); required |= 4; }
        case 4 -> { size = r.varint() & 0xFFFF_FFFFL; required |= 8; }
        case 5, 7 -> r.varint(); // flags, pc: nothing the model uses
        case 6 -> { pktId = r.varint(); hasPktId = true; }
        default -> { r.skip(type); unknownFields++; }
      }
    }
  }

  /** The names of the required fields that are missing, e.g. "tick, size"; empty when none is. */
  String missing() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < REQUIRED_NAMES.length; i++) {
      if ((required & (1 << i)) == 0) {
        b.append(b.length() == 0 ? "" : ", ").append(REQUIRED_NAMES[i]);
      }
    }
    return b.toString();
  }
}
