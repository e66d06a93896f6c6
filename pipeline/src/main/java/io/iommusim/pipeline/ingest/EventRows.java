package io.iommusim.pipeline.ingest;

import io.iommusim.trace.Column;
import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The canonical event schema as Spark rows, and the conversions between rows and {@link TraceEvent}. */
public final class EventRows {
  /** Extra column: the replay group a row belongs to (see {@link ReplayGroups}). */
  public static final String GROUP = "replay_group";

  private static final Column[] COLUMNS = Column.all();
  private static final StructType SCHEMA = buildSchema(false);
  private static final StructType GROUPED_SCHEMA = buildSchema(true);

  private EventRows() {}

  private static StructType buildSchema(boolean withGroup) {
    List<StructField> fields = new ArrayList<>();
    for (Column c : COLUMNS) {
      fields.add(DataTypes.createStructField(c.columnName(), sparkType(c.type()), c.type() == Column.Type.STRING));
    }
    if (withGroup) {
      fields.add(DataTypes.createStructField(GROUP, DataTypes.LongType, false));
    }
    return DataTypes.createStructType(fields);
  }

  private static DataType sparkType(Column.Type t) {
    switch (t) {
      case INT8: return DataTypes.ByteType;
      case INT32: return DataTypes.IntegerType;
      case INT64: return DataTypes.LongType;
      default: return DataTypes.StringType;
    }
  }

  public static StructType schema() {
    return SCHEMA;
  }

  public static StructType groupedSchema() {
    return GROUPED_SCHEMA;
  }

  public static Row toRow(TraceEvent e) {
    return RowFactory.create(values(e, 0, false));
  }

  public static Row toGroupedRow(TraceEvent e, long group) {
    Object[] v = values(e, group, true);
    return RowFactory.create(v);
  }

  private static Object[] values(TraceEvent e, long group, boolean withGroup) {
    Object[] v = new Object[COLUMNS.length + (withGroup ? 1 : 0)];
    v[0] = e.tsNs;
    v[1] = e.seq;
    v[2] = e.kind.text();
    v[3] = e.unit;
    v[4] = e.sid;
    v[5] = e.pasid;
    v[6] = e.domain;
    v[7] = e.addr;
    v[8] = e.size;
    v[9] = e.phys;
    v[10] = e.perm;
    v[11] = e.pageSize;
    v[12] = e.data;
    v[13] = e.index;
    v[14] = e.irteLo;
    v[15] = e.irteHi;
    v[16] = e.granularity == Granularity.NONE ? null : e.granularity.text();
    v[17] = e.am;
    v[18] = e.reason;
    v[19] = e.vendor;
    if (withGroup) {
      v[20] = group;
    }
    return v;
  }

  /** Fills {@code e} from a row of {@link #schema()} (or the grouped schema). */
  public static TraceEvent fill(Row r, TraceEvent e) {
    e.tsNs = r.getLong(0);
    e.seq = r.getLong(1);
    e.kind = kindOf(r.getString(2));
    e.unit = r.getInt(3);
    e.sid = r.getInt(4);
    e.pasid = r.getInt(5);
    e.domain = r.getInt(6);
    e.addr = r.getLong(7);
    e.size = r.getLong(8);
    e.phys = r.getLong(9);
    e.perm = r.getByte(10);
    e.pageSize = r.getLong(11);
    e.data = r.getLong(12);
    e.index = r.getInt(13);
    e.irteLo = r.getLong(14);
    e.irteHi = r.getLong(15);
    e.granularity = r.isNullAt(16) ? Granularity.NONE : Granularity.fromText(r.getString(16));
    e.am = r.getByte(17);
    e.reason = r.getInt(18);
    e.vendor = r.isNullAt(19) ? null : r.getString(19);
    return e;
  }

  private static EventKind kindOf(String text) {
    EventKind k = EventKind.fromText(text);
    if (k == null) {
      throw new IllegalStateException("unknown kind in an already validated row: " + text);
    }
    return k;
  }
}
