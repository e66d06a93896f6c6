package io.iommusim.trace.imports.gem5;

import io.iommusim.trace.Numbers;
import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.Importer;
import io.iommusim.trace.imports.InputParser;
import io.iommusim.trace.imports.Sniff;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.TreeSet;

/**
 * gem5 packet traces ({@code MemTraceProbe}, src/proto/packet.proto): the magic {@code gem5}, a
 * {@code PacketHeader}, then one {@code Packet} per memory request seen at the probe point, each message
 * prefixed by its varint32 length; gzip-compressed when the file name ends in {@code .gz}. Read and
 * write requests become {@code dma_read}/{@code dma_write} events of the requestor's device; see the
 * README ("gem5 packet traces") for the mapping and the report's reasons.
 *
 * <p>The wire format is decoded by hand ({@link WireReader}, {@link RecordStream}) rather than with
 * protobuf-java: the two messages need varints and length-delimited fields only, a hand decoder keeps
 * trace-formats free of a 2 MB dependency that Spark clusters also ship (in other versions), and it can
 * name the byte offset of a bad record and go on with the next one, which a generated parser cannot.
 */
public final class Gem5PacketImporter implements Importer {
  public static final String NAME = "gem5-packets";
  /** gem5's RequestorID is 16 bits. */
  static final int MAX_REQUESTOR = 0xFFFF;

  static final String REQUESTORS = "requestors";
  static final String REQUESTOR_MAP = "requestor-map";
  static final String READ_CMDS = "read-cmds";
  static final String WRITE_CMDS = "write-cmds";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "gem5 packet traces (MemTraceProbe, packet.proto; .gz too): read/write requests as DMA of the "
        + "requestor's device";
  }

  @Override
  public String unit() {
    return "record";
  }

  @Override
  public List<ImportOption> options() {
    return List.of(
        ImportOption.value(REQUESTORS, "", "requestor -> device: REQUESTOR=SID,... (REQUESTOR = gem5 requestor id or "
            + "its name in the header's id strings); when given (or requestor-map), packets of other requestors "
            + "are ignored; when neither is, a requestor's id is its requester id"),
        ImportOption.file(REQUESTOR_MAP, "requestor -> device, one REQUESTOR=SID per line (# comments); adds to "
            + REQUESTORS),
        ImportOption.value(READ_CMDS, "1", "MemCmd numbers imported as dma_read, comma-separated (1 = ReadReq)"),
        ImportOption.value(WRITE_CMDS, "4", "MemCmd numbers imported as dma_write, comma-separated (4 = WriteReq)"));
  }

  /**
   * The magic followed by a header whose first field is {@code obj_id} (tag 0x0a) — protobuf writes
   * fields in number order and gem5 always sets obj_id. A text file that merely starts with "gem5" (a
   * simulator log: "gem5 Simulator System") fails the second test.
   */
  @Override
  public int detect(Sniff head) {
    byte[] b = head.head();
    if (b.length < 6 || b[0] != 'g' || b[1] != 'e' || b[2] != 'm' || b[3] != '5') {
      return 0;
    }
    int i = 4;
    while (i < b.length && i < 9 && (b[i] & 0x80) != 0) {
      i++; // the header's length varint
    }
    return i + 1 < b.length && b[i + 1] == 0x0a ? 95 : 0;
  }

  @Override
  public void validate(ImportOptions options) {
    settings(options);
  }

  @Override
  public InputParser open(InputStream in, String fileName, ImportOptions options) throws IOException {
    return new Gem5PacketParser(new RecordStream(in), fileName, settings(options));
  }

  /** The parsed options. */
  record Settings(RequestorMap requestors, long[] readCmds, long[] writeCmds) {
    int direction(long cmd) {
      for (long c : readCmds) {
        if (c == cmd) {
          return 0;
        }
      }
      for (long c : writeCmds) {
        if (c == cmd) {
          return 1;
        }
      }
      return -1;
    }
  }

  private static Settings settings(ImportOptions o) {
    RequestorMap map = new RequestorMap();
    try {
      map.add(o.text(REQUESTORS), "format '" + NAME + "': option '" + REQUESTORS + "'");
      String file = o.fileText(REQUESTOR_MAP);
      if (file != null) {
        map.add(file, "format '" + NAME + "': option '" + REQUESTOR_MAP + "'");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    long[] reads = commands(o, READ_CMDS);
    long[] writes = commands(o, WRITE_CMDS);
    for (long r : reads) {
      for (long w : writes) {
        if (r == w) {
          throw o.error(WRITE_CMDS, "command " + w + " is also in " + READ_CMDS);
        }
      }
    }
    return new Settings(map, reads, writes);
  }

  private static long[] commands(ImportOptions o, String name) {
    TreeSet<Long> set = new TreeSet<>();
    for (String part : o.text(name).split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      long v = Numbers.parseLongOrMin(p);
      if (v < 0 || v > 0xFFFF_FFFFL) {
        throw o.error(name, "expected comma-separated MemCmd numbers");
      }
      set.add(v);
    }
    return set.stream().mapToLong(Long::longValue).toArray();
  }
}
