package io.iommusim.trace.csv;

import io.iommusim.trace.Column;
import io.iommusim.trace.EventSink;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes canonical CSV that {@link CanonicalCsvReader} reads back into equal events: a header with every
 * contract column in canonical order, then one line per event. A field holding its column's default is
 * left empty, which keeps files compact; {@code ts_ns} and {@code kind} are always written because the
 * reader requires them. Addresses, MSI data and IRTE words are written as unsigned {@code 0x} hex.
 */
public final class CanonicalCsvWriter implements EventSink {
  private final Writer out;
  private final Column[] columns;
  private final StringBuilder line = new StringBuilder(256);
  private char[] chars = new char[256];

  public CanonicalCsvWriter(Writer out) throws IOException {
    this(out, true);
  }

  /** @param includeSeq false leaves out the seq column, so a reader assigns seq from line numbers */
  public CanonicalCsvWriter(Writer out, boolean includeSeq) throws IOException {
    this.out = out;
    this.columns = includeSeq ? Column.all() : withoutSeq();
    for (int i = 0; i < columns.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(columns[i].columnName());
    }
    writeLine();
  }

  public static CanonicalCsvWriter create(Path file) throws IOException {
    return create(file, true);
  }

  public static CanonicalCsvWriter create(Path file, boolean includeSeq) throws IOException {
    Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    try {
      return new CanonicalCsvWriter(w, includeSeq);
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
  }

  private static Column[] withoutSeq() {
    Column[] all = Column.all();
    Column[] rest = new Column[all.length - 1];
    int n = 0;
    for (Column c : all) {
      if (c != Column.SEQ) {
        rest[n++] = c;
      }
    }
    return rest;
  }

  @Override
  public void accept(TraceEvent event) throws IOException {
    if (event.kind == null) {
      throw new IllegalArgumentException("event without a kind: " + event);
    }
    for (int i = 0; i < columns.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      appendField(columns[i], event);
    }
    writeLine();
  }

  private void appendField(Column column, TraceEvent e) {
    switch (column) {
      case TS_NS: line.append(e.tsNs); break;
      case SEQ: if (e.seq != TraceEvent.NO_SEQ) line.append(e.seq); break;
      case KIND: line.append(e.kind.text()); break;
      case UNIT: if (e.unit != 0) line.append(e.unit); break;
      case SID: appendSid(e.sid); break;
      case PASID: appendUnlessNone(e.pasid); break;
      case DOMAIN: appendUnlessNone(e.domain); break;
      case ADDR: appendHex(e.addr); break;
      case SIZE: if (e.size != 0) line.append(e.size); break;
      case PHYS: appendHex(e.phys); break;
      case PERM: appendPerm(e.perm); break;
      case PAGE_SIZE: if (e.pageSize != 4096) line.append(e.pageSize); break;
      case DATA: appendHex(e.data); break;
      case INDEX: appendUnlessNone(e.index); break;
      case IRTE_LO: appendHex(e.irteLo); break;
      case IRTE_HI: appendHex(e.irteHi); break;
      case GRANULARITY: if (e.granularity != Granularity.NONE) line.append(e.granularity.text()); break;
      case AM: if (e.am != 0) line.append(e.am); break;
      case REASON: appendUnlessNone(e.reason); break;
      case VENDOR: if (e.vendor != null) line.append(e.vendor); break;
      default: throw new IllegalStateException("column without a writer: " + column);
    }
  }

  private void appendUnlessNone(int value) {
    if (value != TraceEvent.NONE) {
      line.append(value);
    }
  }

  private void appendSid(int sid) {
    if (sid >= 0) {
      line.append(Sid.format(sid));
    } else if (sid != TraceEvent.NONE) {
      line.append(sid); // invalid; written as is so that reading it fails instead of silently becoming "none"
    }
  }

  private void appendHex(long value) {
    if (value != 0) {
      line.append("0x").append(Long.toHexString(value));
    }
  }

  private void appendPerm(byte perm) {
    if (perm == Perm.READ_WRITE) {
      return;
    }
    if (perm >= 0 && perm <= 3) {
      line.append(Perm.text(perm));
    } else {
      line.append(perm); // invalid; kept visible rather than masked to a valid permission
    }
  }

  /** Copies the line into a reused char array: Writer.append(StringBuilder) would allocate a String. */
  private void writeLine() throws IOException {
    line.append('\n');
    int n = line.length();
    if (n > chars.length) {
      chars = new char[Math.max(n, chars.length * 2)];
    }
    line.getChars(0, n, chars, 0);
    out.write(chars, 0, n);
    line.setLength(0);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
