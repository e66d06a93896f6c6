package io.iommusim.trace.imports.gem5;

import io.iommusim.trace.imports.gem5.WireReader.MalformedException;
import java.util.Map;
import java.util.TreeMap;

/**
 * gem5's {@code PacketHeader} (src/proto/packet.proto): {@code obj_id} (1, string), {@code ver} (2,
 * uint32), {@code tick_freq} (3, uint64, ticks per second), {@code id_strings} (4, repeated
 * {@code {key (1) uint32, value (2) string}}: requestor id → requestor name).
 */
final class PacketHeader {
  final String objId;
  final long version;
  /** Ticks per second. */
  final long tickFreq;
  /** Requestor id → name, by id. */
  final Map<Integer, String> idStrings;
  /** Fields of unknown numbers that were skipped. */
  final int unknownFields;

  private PacketHeader(String objId, long version, long tickFreq, Map<Integer, String> idStrings, int unknownFields) {
    this.objId = objId;
    this.version = version;
    this.tickFreq = tickFreq;
    this.idStrings = idStrings;
    this.unknownFields = unknownFields;
  }

  /**
   * @throws MalformedException when the bytes do not follow the wire format or {@code tick_freq} (required)
   *     is missing or 0
   */
  static PacketHeader decode(WireReader r) throws MalformedException {
    String objId = null;
    long version = 0;
    long tickFreq = 0;
    boolean hasTickFreq = false;
    int unknown = 0;
    Map<Integer, String> ids = new TreeMap<>();
    WireReader entry = new WireReader();
    while (!r.atEnd()) {
      int at = r.offset();
      int tag = r.tag();
      int field = WireReader.field(tag);
      int type = WireReader.wireType(tag);
      if (field == 1 && type == WireReader.LENGTH_DELIMITED) {
        objId = r.string(r.lengthDelimited());
      } else if (field == 2 && type == WireReader.VARINT) {
        version = r.varint() & 0xFFFF_FFFFL;
      } else if (field == 3 && type == WireReader.VARINT) {
        tickFreq = r.varint();
        hasTickFreq = true;
      } else if (field == 4 && type == WireReader.LENGTH_DELIMITED) {
        decodeEntry(r.nested(r.lengthDelimited(), entry), ids);
      } else if (field <= 4) {
        throw new MalformedException("field " + field + " at byte " + at + " has wire type " + type);
      } else {
        r.skip(type);
        unknown++;
      }
    }
    if (!hasTickFreq) {
      throw new MalformedException("the required field tick_freq (3) is missing");
    }
    if (tickFreq <= 0) {
      throw new MalformedException("tick_freq is " + Long.toUnsignedString(tickFreq) + " (must be 1 .. 2^63-1)");
    }
    return new PacketHeader(objId == null ? "" : objId, version, tickFreq, ids, unknown);
  }

  private static void decodeEntry(WireReader r, Map<Integer, String> ids) throws MalformedException {
    long key = 0;
    String value = "";
    while (!r.atEnd()) {
      int at = r.offset();
      int tag = r.tag();
      int field = WireReader.field(tag);
      int type = WireReader.wireType(tag);
      if (field == 1 && type == WireReader.VARINT) {
        key = r.varint() & 0xFFFF_FFFFL;
      } else if (field == 2 && type == WireReader.LENGTH_DELIMITED) {
        value = r.string(r.lengthDelimited());
      } else if (field <= 2) {
        throw new MalformedException("id_strings field " + field + " at byte " + at + " has wire type " + type);
      } else {
        r.skip(type);
      }
    }
    if (key > Gem5PacketImporter.MAX_REQUESTOR) {
      throw new MalformedException("id_strings key " + key + " is beyond gem5's 16-bit requestor ids");
    }
    ids.put((int) key, value); // a repeated key: the last one wins, as with a protobuf map
  }
}
