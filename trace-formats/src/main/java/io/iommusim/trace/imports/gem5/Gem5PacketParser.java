package io.iommusim.trace.imports.gem5;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.TraceFormatException;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.InputParser;
import io.iommusim.trace.imports.SourceLines;
import io.iommusim.trace.imports.gem5.WireReader.MalformedException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one gem5 packet trace a record at a time. Record 1 is the header, record {@code k + 1} the
 * k-th packet; record numbers stand for line numbers in the report, the rejects file and errors, and
 * every reject names the record's byte offset (in the decompressed stream). A bad magic or header fails
 * the input (nothing can be decoded without the header's time base); a bad packet is unparsed and the
 * next one is read, since its length prefix says where it ends. A broken length prefix loses the
 * framing: the rest of the input is one unparsed record.
 */
final class Gem5PacketParser implements InputParser {
  static final String HEADER = "packet header";
  static final String NOT_MAPPED = "requestor not in the requestor map";
  static final String TRUNCATED = "truncated record";
  static final String BAD_LENGTH = "broken record length: the rest of the input";
  static final String MALFORMED = "packet: malformed message";
  static final String MISSING = "packet: required field missing";
  static final String NO_REQUESTOR = "packet: no pkt_id (requestor id)";
  static final String REQUESTOR_RANGE = "packet: pkt_id beyond 16 bits";
  static final String SIZE_ZERO = "packet: size 0";
  static final String TICK_RANGE = "packet: tick beyond the ts_ns range";

  static final String NOTE_HEADER = "header";
  static final String NOTE_BY_ID = "requestors taken as requester ids (no requestor map given)";
  static final String NOTE_BY_MAP = "requestors mapped by the requestor map";
  static final String NOTE_NO_NAME = "requestors without an id string in the header";
  static final String NOTE_UNKNOWN_FIELDS = "unknown fields skipped";

  private static final int UNRESOLVED = -2;
  private static final int HEX_BYTES = 48;

  private final RecordStream records;
  private final String file;
  private final Gem5PacketImporter.Settings settings;
  private final WireReader reader = new WireReader();
  private final Packet packet = new Packet();
  /** Device of each requestor id, resolved on first sight; -1 not mapped. */
  private final int[] sidOf = new int[Gem5PacketImporter.MAX_REQUESTOR + 1];
  private PacketHeader header;
  private TickClock clock;
  private long record;
  private boolean done;

  Gem5PacketParser(RecordStream records, String file, Gem5PacketImporter.Settings settings) {
    this.records = records;
    this.file = file;
    this.settings = settings;
    Arrays.fill(sidOf, UNRESOLVED);
  }

  @Override
  public boolean step(ImportOutput out) throws IOException {
    if (done) {
      return false;
    }
    if (header == null) {
      readHeader(out);
      return true;
    }
    RecordStream.Status status = records.next();
    if (status == RecordStream.Status.END) {
      done = true;
      return false;
    }
    record++;
    out.lineRead();
    switch (status) {
      case TRUNCATED -> {
        done = true;
        out.unparsed(lines(records.length() + " bytes announced, " + records.got() + " present"), TRUNCATED);
      }
      case BAD_LENGTH -> {
        done = true;
        long start = records.recordOffset();
        long rest = records.drain();
        out.unparsed(SourceLines.of(record, "record " + record + " at byte offset " + start + ": the length prefix is "
            + "not a varint32 of at most " + RecordStream.MAX_RECORD_BYTES + " bytes; the remaining "
            + (records.offset() - start) + " bytes (" + rest + " after the prefix) cannot be split into records"),
            BAD_LENGTH);
      }
      default -> packet(out);
    }
    return true;
  }

  private void readHeader(ImportOutput out) throws IOException {
    if (!records.readMagic()) {
      throw new TraceFormatException(file, -1, null, null,
          "not a gem5 packet trace: it does not start with the magic 'gem5' (0x356d6567)");
    }
    RecordStream.Status status = records.next();
    if (status == RecordStream.Status.END) {
      throw new TraceFormatException(file, 1, null, null, "a gem5 packet trace with no header after the magic");
    }
    if (status != RecordStream.Status.RECORD) {
      throw new TraceFormatException(file, 1, null, null, "record 1 (the packet header) at byte offset 4 is "
          + (status == RecordStream.Status.TRUNCATED ? "truncated" : "not length-prefixed by a varint32"));
    }
    try {
      header = PacketHeader.decode(reader.reset(records.buffer(), 0, (int) records.length()));
    } catch (MalformedException e) {
      throw new TraceFormatException(file, 1, null, null, "record 1 (the packet header) at byte offset 4 is not a "
          + "gem5 PacketHeader: " + e.getMessage());
    }
    clock = new TickClock(header.tickFreq);
    record = 1;
    out.lineRead();
    out.ignored(SourceLines.of(1, "packet header"), HEADER);
    out.note(NOTE_HEADER, 1, "obj_id '" + header.objId + "', ver " + header.version + ", tick_freq "
        + header.tickFreq + " ticks/s (ts_ns = floor(tick * 1e9 / tick_freq)), " + header.idStrings.size()
        + " id strings");
    if (header.unknownFields > 0) {
      out.note(NOTE_UNKNOWN_FIELDS, 1, header.unknownFields, "in the header");
    }
  }

  private void packet(ImportOutput out) {
    try {
      packet.decode(reader.reset(records.buffer(), 0, (int) records.length()));
    } catch (MalformedException e) {
      out.unparsed(lines(e.getMessage()), MALFORMED);
      return;
    }
    if (packet.unknownFields > 0) {
      out.note(NOTE_UNKNOWN_FIELDS, record, packet.unknownFields, null);
    }
    if (packet.required != Packet.ALL_REQUIRED) {
      out.unparsed(lines("missing " + packet.missing()), MISSING);
      return;
    }
    int direction = settings.direction(packet.cmd);
    if (direction < 0) {
      out.ignored(SourceLines.of(record, ""), "command " + packet.cmd + " (not in read-cmds or write-cmds)");
      return;
    }
    if (!packet.hasPktId) {
      out.unparsed(lines("no pkt_id"), NO_REQUESTOR);
      return;
    }
    if (packet.pktId < 0 || packet.pktId > Gem5PacketImporter.MAX_REQUESTOR) {
      out.unparsed(lines("pkt_id " + Long.toUnsignedString(packet.pktId)), REQUESTOR_RANGE);
      return;
    }
    int sid = device((int) packet.pktId, out);
    if (sid < 0) {
      out.ignored(SourceLines.of(record, ""), NOT_MAPPED);
      return;
    }
    if (packet.size == 0) {
      out.unparsed(lines("size 0"), SIZE_ZERO);
      return;
    }
    long ts = clock.toNs(packet.tick);
    if (ts < 0) {
      out.unparsed(lines("tick " + Long.toUnsignedString(packet.tick)), TICK_RANGE);
      return;
    }
    TraceEvent e = out.emit(direction == 1 ? EventKind.DMA_WRITE : EventKind.DMA_READ, ts);
    e.sid = sid;
    e.addr = packet.addr;
    e.size = packet.size;
    out.events(SourceLines.of(record, ""));
  }

  /** The device of a requestor, resolved once; notes how. */
  private int device(int id, ImportOutput out) {
    int sid = sidOf[id];
    if (sid != UNRESOLVED) {
      return sid;
    }
    String name = header.idStrings.get(id);
    if (name == null) {
      out.note(NOTE_NO_NAME, record, "requestor " + id);
    }
    String who = "requestor " + id + (name == null ? "" : " '" + name + "'");
    if (settings.requestors().isEmpty()) {
      sid = id;
      out.note(NOTE_BY_ID, record, who + " -> " + Sid.format(sid));
    } else {
      try {
        sid = settings.requestors().sidOf(id, name);
      } catch (IllegalArgumentException e) {
        throw new TraceFormatException(file, record, null, null, e.getMessage());
      }
      if (sid >= 0) {
        out.note(NOTE_BY_MAP, record, who + " -> " + Sid.format(sid));
      }
    }
    sidOf[id] = sid;
    return sid;
  }

  /** The current record for the rejects file: its number, byte offset, length, a hex dump and why. */
  private SourceLines lines(String why) {
    StringBuilder b = new StringBuilder();
    b.append("record ").append(record).append(" at byte offset ").append(records.recordOffset()).append(", ")
        .append(records.got()).append(" bytes: ").append(why).append(": ");
    byte[] buf = records.buffer();
    int n = Math.min(records.got(), HEX_BYTES);
    for (int i = 0; i < n; i++) {
      b.append(Character.forDigit((buf[i] >> 4) & 0xF, 16)).append(Character.forDigit(buf[i] & 0xF, 16));
    }
    if (records.got() > HEX_BYTES) {
      b.append('…');
    }
    return SourceLines.of(record, b.toString());
  }

  @Override
  public void finish(ImportOutput out) {}

  @Override
  public void close() throws IOException {
    records.close();
  }
}
