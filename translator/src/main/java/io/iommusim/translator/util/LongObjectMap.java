package io.iommusim.translator.util;

import java.util.function.Consumer;

/**
 * Open-addressing map from primitive long keys to objects: the replay loop looks devices and domains
 * up per event, and a boxed {@code HashMap<Long, V>} would allocate a Long for every lookup.
 */
public final class LongObjectMap<V> {
  private long[] keys;
  private Object[] values;
  private boolean[] used;
  private int size;
  private int mask;

  public LongObjectMap() {
    this(16);
  }

  public LongObjectMap(int initialCapacity) {
    int cap = Integer.highestOneBit(Math.max(4, initialCapacity) * 2 - 1) * 2;
    keys = new long[cap];
    values = new Object[cap];
    used = new boolean[cap];
    mask = cap - 1;
  }

  private static int hash(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  @SuppressWarnings("unchecked")
  public V get(long key) {
    int i = hash(key) & mask;
    while (used[i]) {
      if (keys[i] == key) {
        return (V) values[i];
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  public void put(long key, V value) {
    int i = hash(key) & mask;
    while (used[i]) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    used[i] = true;
    keys[i] = key;
    values[i] = value;
    if (++size * 2 > keys.length) {
      grow();
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    boolean[] oldUsed = used;
    keys = new long[oldKeys.length * 2];
    values = new Object[oldKeys.length * 2];
    used = new boolean[oldKeys.length * 2];
    mask = keys.length - 1;
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldUsed[i]) {
        put(oldKeys[i], (V) oldValues[i]);
      }
    }
  }

  public int size() {
    return size;
  }

  @SuppressWarnings("unchecked")
  public void forEachValue(Consumer<V> action) {
    for (int i = 0; i < keys.length; i++) {
      if (used[i]) {
        action.accept((V) values[i]);
      }
    }
  }
}
