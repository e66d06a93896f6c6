package io.iommusim.trace.parquet;

import io.iommusim.trace.Column;
import io.iommusim.trace.TraceFormatException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Matches the contract columns to the columns of one file. Tolerates what other writers (Spark above all) produce:
 * optional instead of required, int32 where int64 is expected, missing columns (they take defaults) and extra
 * columns (ignored, and not even read).
 */
final class FileColumns {
  private final ColumnDescriptor[] byColumn = new ColumnDescriptor[Column.values().length];
  private final MessageType projection;

  private FileColumns(MessageType projection) {
    this.projection = projection;
  }

  /** @throws TraceFormatException when a contract column has an unusable type or a required column is missing */
  static FileColumns match(MessageType fileSchema, String file) {
    List<Type> projected = new ArrayList<>();
    List<Column> matched = new ArrayList<>();
    for (Column column : Column.all()) {
      if (!fileSchema.containsField(column.columnName())) {
        if (TraceParquetSchema.isRequiredOnRead(column)) {
          throw new TraceFormatException(file, -1, column.columnName(), null, "required column is missing");
        }
        continue;
      }
      Type type = fileSchema.getType(column.columnName());
      checkUsable(column, type, file);
      projected.add(type);
      matched.add(column);
    }
    FileColumns result = new FileColumns(new MessageType(fileSchema.getName(), projected));
    for (Column column : matched) {
      result.byColumn[column.ordinal()] = result.projection.getColumnDescription(new String[] {column.columnName()});
    }
    return result;
  }

  private static void checkUsable(Column column, Type type, String file) {
    String expected = expectedTypeText(column);
    if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED)) {
      throw new TraceFormatException(file, -1, column.columnName(), type.toString(),
          "unsupported Parquet type, expected " + expected);
    }
    PrimitiveTypeName physical = type.asPrimitiveType().getPrimitiveTypeName();
    boolean usable;
    switch (column.type()) {
      case INT64:
        usable = physical == PrimitiveTypeName.INT64 || physical == PrimitiveTypeName.INT32;
        break;
      case INT32:
      case INT8:
        usable = physical == PrimitiveTypeName.INT32;
        break;
      case STRING:
        usable = physical == PrimitiveTypeName.BINARY;
        break;
      default:
        throw new AssertionError(column.type());
    }
    if (!usable) {
      throw new TraceFormatException(file, -1, column.columnName(), type.toString(),
          "unsupported Parquet type, expected " + expected);
    }
  }

  private static String expectedTypeText(Column column) {
    switch (column.type()) {
      case INT64: return "int64 or int32";
      case INT32: return "int32";
      case INT8: return "int32 (int8)";
      case STRING: return "binary (string)";
      default: throw new AssertionError(column.type());
    }
  }

  /** The file's column for a contract column, or null when the file lacks it. */
  ColumnDescriptor descriptor(Column column) {
    return byColumn[column.ordinal()];
  }

  /** Only the contract columns present in the file, with the file's own types. */
  MessageType projection() {
    return projection;
  }
}
