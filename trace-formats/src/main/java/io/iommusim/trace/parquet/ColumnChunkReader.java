package io.iommusim.trace.parquet;

import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Streams one flat, non-repeated column of a row group into primitive arrays, a batch at a time.
 * The encodings writers use for our columns (PLAIN, dictionary and DELTA_BINARY_PACKED, RLE definition levels,
 * page v1 or v2) are decoded in bulk here; any other value encoding goes through parquet's own ValuesReader,
 * slower but correct.
 *
 * <p>A chunk whose statistics prove that it holds one value only, or nulls only, is {@link #uniform()}: the
 * caller takes the value from here and never asks for the pages (a trace has many such columns: unit,
 * pasid, page_size, data, reason, vendor...). Statistics are only trusted where parquet exposes them, which
 * already leaves out the known-bad ones of old writers; without statistics the chunk is decoded.
 *
 * <p>Within a batch, values are first decoded densely (a null has no value in the page), then spread out in
 * place from the back, which needs no second buffer.
 */
final class ColumnChunkReader {
  private final String file;
  private final ColumnDescriptor column;
  private final int maxDef;
  private final int levelBitWidth;
  private final boolean stored32;
  private final HybridRleDecoder levelDecoder;
  private final HybridRleDecoder idDecoder;
  private final DeltaBinaryPackedDecoder deltaDecoder;

  /** What the statistics of the current chunk prove about its values. */
  enum Uniform {
    /** Nothing: decode the pages. */
    NO,
    /** Every value is null. */
    ALL_NULL,
    /** No nulls, and min = max: every value is {@link #uniformLong()} / {@link #uniformBinary()}. */
    ONE_VALUE
  }

  private Uniform uniform = Uniform.NO;
  private long uniformLong;
  private Binary uniformBinary;

  private int[] levels = new int[0];
  private int[] ids = new int[0];
  private boolean[] isNull = new boolean[0];
  private int nulls;

  private PageReader pages;
  private Dictionary dictionary;
  private long[] dictionaryLongs;
  private int[] dictionaryInts;
  private int[] dictionaryStringIds;

  // the current page
  private int pageLeft;
  private Encoding valueEncoding;
  private ByteBuffer valueBytes;
  /** Index of the next non-null value of a PLAIN page. */
  private int plainIndex;
  private LongBuffer plainLongs;
  private IntBuffer plainInts;
  private boolean deltaValues;
  private long[] deltaScratch = new long[0];
  private ValuesReader otherValues;
  /** Non-null values among the levels of the current slice (see {@link #beginSlice}). */
  private int sliceNonNull;

  ColumnChunkReader(String file, ColumnDescriptor column) {
    this.file = file;
    this.column = column;
    this.maxDef = column.getMaxDefinitionLevel();
    this.levelBitWidth = BytesUtils.getWidthFromMaxInt(maxDef);
    this.stored32 = column.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32;
    this.levelDecoder = new HybridRleDecoder(file);
    this.idDecoder = new HybridRleDecoder(file);
    this.deltaDecoder = new DeltaBinaryPackedDecoder(file);
  }

  /**
   * Starts on this column's chunk of a new row group of {@code rows} rows.
   * @param statistics the chunk's statistics from the footer, or null if there are none
   */
  void startChunk(PageReader chunk, Statistics<?> statistics, long rows) throws IOException {
    pages = chunk;
    dictionaryLongs = null;
    dictionaryInts = null;
    dictionaryStringIds = null;
    pageLeft = 0;
    uniform = uniformOf(statistics, rows);
    // read even for a uniform chunk: small, and a column whose nulls are errors is still decoded
    DictionaryPage page = chunk.readDictionaryPage();
    dictionary = page == null ? null : page.getEncoding().initDictionary(column, page);
  }

  private Uniform uniformOf(Statistics<?> s, long rows) {
    if (s == null || s.isEmpty() || !s.isNumNullsSet() || rows <= 0) {
      return Uniform.NO;
    }
    if (s.getNumNulls() == rows) {
      return Uniform.ALL_NULL;
    }
    if (s.getNumNulls() != 0 || !s.hasNonNullValue()) {
      return Uniform.NO;
    }
    switch (column.getPrimitiveType().getPrimitiveTypeName()) {
      case INT64: {
        long min = (Long) s.genericGetMin();
        if (min != (Long) s.genericGetMax()) {
          return Uniform.NO;
        }
        uniformLong = min;
        return Uniform.ONE_VALUE;
      }
      case INT32: {
        int min = (Integer) s.genericGetMin();
        if (min != (Integer) s.genericGetMax()) {
          return Uniform.NO;
        }
        uniformLong = min;
        return Uniform.ONE_VALUE;
      }
      case BINARY: {
        Binary min = (Binary) s.genericGetMin();
        if (!min.equals(s.genericGetMax())) {
          return Uniform.NO;
        }
        uniformBinary = Binary.fromConstantByteArray(min.getBytes());
        return Uniform.ONE_VALUE;
      }
      default:
        return Uniform.NO;
    }
  }

  /** What the statistics prove about the current chunk; unless {@link Uniform#NO} the caller need not read it. */
  Uniform uniform() {
    return uniform;
  }

  /** The one value of an int32 or int64 chunk that is {@link Uniform#ONE_VALUE}. */
  long uniformLong() {
    return uniformLong;
  }

  /** The one value of a binary chunk that is {@link Uniform#ONE_VALUE}. */
  Binary uniformBinary() {
    return uniformBinary;
  }

  /** Number of nulls in the last batch. */
  int nulls() {
    return nulls;
  }

  /** Whether row {@code i} of the last batch was null; meaningful only when {@link #nulls()} > 0. */
  boolean isNull(int i) {
    return isNull[i];
  }

  /** Reads the next {@code n} values (int32 widened) into {@code out[0, n)}; nulls become {@code absent}. */
  void readLongs(long[] out, int n, long absent) throws IOException {
    startBatch(n);
    int done = 0;
    while (done < n) {
      int k = beginSlice(n - done, done);
      int m = sliceNonNull;
      if (plainLongs != null) {
        plainLongs.get(plainIndex, out, done, m);
        plainIndex += m;
      } else if (deltaValues) {
        deltaDecoder.read(out, done, m);
        if (stored32) {
          for (int j = 0; j < m; j++) {
            out[done + j] = (int) out[done + j];
          }
        }
      } else if (plainInts != null) {
        IntBuffer b = plainInts;
        int at = plainIndex;
        for (int j = 0; j < m; j++) {
          out[done + j] = b.get(at + j);
        }
        plainIndex += m;
      } else if (valueEncoding.usesDictionary()) {
        long[] dict = dictionaryLongs();
        int[] id = dictionaryIds(m);
        for (int j = 0; j < m; j++) {
          out[done + j] = dict[id[j]];
        }
      } else {
        for (int j = 0; j < m; j++) {
          out[done + j] = stored32 ? otherValues.readInteger() : otherValues.readLong();
        }
      }
      if (m < k) {
        for (int i = k - 1, j = m - 1; i >= 0; i--) {
          out[done + i] = levels[i] == maxDef ? out[done + j--] : absent;
        }
      }
      done += k;
    }
  }

  /** Reads the next {@code n} int32 values into {@code out[0, n)}; nulls become {@code absent}. */
  void readInts(int[] out, int n, int absent) throws IOException {
    startBatch(n);
    int done = 0;
    while (done < n) {
      int k = beginSlice(n - done, done);
      int m = sliceNonNull;
      if (plainInts != null) {
        plainInts.get(plainIndex, out, done, m);
        plainIndex += m;
      } else if (deltaValues) {
        long[] values = deltaScratch(m);
        deltaDecoder.read(values, 0, m);
        for (int j = 0; j < m; j++) {
          out[done + j] = (int) values[j];
        }
      } else if (valueEncoding.usesDictionary()) {
        int[] dict = dictionaryInts();
        int[] id = dictionaryIds(m);
        for (int j = 0; j < m; j++) {
          out[done + j] = dict[id[j]];
        }
      } else {
        for (int j = 0; j < m; j++) {
          out[done + j] = otherValues.readInteger();
        }
      }
      if (m < k) {
        for (int i = k - 1, j = m - 1; i >= 0; i--) {
          out[done + i] = levels[i] == maxDef ? out[done + j--] : absent;
        }
      }
      done += k;
    }
  }

  /** Reads the next {@code n} strings as {@link DistinctStrings} ids into {@code out[0, n)}; nulls become -1. */
  void readStringIds(DistinctStrings strings, int[] out, int n) throws IOException {
    startBatch(n);
    int done = 0;
    while (done < n) {
      int k = beginSlice(n - done, done);
      int m = sliceNonNull;
      if (valueEncoding.usesDictionary()) {
        if (dictionaryStringIds == null) {
          dictionaryStringIds = strings.idsOf(requireDictionary());
        }
        int[] dict = dictionaryStringIds;
        int[] id = dictionaryIds(m);
        for (int j = 0; j < m; j++) {
          out[done + j] = dict[id[j]];
        }
      } else {
        for (int j = 0; j < m; j++) {
          out[done + j] = strings.idOf(otherValues.readBytes());
        }
      }
      if (m < k) {
        for (int i = k - 1, j = m - 1; i >= 0; i--) {
          out[done + i] = levels[i] == maxDef ? out[done + j--] : -1;
        }
      }
      done += k;
    }
  }

  private void startBatch(int n) {
    nulls = 0;
    if (levels.length < n) {
      levels = new int[n];
      isNull = new boolean[n];
    }
  }

  /**
   * Makes sure a page has values left, decodes the definition levels of the next {@code min(wanted, left in
   * page)} values into {@link #levels}, records their nulls at {@code batchOffset} and their non-null count in
   * {@link #sliceNonNull}; returns that count of values.
   */
  private int beginSlice(int wanted, int batchOffset) throws IOException {
    while (pageLeft == 0) {
      nextPage();
    }
    int k = Math.min(wanted, pageLeft);
    pageLeft -= k;
    if (maxDef == 0) {
      sliceNonNull = k;
      return k;
    }
    int present = levelDecoder.readCounting(levels, 0, k, maxDef);
    sliceNonNull = present;
    if (present == k) {
      // the usual case (a column without nulls in this slice): no per-value work
      Arrays.fill(isNull, batchOffset, batchOffset + k, false);
    } else {
      for (int i = 0; i < k; i++) {
        isNull[batchOffset + i] = levels[i] != maxDef;
      }
      nulls += k - present;
    }
    return k;
  }

  private long[] deltaScratch(int m) {
    if (deltaScratch.length < m) {
      deltaScratch = new long[m];
    }
    return deltaScratch;
  }

  private void nextPage() throws IOException {
    DataPage page = pages.readPage();
    if (page == null) {
      throw corrupt("column chunk has fewer values than its row group has rows");
    }
    int n = page.getValueCount();
    ByteBuffer values;
    if (page instanceof DataPageV1) {
      DataPageV1 v1 = (DataPageV1) page;
      ByteBuffer bytes = littleEndian(v1.getBytes().toByteBuffer());
      int start = maxDef > 0 ? startV1Levels(v1.getDlEncoding(), bytes, n) : 0;
      values = littleEndian(bytes.position(start));
      valueEncoding = v1.getValueEncoding();
    } else {
      DataPageV2 v2 = (DataPageV2) page;
      if (maxDef > 0) {
        ByteBuffer dl = littleEndian(v2.getDefinitionLevels().toByteBuffer());
        levelDecoder.init(dl, 0, dl.limit(), levelBitWidth);
      }
      values = littleEndian(v2.getData().toByteBuffer());
      valueEncoding = v2.getDataEncoding();
    }
    valueBytes = values;
    pageLeft = n;
    plainIndex = 0;
    plainLongs = null;
    plainInts = null;
    deltaValues = false;
    otherValues = null;
    PrimitiveTypeName type = column.getPrimitiveType().getPrimitiveTypeName();
    boolean integers = type == PrimitiveTypeName.INT64 || type == PrimitiveTypeName.INT32;
    if (valueEncoding == Encoding.PLAIN && type == PrimitiveTypeName.INT64) {
      plainLongs = values.asLongBuffer();
    } else if (valueEncoding == Encoding.PLAIN && type == PrimitiveTypeName.INT32) {
      plainInts = values.asIntBuffer();
    } else if (valueEncoding == Encoding.DELTA_BINARY_PACKED && integers) {
      deltaDecoder.init(values, 0);
      deltaValues = true;
    } else if (valueEncoding.usesDictionary()) {
      int bitWidth = n == 0 || values.limit() == 0 ? 0 : values.get(0) & 0xFF;
      idDecoder.init(values, 1, values.limit(), bitWidth);
    } else {
      otherValues = valueEncoding.getValuesReader(column, ValuesType.VALUES);
      otherValues.initFromPage(n, ByteBufferInputStream.wrap(values));
    }
  }

  /** Positions the level decoder at a v1 page's definition levels; returns where the values start. */
  private int startV1Levels(Encoding encoding, ByteBuffer bytes, int n) throws IOException {
    if (encoding != Encoding.RLE) {
      // only the long-deprecated BIT_PACKED level encoding gets here
      throw corrupt("unsupported definition-level encoding " + encoding);
    }
    int length = bytes.getInt(0);
    levelDecoder.init(bytes, 4, 4 + length, levelBitWidth);
    return 4 + length;
  }

  private int[] dictionaryIds(int m) {
    if (ids.length < m + 8) {
      ids = new int[m + 8];
    }
    requireDictionary();
    // ids beyond the dictionary surface as ArrayIndexOutOfBoundsException from the lookup; EventBatch reports it
    idDecoder.read(ids, 0, m);
    return ids;
  }

  private long[] dictionaryLongs() {
    if (dictionaryLongs == null) {
      Dictionary d = requireDictionary();
      long[] values = new long[d.getMaxId() + 1];
      for (int i = 0; i < values.length; i++) {
        values[i] = stored32 ? d.decodeToInt(i) : d.decodeToLong(i);
      }
      dictionaryLongs = values;
    }
    return dictionaryLongs;
  }

  private int[] dictionaryInts() {
    if (dictionaryInts == null) {
      Dictionary d = requireDictionary();
      int[] values = new int[d.getMaxId() + 1];
      for (int i = 0; i < values.length; i++) {
        values[i] = d.decodeToInt(i);
      }
      dictionaryInts = values;
    }
    return dictionaryInts;
  }

  private Dictionary requireDictionary() {
    if (dictionary == null) {
      throw corrupt("dictionary-encoded page without a dictionary");
    }
    return dictionary;
  }

  private static ByteBuffer littleEndian(ByteBuffer b) {
    return b.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  private TraceFormatException corrupt(String what) {
    return new TraceFormatException(file, -1, column.getPath()[0], null, "corrupt Parquet data: " + what);
  }
}
