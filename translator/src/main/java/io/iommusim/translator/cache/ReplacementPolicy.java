package io.iommusim.translator.cache;

import java.util.Locale;

/**
 * How a {@link TagCache} chooses the way to overwrite when an insert finds its set full. Every policy
 * first fills the lowest-index invalid way of the set; the policy only matters once the set is full.
 * The exact rules are documented on {@link TagCache}.
 */
public enum ReplacementPolicy {
  /** Evict the least recently used way; inserts and lookup hits are uses. */
  LRU("lru"),
  /** Evict the way filled longest ago; hits do not reorder. */
  FIFO("fifo"),
  /** Evict {@code SplittableRandom(seed).nextInt(ways)}, drawn only when a victim is needed. */
  RANDOM("random"),
  /** Tree pseudo-LRU, {@code ways - 1} node bits per set; ways must be a power of two. */
  PLRU("plru"),
  /** QEMU's VT-d/AMD-Vi/SMMUv3 IOTLB: a full target set empties the whole cache, then inserts. */
  FLUSH_ON_FULL("flush-on-full");

  private final String text;

  ReplacementPolicy(String text) {
    this.text = text;
  }

  /** The configuration spelling, e.g. {@code "flush-on-full"}. */
  public String text() {
    return text;
  }

  /** Parses {@link #text()} (case-insensitive, surrounding blanks ignored); {@code null} if unknown. */
  public static ReplacementPolicy fromText(String text) {
    if (text == null) {
      return null;
    }
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (ReplacementPolicy policy : values()) {
      if (policy.text.equals(wanted)) {
        return policy;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return text;
  }
}
