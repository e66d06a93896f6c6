package io.iommusim.pipeline.job;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows a replay task emits: one per fault (record_type 0) and, last, one carrying the task's
 * serialised statistics (record_type 1). {@code config} is the index of the configuration the task
 * replayed under (0 in simulate; the sweep's configuration index in sweep).
 */
final class FaultRows {
  static final int FAULT = 0;
  static final int STATS = 1;
  static final int CONFIG = 1;

  static final StructType SCHEMA = DataTypes.createStructType(List.of(
      DataTypes.createStructField("record_type", DataTypes.IntegerType, false),
      DataTypes.createStructField("config", DataTypes.IntegerType, false),
      DataTypes.createStructField("ts_ns", DataTypes.LongType, false),
      DataTypes.createStructField("seq", DataTypes.LongType, false),
      DataTypes.createStructField("unit", DataTypes.IntegerType, false),
      DataTypes.createStructField("sid", DataTypes.IntegerType, false),
      DataTypes.createStructField("pasid", DataTypes.IntegerType, false),
      DataTypes.createStructField("domain", DataTypes.IntegerType, false),
      DataTypes.createStructField("addr", DataTypes.LongType, false),
      DataTypes.createStructField("write", DataTypes.BooleanType, false),
      DataTypes.createStructField("reason_code", DataTypes.IntegerType, false),
      DataTypes.createStructField("interrupt", DataTypes.BooleanType, false),
      DataTypes.createStructField("irte_index", DataTypes.IntegerType, false),
      DataTypes.createStructField("stats", DataTypes.BinaryType, true)));

  private FaultRows() {}

  static Row fault(int config, long ts, long seq, int unit, int sid, int pasid, int domain, long addr, boolean write,
      int reason) {
    return RowFactory.create(FAULT, config, ts, seq, unit, sid, pasid, domain, addr, write, reason, false, -1, null);
  }

  static Row interruptFault(int config, long ts, long seq, int unit, int sid, int domain, long addr, int irteIndex,
      int reason) {
    return RowFactory.create(FAULT, config, ts, seq, unit, sid, -1, domain, addr, true, reason, true, irteIndex, null);
  }

  static Row stats(int config, byte[] blob) {
    return RowFactory.create(STATS, config, 0L, 0L, 0, 0, 0, 0, 0L, false, 0, false, -1, blob);
  }

  static boolean isStats(Row r) {
    return r.getInt(0) == STATS;
  }

  static boolean isFault(Row r) {
    return r.getInt(0) == FAULT;
  }

  static int config(Row r) {
    return r.getInt(CONFIG);
  }

  static byte[] statsBlob(Row r) {
    return (byte[]) r.get(r.length() - 1);
  }
}
