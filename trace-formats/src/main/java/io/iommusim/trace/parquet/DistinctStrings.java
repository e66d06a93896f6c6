package io.iommusim.trace.parquet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;

/**
 * Gives every distinct value of a string column a small id, stable across row groups, so a row costs an int
 * and never a String. Dictionary pages (the normal case: kinds repeat) are translated once per dictionary entry;
 * plain pages use a content-keyed map, which allocates only for values not seen before.
 */
final class DistinctStrings {
  private final List<String> values = new ArrayList<>();
  private final Map<Binary, Integer> idByValue = new HashMap<>();

  /** The id of every entry of a column chunk's dictionary, indexed by dictionary id. */
  int[] idsOf(Dictionary dictionary) {
    int[] ids = new int[dictionary.getMaxId() + 1];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = idOf(dictionary.decodeToBinary(i));
    }
    return ids;
  }

  int idOf(Binary value) {
    Integer id = idByValue.get(value);
    if (id != null) {
      return id;
    }
    int newId = values.size();
    // own copy of the bytes: a plain page's Binary may be a view of a page buffer that is reused or released
    byte[] bytes = value.getBytes();
    idByValue.put(Binary.fromConstantByteArray(bytes), newId);
    values.add(new String(bytes, StandardCharsets.UTF_8));
    return newId;
  }

  /** The text of an id; ids are dense from 0. */
  String value(int id) {
    return values.get(id);
  }

  int size() {
    return values.size();
  }
}
