package io.iommusim.pipeline.job;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.iommusim.pipeline.validate.ObservedReasons;
import io.iommusim.pipeline.validate.ObservedReasons.Equivalent;
import io.iommusim.translator.FaultReason;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Compares simulated faults (the faults table) with observed ones (README, "Fault validation").
 *
 * <p>Both sides are grouped by their matching key: device (the 16-bit requester id), location (4 KiB
 * page number of a DMA fault; IRTE index of an interrupt fault, none for 0x20 and 0x25), access, and
 * reason — the model's VT-d code for simulated faults, vendor and vendor code for observed ones. There
 * is no time window. An observed group matches every simulated group with the same device and
 * location whose access and reason are among its equivalents ({@link ObservedReasons}); one row per
 * matching pair is {@code matched}, an observed group with no match is {@code missed}, a simulated
 * group with no match is {@code unexpected}.
 */
final class FaultValidation {
  static final String MATCHED = "matched";
  static final String MISSED = "missed";
  static final String UNEXPECTED = "unexpected";

  /** The counts of a validation (console summary and run_info section {@code validation}). */
  static final class Summary {
    long simulatedFaults;
    long observedFaults;
    long suppressed;
    long matchedRows;
    long matchedSimulated;
    long matchedObserved;
    long missedRows;
    long missedObserved;
    long missedWithoutDevice;
    long missedWithoutEquivalent;
    long unexpectedRows;
    long unexpectedSimulated;

    boolean lowerBound() {
      return suppressed > 0;
    }

    void addTo(RunInfo info) {
      info.add("validation", "simulated_faults", simulatedFaults);
      info.add("validation", "observed_faults", observedFaults);
      info.add("validation", "observed_suppressed", suppressed);
      info.add("validation", "observed_lower_bound", lowerBound());
      info.add("validation", "matched_rows", matchedRows);
      info.add("validation", "matched_simulated_faults", matchedSimulated);
      info.add("validation", "matched_observed_faults", matchedObserved);
      info.add("validation", "missed_rows", missedRows);
      info.add("validation", "missed_observed_faults", missedObserved);
      info.add("validation", "missed_without_device", missedWithoutDevice);
      info.add("validation", "missed_without_equivalent", missedWithoutEquivalent);
      info.add("validation", "unexpected_rows", unexpectedRows);
      info.add("validation", "unexpected_simulated_faults", unexpectedSimulated);
    }
  }

  private static final StructType SIMULATED_KEYS = DataTypes.createStructType(List.of(
      DataTypes.createStructField("s_rid", DataTypes.IntegerType, false),
      DataTypes.createStructField("s_acc", DataTypes.StringType, false),
      DataTypes.createStructField("s_loc", DataTypes.LongType, false),
      DataTypes.createStructField("s_code", DataTypes.IntegerType, false),
      DataTypes.createStructField("ts_ns", DataTypes.LongType, false)));
  private static final StructType EQUIVALENTS = DataTypes.createStructType(List.of(
      DataTypes.createStructField("vendor", DataTypes.StringType, false),
      DataTypes.createStructField("vendor_code", DataTypes.IntegerType, false),
      DataTypes.createStructField("access", DataTypes.StringType, false),
      DataTypes.createStructField("e_acc", DataTypes.StringType, false),
      DataTypes.createStructField("e_code", DataTypes.IntegerType, false)));
  private static final StructType EQUIVALENT_TEXT = DataTypes.createStructType(List.of(
      DataTypes.createStructField("vendor", DataTypes.StringType, false),
      DataTypes.createStructField("vendor_code", DataTypes.IntegerType, false),
      DataTypes.createStructField("access", DataTypes.StringType, false),
      DataTypes.createStructField("observed_equivalent", DataTypes.StringType, false)));

  private static final String[] S_KEY = {"s_rid", "s_acc", "s_loc", "s_code"};
  private static final String[] O_KEY = {"rid", "access", "loc", "vendor", "vendor_code"};

  private FaultValidation() {}

  /**
   * Compares and writes the table to {@code path}.
   *
   * @param simulated the faults table
   * @param observed rows of {@link ObservedFaults#SCHEMA}
   * @param suppressed fault messages the observed sources suppressed
   */
  static Summary run(SparkSession spark, Dataset<Row> simulated, Dataset<Row> observed, String configId,
      long suppressed, String path) {
    Dataset<Row> s = spark.createDataFrame(simulated.select("sid", "access", "reason_code", "addr", "irte_index",
            "ts_ns").javaRDD().map(r -> {
              String access = r.getString(1);
              int code = r.getInt(2);
              return RowFactory.create(r.getInt(0) & 0xFFFF, access,
                  ObservedReasons.location(access, code, r.getLong(3), r.getInt(4)), code, r.getLong(5));
            }), SIMULATED_KEYS)
        .groupBy(cols(S_KEY))
        .agg(count(lit(1)).as("simulated_faults"), min("ts_ns").as("s_first"), max("ts_ns").as("s_last"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> o = observed.groupBy(cols(O_KEY))
        .agg(count(lit(1)).as("observed_records"), min("ts_ns").as("o_first"), max("ts_ns").as("o_last"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> pairs = null;
    try {
      // the equivalences of the (few) distinct observed reasons, worked out on the driver
      List<Row> equivalents = new ArrayList<>();
      List<Row> texts = new ArrayList<>();
      for (Row r : o.select("vendor", "vendor_code", "access").distinct().collectAsList()) {
        List<Equivalent> eq = ObservedReasons.equivalents(r.getString(0), r.getInt(1), r.getString(2));
        for (Equivalent e : eq) {
          equivalents.add(RowFactory.create(r.get(0), r.get(1), r.get(2), e.access(), e.code()));
        }
        texts.add(RowFactory.create(r.get(0), r.get(1), r.get(2), ObservedReasons.equivalentText(eq)));
      }
      String[] reasonKey = {"vendor", "vendor_code", "access"};
      Dataset<Row> oText = o.join(spark.createDataFrame(texts, EQUIVALENT_TEXT), scala(reasonKey));
      pairs = oText.join(spark.createDataFrame(equivalents, EQUIVALENTS), scala(reasonKey))
          .join(s, col("rid").equalTo(col("s_rid")).and(col("loc").equalTo(col("s_loc")))
              .and(col("e_acc").equalTo(col("s_acc"))).and(col("e_code").equalTo(col("s_code"))))
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> sFlagged = s.join(pairs.select(cols(S_KEY)).distinct().withColumn("matched", lit(true)),
          scala(S_KEY), "left").na().fill(false, new String[] {"matched"});
      Dataset<Row> oFlagged = oText.join(pairs.select(cols(O_KEY)).distinct().withColumn("matched", lit(true)),
          scala(O_KEY), "left").na().fill(false, new String[] {"matched"});
      Summary summary = summarize(pairs, sFlagged, oFlagged, suppressed);
      table(pairs, oFlagged.filter(col("matched").equalTo(false)), sFlagged.filter(col("matched").equalTo(false)),
          s, o, configId, suppressed).coalesce(1).write().parquet(path);
      return summary;
    } finally {
      if (pairs != null) {
        pairs.unpersist();
      }
      s.unpersist();
      o.unpersist();
    }
  }

  /** Every count in one Spark job: a fact row per matched pair, per simulated group and per observed group. */
  private static Summary summarize(Dataset<Row> pairs, Dataset<Row> sFlagged, Dataset<Row> oFlagged, long suppressed) {
    Dataset<Row> facts = pairs.select(lit("pair").as("side"), lit(true).as("matched"), lit(1L).as("n"),
            lit(false).as("no_device"), lit(false).as("no_equivalent"))
        .unionByName(sFlagged.select(lit("simulated").as("side"), col("matched"), col("simulated_faults").as("n"),
            lit(false).as("no_device"), lit(false).as("no_equivalent")))
        .unionByName(oFlagged.select(lit("observed").as("side"), col("matched"), col("observed_records").as("n"),
            col("rid").lt(0).as("no_device"),
            col("rid").geq(0).and(col("observed_equivalent").equalTo("none")).as("no_equivalent")));
    Summary sum = new Summary();
    sum.suppressed = suppressed;
    for (Row r : facts.groupBy("side", "matched", "no_device", "no_equivalent")
        .agg(count(lit(1)).as("groups"), sum("n").as("n")).collectAsList()) {
      String side = r.getString(0);
      boolean matched = r.getBoolean(1);
      long groups = r.getLong(4);
      long n = r.getLong(5);
      switch (side) {
        case "pair" -> sum.matchedRows += n;
        case "simulated" -> {
          sum.simulatedFaults += n;
          if (matched) {
            sum.matchedSimulated += n;
          } else {
            sum.unexpectedRows += groups;
            sum.unexpectedSimulated += n;
          }
        }
        default -> {
          sum.observedFaults += n;
          if (matched) {
            sum.matchedObserved += n;
          } else {
            sum.missedRows += groups;
            sum.missedObserved += n;
            sum.missedWithoutDevice += r.getBoolean(2) ? n : 0;
            sum.missedWithoutEquivalent += r.getBoolean(3) ? n : 0;
          }
        }
      }
    }
    return sum;
  }

  private static Dataset<Row> table(Dataset<Row> pairs, Dataset<Row> missed, Dataset<Row> unexpected, Dataset<Row> s,
      Dataset<Row> o, String configId, long suppressed) {
    // "here" is a device and a location of one kind: IRTE index 2 is not page 2
    Dataset<Row> simulatedHere = s.groupBy(col("s_rid"), col("s_loc"),
            col("s_acc").equalTo(ObservedReasons.INTERRUPT).as("s_irq")).agg(concat_ws("; ", array_sort(collect_list(
        format_string("%s 0x%02x (%d)", col("s_acc"), col("s_code"), col("simulated_faults"))))).as("s_here"));
    Dataset<Row> observedHere = o.groupBy(col("rid").as("o_rid"), col("loc").as("o_loc"),
            col("access").equalTo(ObservedReasons.INTERRUPT).as("o_irq")).agg(concat_ws("; ", array_sort(collect_list(
        format_string("%s 0x%x %s (%d)", col("vendor"), col("vendor_code"), col("access"),
            col("observed_records"))))).as("o_here"));

    Column place = when(col("access").equalTo(ObservedReasons.INTERRUPT), lit("IRTE index")).otherwise(lit("page"));
    Column missedDetail = when(col("rid").lt(0), lit("the record names no device"))
        .when(col("observed_equivalent").equalTo("none"),
            lit("no equivalent in the model for this vendor code and access"))
        .when(col("s_here").isNotNull(),
            concat(lit("simulated at this device and "), place, lit(" with other reasons or accesses: "), col("s_here")))
        .otherwise(concat(lit("no simulated fault at this device and "), place));
    Column unexpectedDetail = when(col("o_here").isNotNull(),
            concat(lit("observed at this device and "), place, lit(" with other reasons or accesses: "), col("o_here")))
        .otherwise(concat(lit("no observed fault at this device and "), place));
    if (suppressed > 0) {
      unexpectedDetail = concat(unexpectedDetail, lit("; the observed sources suppressed " + suppressed
          + " fault messages, this may be among them"));
    }

    Dataset<Row> matchedRows = pairs.select(row(configId, MATCHED, col("s_rid"), col("s_acc"), col("s_loc"),
        col("s_code"), col("simulated_faults"), col("s_first"), col("s_last"), col("vendor"), col("vendor_code"),
        col("access"), col("observed_equivalent"), col("observed_records"), col("o_first"), col("o_last"), suppressed,
        lit(null).cast(DataTypes.StringType)));
    Dataset<Row> missedRows = missed
        .join(simulatedHere, col("rid").equalTo(col("s_rid")).and(col("loc").equalTo(col("s_loc")))
            .and(col("s_irq").equalTo(col("access").equalTo(ObservedReasons.INTERRUPT))), "left")
        .select(row(configId, MISSED, col("rid"), col("access"), col("loc"), lit(null).cast(DataTypes.IntegerType),
            lit(0L), lit(null).cast(DataTypes.LongType), lit(null).cast(DataTypes.LongType), col("vendor"),
            col("vendor_code"), col("access"), col("observed_equivalent"), col("observed_records"), col("o_first"), col("o_last"),
            suppressed, missedDetail));
    Dataset<Row> unexpectedRows = unexpected
        .join(observedHere, col("s_rid").equalTo(col("o_rid")).and(col("s_loc").equalTo(col("o_loc")))
            .and(col("o_irq").equalTo(col("s_acc").equalTo(ObservedReasons.INTERRUPT))), "left")
        .withColumn("access", col("s_acc"))
        .select(row(configId, UNEXPECTED, col("s_rid"), col("s_acc"), col("s_loc"), col("s_code"),
            col("simulated_faults"), col("s_first"), col("s_last"), lit(null).cast(DataTypes.StringType),
            lit(null).cast(DataTypes.IntegerType), lit(null).cast(DataTypes.StringType),
            lit(null).cast(DataTypes.StringType), lit(0L),
            lit(null).cast(DataTypes.LongType), lit(null).cast(DataTypes.LongType), suppressed, unexpectedDetail));

    return matchedRows.unionByName(missedRows).unionByName(unexpectedRows)
        .orderBy(col("sid"), col("page").asc_nulls_last(), col("irte_index").asc_nulls_last(), col("access"),
            col("status"), col("simulated_reason_code").asc_nulls_last(), col("observed_vendor").asc_nulls_last(),
            col("observed_reason_code").asc_nulls_last(), col("observed_access").asc_nulls_last());
  }

  /** The table's columns from one part's values, in the table's order. */
  private static Column[] row(String configId, String status, Column rid, Column access, Column loc, Column sCode,
      Column sFaults, Column sFirst, Column sLast, Column vendor, Column vendorCode, Column observedAccess,
      Column equivalent,
      Column oRecords, Column oFirst, Column oLast, long suppressed, Column detail) {
    Column interrupt = access.equalTo(ObservedReasons.INTERRUPT);
    return new Column[] {
        lit(configId).as("config_id"),
        lit(status).as("status"),
        rid.as("sid"),
        when(rid.geq(0), format_string("%02x:%02x.%d", shiftright(rid, 8).bitwiseAND(255),
            shiftright(rid, 3).bitwiseAND(31), rid.bitwiseAND(7))).as("bdf"),
        access.as("access"),
        when(interrupt, lit(null).cast(DataTypes.LongType)).otherwise(loc.multiply(4096L)).as("page"),
        when(interrupt, loc.cast(DataTypes.IntegerType)).otherwise(lit(null).cast(DataTypes.IntegerType))
            .as("irte_index"),
        sCode.as("simulated_reason_code"),
        reasonText(sCode).as("simulated_reason"),
        sFaults.as("simulated_faults"),
        sFirst.as("simulated_first_ts_ns"),
        sLast.as("simulated_last_ts_ns"),
        vendor.as("observed_vendor"),
        vendorCode.as("observed_reason_code"),
        observedAccess.as("observed_access"),
        equivalent.as("observed_equivalent"),
        oRecords.as("observed_faults"),
        oFirst.as("observed_first_ts_ns"),
        oLast.as("observed_last_ts_ns"),
        lit(suppressed > 0).as("observed_lower_bound"),
        detail.as("detail")};
  }

  private static Column reasonText(Column code) {
    Column text = null;
    for (FaultReason r : FaultReason.values()) {
      text = text == null ? when(code.equalTo(r.code()), lit(r.text())) : text.when(code.equalTo(r.code()), lit(r.text()));
    }
    return text;
  }

  private static long total(Dataset<Row> d, String column) {
    Row r = d.agg(sum(column)).first();
    return r.isNullAt(0) ? 0 : r.getLong(0);
  }

  private static Column[] cols(String[] names) {
    Column[] c = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      c[i] = col(names[i]);
    }
    return c;
  }

  private static scala.collection.immutable.Seq<String> scala(String[] names) {
    return scala.jdk.javaapi.CollectionConverters.asScala(List.of(names)).toSeq();
  }
}
