package io.iommusim.trace;

/**
 * The contract columns of the canonical event model, in their canonical order, with their storage types.
 * CSV headers, the Parquet schema and the Spark schema are all derived from this list.
 */
public enum Column {
  TS_NS("ts_ns", Type.INT64),
  SEQ("seq", Type.INT64),
  KIND("kind", Type.STRING),
  UNIT("unit", Type.INT32),
  SID("sid", Type.INT32),
  PASID("pasid", Type.INT32),
  DOMAIN("domain", Type.INT32),
  ADDR("addr", Type.INT64),
  SIZE("size", Type.INT64),
  PHYS("phys", Type.INT64),
  PERM("perm", Type.INT8),
  PAGE_SIZE("page_size", Type.INT64),
  DATA("data", Type.INT64),
  INDEX("index", Type.INT32),
  IRTE_LO("irte_lo", Type.INT64),
  IRTE_HI("irte_hi", Type.INT64),
  GRANULARITY("granularity", Type.STRING),
  AM("am", Type.INT8),
  REASON("reason", Type.INT32),
  VENDOR("vendor", Type.STRING);

  /** Storage types of the contract. */
  public enum Type { INT8, INT32, INT64, STRING }

  private static final Column[] VALUES = values();

  private final String columnName;
  private final Type type;

  Column(String columnName, Type type) {
    this.columnName = columnName;
    this.type = type;
  }

  public String columnName() {
    return columnName;
  }

  public Type type() {
    return type;
  }

  public static Column byName(String name) {
    for (Column c : VALUES) {
      if (c.columnName.equals(name)) {
        return c;
      }
    }
    return null;
  }

  public static Column[] all() {
    return VALUES.clone();
  }
}
