package io.iommusim.trace.parquet;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes one {@link TraceEvent} as one row of the canonical schema, straight into parquet's column writers.
 * The Binary of every kind, granularity and vendor is made once and reused, so a row allocates nothing.
 */
final class TraceWriteSupport extends WriteSupport<TraceEvent> {
  private static final Binary[] KIND_TEXT = kindTexts();
  private static final Binary[] GRANULARITY_TEXT = granularityTexts();

  private final Map<String, String> keyValueMetadata;
  private final Map<String, Binary> vendorText = new HashMap<>();
  private RecordConsumer out;
  private long rowsWritten;

  TraceWriteSupport(Map<String, String> keyValueMetadata) {
    this.keyValueMetadata = Map.copyOf(keyValueMetadata);
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(TraceParquetSchema.canonical(), keyValueMetadata);
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(TraceParquetSchema.canonical(), keyValueMetadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  /** The caller has checked that the event has a kind (the only column without a default). */
  @Override
  public void write(TraceEvent e) {
    // field indexes are the ordinals of Column, which is the schema's field order
    out.startMessage();
    putLong("ts_ns", 0, e.tsNs);
    // an event nobody numbered gets its position in this file, as a reader would assign with seqBase 0
    putLong("seq", 1, e.seq == TraceEvent.NO_SEQ ? rowsWritten : e.seq);
    putBinary("kind", 2, KIND_TEXT[e.kind.ordinal()]);
    putInt("unit", 3, e.unit);
    putInt("sid", 4, e.sid);
    putInt("pasid", 5, e.pasid);
    putInt("domain", 6, e.domain);
    putLong("addr", 7, e.addr);
    putLong("size", 8, e.size);
    putLong("phys", 9, e.phys);
    putInt("perm", 10, e.perm);
    putLong("page_size", 11, e.pageSize);
    putLong("data", 12, e.data);
    putInt("index", 13, e.index);
    putLong("irte_lo", 14, e.irteLo);
    putLong("irte_hi", 15, e.irteHi);
    if (e.granularity != null && e.granularity != Granularity.NONE) {
      putBinary("granularity", 16, GRANULARITY_TEXT[e.granularity.ordinal()]);
    }
    putInt("am", 17, e.am);
    putInt("reason", 18, e.reason);
    if (e.vendor != null) {
      putBinary("vendor", 19, vendorText(e.vendor));
    }
    out.endMessage();
    rowsWritten++;
  }

  private void putLong(String name, int field, long value) {
    out.startField(name, field);
    out.addLong(value);
    out.endField(name, field);
  }

  private void putInt(String name, int field, int value) {
    out.startField(name, field);
    out.addInteger(value);
    out.endField(name, field);
  }

  private void putBinary(String name, int field, Binary value) {
    out.startField(name, field);
    out.addBinary(value);
    out.endField(name, field);
  }

  private Binary vendorText(String vendor) {
    Binary text = vendorText.get(vendor);
    if (text == null) {
      text = Binary.fromString(vendor);
      vendorText.put(vendor, text);
    }
    return text;
  }

  private static Binary[] kindTexts() {
    EventKind[] kinds = EventKind.values();
    Binary[] texts = new Binary[kinds.length];
    for (EventKind k : kinds) {
      texts[k.ordinal()] = Binary.fromString(k.text());
    }
    return texts;
  }

  private static Binary[] granularityTexts() {
    Granularity[] values = Granularity.values();
    Binary[] texts = new Binary[values.length];
    for (Granularity g : values) {
      texts[g.ordinal()] = Binary.fromString(g.text());
    }
    return texts;
  }
}
