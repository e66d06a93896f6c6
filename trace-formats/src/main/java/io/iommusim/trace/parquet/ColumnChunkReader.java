package io.iommusim.trace.parquet;

import io.iommusim.trace.TraceFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
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
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Streams one flat, non-repeated column of a row group into primitive arrays, a batch at a time.
 * The encodings writers use for our columns (PLAIN and dictionary, RLE definition levels, page v1 or v2) are
 * decoded in bulk here; any other value encoding goes through parquet's own ValuesReader, slower but correct.
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
  private ValuesReader otherValues;

  ColumnChunkReader(String file, ColumnDescriptor column) {
    this.file = file;
    this.column = column;
    this.maxDef = column.getMaxDefinitionLevel();
    this.levelBitWidth = BytesUtils.getWidthFromMaxInt(maxDef);
    this.stored32 = column.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32;
    this.levelDecoder = new HybridRleDecoder(file);
    this.idDecoder = new HybridRleDecoder(file);
  }

  /** Starts on this column's chunk of a new row group. */
  void startChunk(PageReader chunk) throws IOException {
    pages = chunk;
    DictionaryPage page = chunk.readDictionaryPage();
    dictionary = page == null ? null : page.getEncoding().initDictionary(column, page);
    dictionaryLongs = null;
    dictionaryInts = null;
    dictionaryStringIds = null;
    pageLeft = 0;
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
      int m = nonNullOf(k);
      if (plainLongs != null) {
        plainLongs.get(plainIndex, out, done, m);
        plainIndex += m;
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
      int m = nonNullOf(k);
      if (plainInts != null) {
        plainInts.get(plainIndex, out, done, m);
        plainIndex += m;
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
      int m = nonNullOf(k);
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
   * page)} values into {@link #levels} and records their nulls at {@code batchOffset}; returns that count.
   */
  private int beginSlice(int wanted, int batchOffset) throws IOException {
    while (pageLeft == 0) {
      nextPage();
    }
    int k = Math.min(wanted, pageLeft);
    pageLeft -= k;
    if (maxDef > 0) {
      levelDecoder.read(levels, 0, k);
      for (int i = 0; i < k; i++) {
        boolean missing = levels[i] != maxDef;
        isNull[batchOffset + i] = missing;
        if (missing) {
          nulls++;
        }
      }
    }
    return k;
  }

  private int nonNullOf(int k) {
    if (maxDef == 0) {
      return k;
    }
    int m = 0;
    for (int i = 0; i < k; i++) {
      if (levels[i] == maxDef) {
        m++;
      }
    }
    return m;
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
    otherValues = null;
    PrimitiveTypeName type = column.getPrimitiveType().getPrimitiveTypeName();
    if (valueEncoding == Encoding.PLAIN && type == PrimitiveTypeName.INT64) {
      plainLongs = values.asLongBuffer();
    } else if (valueEncoding == Encoding.PLAIN && type == PrimitiveTypeName.INT32) {
      plainInts = values.asIntBuffer();
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
