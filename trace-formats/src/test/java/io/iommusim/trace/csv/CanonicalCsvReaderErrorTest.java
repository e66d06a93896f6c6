package io.iommusim.trace.csv;

import static io.iommusim.trace.csv.CsvTestSupport.errorMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.iommusim.trace.TraceFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error names file, line, column and the offending text, with an exact message. */
class CanonicalCsvReaderErrorTest {

  @Test
  void unknownColumn() {
    assertEquals("trace.csv:1: unknown column: 'address'", errorMessage("ts_ns,kind,address\n"));
  }

  @Test
  void emptyColumnName() {
    assertEquals("trace.csv:1: unknown column: ''", errorMessage("ts_ns,,kind\n"));
  }

  @Test
  void duplicateColumn() {
    assertEquals("trace.csv:2: duplicate column: 'kind'", errorMessage("# c\nts_ns,kind, kind\n"));
  }

  @Test
  void missingRequiredColumns() {
    assertEquals("trace.csv:1: missing required column: 'ts_ns'", errorMessage("kind,addr\n"));
    assertEquals("trace.csv:1: missing required column: 'kind'", errorMessage("ts_ns\n"));
  }

  @Test
  void notANumber() {
    assertEquals("trace.csv:17: column 'addr': not a number: '0xZZ'",
        errorMessage("ts_ns,kind,addr\n" + "#\n".repeat(15) + "1,map,0xZZ\n"));
  }

  @Test
  void exceptionCarriesItsParts() {
    TraceFormatException e = assertThrows(TraceFormatException.class,
        () -> CsvTestSupport.read("ts_ns,kind,size\n1,map,-3\n"));
    assertEquals("trace.csv", e.file());
    assertEquals(2, e.line());
    assertEquals("size", e.column());
    assertEquals("-3", e.text());
  }

  @Test
  void tooFewFields() {
    assertEquals("trace.csv:2: expected 3 fields, found 2: '1,map'", errorMessage("ts_ns,kind,addr\n1,map\n"));
  }

  @Test
  void tooManyFields() {
    assertEquals("trace.csv:2: expected 3 fields, found 4: '1,map,0x1,5'",
        errorMessage("ts_ns,kind,addr\n1,map,0x1,5\n"));
    assertEquals("trace.csv:2: expected 3 fields, found 4: '1,map,0x1,'",
        errorMessage("ts_ns,kind,addr\n1,map,0x1,\n"));
  }

  @Test
  void missingRequiredValues() {
    assertEquals("trace.csv:2: column 'kind': missing value: ''", errorMessage("ts_ns,kind\n1, \n"));
    assertEquals("trace.csv:2: column 'ts_ns': missing value: ''", errorMessage("ts_ns,kind\n,map\n"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "kind|DMA_READ|unknown kind",
      "kind|dma-read|unknown kind",
      "ts_ns|9223372036854775808|not a number",
      "ts_ns|-9223372036854775809|not a number",
      "ts_ns|12ns|not a number",
      "ts_ns|+5|not a number",
      "ts_ns|0x|not a number",
      "ts_ns|-|not a number",
      "addr|0x1FFFFFFFFFFFFFFFF|not a number",
      "addr|18446744073709551615|not a number",
      "addr|-0xFFFFFFFFFFFFFFFF|not a number",
      "addr|1 2|not a number",
      "seq|0xq|not a number",
      "unit|2147483648|out of range for int32",
      "unit|-1|out of range (must be >= 0)",
      "pasid|0x100000|out of range (-1..0xfffff)",
      "pasid|-2|out of range (-1..0xfffff)",
      "domain|-2|out of range (must be >= -1)",
      "domain|0xFFFFFFFF|out of range for int32",
      "index|-2|out of range (must be >= -1)",
      "reason|0xFFFFFFFF|out of range for int32",
      "reason|x|not a number",
      "perm|4|not a permission (r, w, rw, -, 0..3)",
      "perm|x|not a permission (r, w, rw, -, 0..3)",
      "perm|R|not a permission (r, w, rw, -, 0..3)",
      "am|64|out of range (0..63)",
      "am|-1|out of range (0..63)",
      "page_size|8192|not a page size (4096, 2097152, 1073741824)",
      "page_size|0|not a page size (4096, 2097152, 1073741824)",
      "size|-1|out of range (must be >= 0)",
      "granularity|Page|unknown granularity",
      "vendor|intel|unknown vendor",
      "vendor|VTD|unknown vendor",
      "sid|00:20.0|not a requester id",
      "sid|00:00.8|not a requester id",
      "sid|100:00.0|not a requester id",
      "sid|8000:00:00.0|not a requester id",
      "sid|0:0:0:0.0|not a requester id",
      "sid|00:00|not a requester id",
      "sid|0x80000000|not a requester id",
      "sid|-2|not a requester id",
      "sid|00:1g.0|not a requester id",
      "sid|00:.0|not a requester id"})
  void badField(String column, String text, String problem) {
    String header = column.equals("ts_ns") || column.equals("kind") ? "ts_ns,kind" : "ts_ns,kind," + column;
    String row = column.equals("ts_ns") ? text + ",map"
        : column.equals("kind") ? "1," + text
        : "1,map," + text;
    assertEquals("trace.csv:2: column '" + column + "': " + problem + ": '" + text + "'",
        errorMessage(header + "\n" + row + "\n"));
  }
}
