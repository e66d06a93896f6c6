package io.iommusim.pipeline.job;

import io.iommusim.trace.EventColumns;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.translator.vtd.VtdTranslator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A compact binary form of an ordered event stream, for keeping a replay partition in Spark's block
 * store so that several configurations replay it without reading, shuffling or sorting the trace
 * again. A partition becomes a sequence of blocks (byte arrays of about {@link #TARGET_BYTES}); a
 * block is a 4-byte event count, the events, and {@value #PADDING} zero bytes that let the decoder
 * read 8 bytes at a time.
 *
 * <p>An event is a varint header {@code kind | presence << 5} whose presence bits mark the fields
 * that differ from their defaults (most events leave most columns at the default), then
 * {@code ts_ns}, {@code seq} and {@code addr} as zigzag deltas from the previous event of the block,
 * then the present fields. Decoding fills reused batches of columns ({@link EventColumns}) and
 * allocates nothing, except for the vendor text of {@code fault_observed} events.
 */
final class EventBlocks {
  /** A block is closed once it reaches this size, so a block stays small next to the heap. */
  static final int TARGET_BYTES = 256 * 1024;

  static final int PADDING = 8;

  private static final EventKind[] KINDS = EventKind.values();
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final int UNIT = 1;
  private static final int SID = 1 << 1;
  private static final int PASID = 1 << 2;
  private static final int DOMAIN = 1 << 3;
  private static final int SIZE = 1 << 4;
  private static final int PHYS = 1 << 5;
  private static final int PERM = 1 << 6;
  private static final int PAGE_SIZE = 1 << 7;
  private static final int DATA = 1 << 8;
  private static final int INDEX = 1 << 9;
  private static final int IRTE_LO = 1 << 10;
  private static final int IRTE_HI = 1 << 11;
  private static final int GRANULARITY = 1 << 12;
  private static final int AM = 1 << 13;
  private static final int REASON = 1 << 14;
  private static final int VENDOR = 1 << 15;
  private static final int KIND_BITS = 5;

  static {
    if (KINDS.length > 1 << KIND_BITS) {
      throw new IllegalStateException("event kinds no longer fit the block header");
    }
  }

  private EventBlocks() {}

  /** The number of events in a block. */
  static int events(byte[] block) {
    return (block[0] & 0xFF) << 24 | (block[1] & 0xFF) << 16 | (block[2] & 0xFF) << 8 | (block[3] & 0xFF);
  }

  /** Encodes every event of the cursor, a block at a time. */
  static Iterator<byte[]> encode(EventCursor cursor) {
    return new Encoder(cursor);
  }

  private static final class Encoder implements Iterator<byte[]> {
    private final EventCursor cursor;
    private final TraceEvent event = new TraceEvent();
    private byte[] buf = new byte[TARGET_BYTES + 1024];
    private int pos;
    private EventColumns batch;
    private int row;
    private boolean pending;
    private boolean done;

    Encoder(EventCursor cursor) {
      this.cursor = cursor;
    }

    @Override
    public boolean hasNext() {
      return !done && (pending || advance());
    }

    /** Moves the next input event into {@link #event}, leaving out broadcast events (a prepared file holds them). */
    private boolean advance() {
      while (true) {
        if (batch == null || row == batch.rows) {
          try {
            batch = cursor.nextBatch();
          } catch (RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException("reading " + cursor.position(Math.max(0, row - 1)) + ": " + e.getMessage(), e);
          }
          row = 0;
          if (batch == null) {
            pending = false;
            done = true;
            return false;
          }
        }
        int i = row++;
        if (!VtdTranslator.isBroadcast(batch, i)) {
          batch.copyRow(i, event);
          pending = true;
          return true;
        }
      }
    }

    @Override
    public byte[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      pos = 4;
      int count = 0;
      long ts = 0;
      long seq = 0;
      long addr = 0;
      while (pending) {
        if (pos > TARGET_BYTES) {
          break;
        }
        writeEvent(event, ts, seq, addr);
        ts = event.tsNs;
        seq = event.seq;
        addr = event.addr;
        count++;
        advance();
      }
      buf[0] = (byte) (count >>> 24);
      buf[1] = (byte) (count >>> 16);
      buf[2] = (byte) (count >>> 8);
      buf[3] = (byte) count;
      return Arrays.copyOf(buf, pos + PADDING); // copyOf pads with zeros

    }

    private void writeEvent(TraceEvent e, long prevTs, long prevSeq, long prevAddr) {
      byte[] vendor = e.vendor == null ? null : e.vendor.getBytes(StandardCharsets.UTF_8);
      ensure(128 + (vendor == null ? 0 : vendor.length));
      int present = 0;
      present |= e.unit != 0 ? UNIT : 0;
      present |= e.sid != TraceEvent.NONE ? SID : 0;
      present |= e.pasid != TraceEvent.NONE ? PASID : 0;
      present |= e.domain != TraceEvent.NONE ? DOMAIN : 0;
      present |= e.size != 0 ? SIZE : 0;
      present |= e.phys != 0 ? PHYS : 0;
      present |= e.perm != Perm.READ_WRITE ? PERM : 0;
      present |= e.pageSize != 4096 ? PAGE_SIZE : 0;
      present |= e.data != 0 ? DATA : 0;
      present |= e.index != TraceEvent.NONE ? INDEX : 0;
      present |= e.irteLo != 0 ? IRTE_LO : 0;
      present |= e.irteHi != 0 ? IRTE_HI : 0;
      present |= e.granularity != Granularity.NONE ? GRANULARITY : 0;
      present |= e.am != 0 ? AM : 0;
      present |= e.reason != TraceEvent.NONE ? REASON : 0;
      present |= vendor != null ? VENDOR : 0;
      varint(e.kind.ordinal() | (long) present << KIND_BITS);
      varint(zigzag(e.tsNs - prevTs));
      varint(zigzag(e.seq - prevSeq));
      varint(zigzag(e.addr - prevAddr));
      if ((present & UNIT) != 0) varint(zigzag(e.unit));
      if ((present & SID) != 0) varint(zigzag(e.sid));
      if ((present & PASID) != 0) varint(zigzag(e.pasid));
      if ((present & DOMAIN) != 0) varint(zigzag(e.domain));
      if ((present & SIZE) != 0) varint(e.size);
      if ((present & PHYS) != 0) varint(e.phys);
      if ((present & PERM) != 0) buf[pos++] = e.perm;
      if ((present & PAGE_SIZE) != 0) varint(e.pageSize);
      if ((present & DATA) != 0) varint(e.data);
      if ((present & INDEX) != 0) varint(zigzag(e.index));
      if ((present & IRTE_LO) != 0) varint(e.irteLo);
      if ((present & IRTE_HI) != 0) varint(e.irteHi);
      if ((present & GRANULARITY) != 0) buf[pos++] = (byte) e.granularity.ordinal();
      if ((present & AM) != 0) buf[pos++] = e.am;
      if ((present & REASON) != 0) varint(zigzag(e.reason));
      if (vendor != null) {
        varint(vendor.length);
        System.arraycopy(vendor, 0, buf, pos, vendor.length);
        pos += vendor.length;
      }
    }

    private void ensure(int bytes) {
      if (pos + bytes > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + bytes));
      }
    }

    /** Unsigned LEB128: 7 bits per byte, low group first. */
    private void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  /** Replay input from encoded blocks, decoded straight into batches of columns. */
  static final class Cursor implements EventCursor {
    /** Events per batch: enough to make the per-batch work negligible, few enough to stay in cache. */
    static final int BATCH = 1024;

    private final Iterator<byte[]> blocks;
    private final SourceNames names;
    private final EventColumns batch = new EventColumns(BATCH);
    private byte[] block;
    private int pos;
    private int left;
    private long ts;
    private long seq;
    private long addr;

    Cursor(Iterator<byte[]> blocks, SourceNames names) {
      this.blocks = blocks;
      this.names = names;
    }

    @Override
    public EventColumns nextBatch() {
      int n = 0;
      while (n < BATCH) {
        if (left == 0 && !nextBlock()) {
          break;
        }
        decode(n++);
      }
      batch.rows = n;
      return n == 0 ? null : batch;
    }

    private boolean nextBlock() {
      while (left == 0) {
        if (!blocks.hasNext()) {
          return false;
        }
        block = blocks.next();
        left = events(block);
        pos = 4;
        ts = 0;
        seq = 0;
        addr = 0;
      }
      return true;
    }

    /** Decodes the next event of the block into row {@code i}, every column written. */
    private void decode(int i) {
      EventColumns c = batch;
      left--;
      long header = varint();
      int present = (int) (header >>> KIND_BITS);
      c.kind[i] = (byte) (header & ((1 << KIND_BITS) - 1));
      ts += unzigzag(varint());
      seq += unzigzag(varint());
      addr += unzigzag(varint());
      c.tsNs[i] = ts;
      c.seq[i] = seq;
      c.addr[i] = addr;
      c.unit[i] = (present & UNIT) != 0 ? (int) unzigzag(varint()) : 0;
      c.sid[i] = (present & SID) != 0 ? (int) unzigzag(varint()) : TraceEvent.NONE;
      c.pasid[i] = (present & PASID) != 0 ? (int) unzigzag(varint()) : TraceEvent.NONE;
      c.domain[i] = (present & DOMAIN) != 0 ? (int) unzigzag(varint()) : TraceEvent.NONE;
      c.size[i] = (present & SIZE) != 0 ? varint() : 0;
      c.phys[i] = (present & PHYS) != 0 ? varint() : 0;
      c.perm[i] = (present & PERM) != 0 ? block[pos++] : Perm.READ_WRITE;
      c.pageSize[i] = (present & PAGE_SIZE) != 0 ? varint() : 4096;
      c.data[i] = (present & DATA) != 0 ? varint() : 0;
      c.index[i] = (present & INDEX) != 0 ? (int) unzigzag(varint()) : TraceEvent.NONE;
      c.irteLo[i] = (present & IRTE_LO) != 0 ? varint() : 0;
      c.irteHi[i] = (present & IRTE_HI) != 0 ? varint() : 0;
      c.granularity[i] = (present & GRANULARITY) != 0 ? block[pos++] : (byte) Granularity.NONE.ordinal();
      c.am[i] = (present & AM) != 0 ? block[pos++] : 0;
      c.reason[i] = (present & REASON) != 0 ? (int) unzigzag(varint()) : TraceEvent.NONE;
      if ((present & VENDOR) != 0) {
        int n = (int) varint();
        c.vendor[i] = new String(block, pos, n, StandardCharsets.UTF_8);
        pos += n;
      } else if (c.vendor[i] != null) {
        c.vendor[i] = null; // a reference store only when needed: it costs a GC barrier
      }
    }

    /**
     * One LEB128 value. Reads 8 bytes at once and gathers their 7-bit groups with masks and shifts:
     * varint lengths vary from field to field, and a byte-at-a-time loop mispredicts its exit
     * branch on most of them. Values of 9 or 10 bytes (at or beyond 2^56) take the slow loop.
     */
    private long varint() {
      long word = (long) LONG_LE.get(block, pos);
      long stops = ~word & 0x8080808080808080L;
      if (stops == 0) {
        return slowVarint();
      }
      int bits = Long.numberOfTrailingZeros(stops) + 1; // through the last byte's top bit
      pos += bits >>> 3;
      long x = bits == 64 ? word : word & ((1L << bits) - 1);
      x = ((x & 0x7f007f007f007f00L) >>> 1) | (x & 0x007f007f007f007fL);
      x = ((x & 0x3fff00003fff0000L) >>> 2) | (x & 0x00003fff00003fffL);
      return ((x & 0x0fffffff00000000L) >>> 4) | (x & 0x000000000fffffffL);
    }

    private long slowVarint() {
      long v = 0;
      int shift = 0;
      byte b;
      do {
        b = block[pos++];
        v |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while (b < 0);
      return v;
    }

    @Override
    public String position(int i) {
      return names.position(batch.seq[i]);
    }
  }
}
