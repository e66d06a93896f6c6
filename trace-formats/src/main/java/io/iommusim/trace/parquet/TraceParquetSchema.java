package io.iommusim.trace.parquet;

import io.iommusim.trace.Column;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * The canonical Parquet schema of a trace, derived from {@link Column} (architecture.md, "Canonical event model").
 *
 * <p>int8 columns are stored as int32 annotated INT(8, signed) because Parquet has no 8-bit physical type;
 * Spark maps that annotation to ByteType. {@code granularity} and {@code vendor} are optional because their
 * natural "absent" value is null (NONE / no vendor); every other column always has a value on write.
 */
public final class TraceParquetSchema {
  /** Name of the Parquet message; readers ignore it. */
  public static final String MESSAGE_NAME = "iommusim_trace_event";

  private static final MessageType CANONICAL = build();

  private TraceParquetSchema() {}

  /** The schema {@link ParquetTraceWriter} writes: every contract column, in canonical order. */
  public static MessageType canonical() {
    return CANONICAL;
  }

  /** True when the column is written as {@code optional} (null = its "none" value). */
  public static boolean isOptionalOnWrite(Column column) {
    return column == Column.GRANULARITY || column == Column.VENDOR;
  }

  /** True when a file without this column (or with a null in it) cannot be read as a trace. */
  public static boolean isRequiredOnRead(Column column) {
    return column == Column.TS_NS || column == Column.KIND;
  }

  static PrimitiveType field(Column column) {
    Repetition repetition = isOptionalOnWrite(column) ? Repetition.OPTIONAL : Repetition.REQUIRED;
    switch (column.type()) {
      case INT64:
        return Types.primitive(PrimitiveTypeName.INT64, repetition).named(column.columnName());
      case INT32:
        return Types.primitive(PrimitiveTypeName.INT32, repetition).named(column.columnName());
      case INT8:
        return Types.primitive(PrimitiveTypeName.INT32, repetition)
            .as(LogicalTypeAnnotation.intType(8, true))
            .named(column.columnName());
      case STRING:
        return Types.primitive(PrimitiveTypeName.BINARY, repetition)
            .as(LogicalTypeAnnotation.stringType())
            .named(column.columnName());
      default:
        throw new AssertionError(column.type());
    }
  }

  private static MessageType build() {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    for (Column column : Column.all()) {
      builder.addField(field(column));
    }
    return builder.named(MESSAGE_NAME);
  }
}
