package io.iommusim.translator.vtd;

import java.util.HashMap;
import java.util.HashSet;

/**
 * Which buses of which units have a context table (a present root entry) at the current time. The
 * model follows the rule: a bus's root entry is present while at least one device on that
 * bus is attached (translated or pass-through). Either fed the replay's own context events
 * ({@link #local()}), or advanced through a {@link ContextTimeline} of the whole trace.
 */
public final class BusPresence {
  private final ContextTimeline timeline;
  private int cursor;
  private final HashMap<Long, Integer> attachedPerBus = new HashMap<>();
  private final HashSet<Long> attachedDevices = new HashSet<>();

  private BusPresence(ContextTimeline timeline) {
    this.timeline = timeline;
  }

  /** Presence driven by {@link #apply} calls for the context events the replay itself sees. */
  public static BusPresence local() {
    return new BusPresence(null);
  }

  public static BusPresence of(ContextTimeline timeline) {
    return new BusPresence(timeline);
  }

  boolean followsTimeline() {
    return timeline != null;
  }

  void apply(int unit, int sid, boolean attach) {
    long device = ((long) unit << 32) | (sid & 0xFFFFFFFFL);
    long bus = ((long) unit << 32) | (sid >>> 8);
    if (attach) {
      if (attachedDevices.add(device)) {
        attachedPerBus.merge(bus, 1, Integer::sum);
      }
    } else if (attachedDevices.remove(device)) {
      attachedPerBus.merge(bus, -1, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** Whether the root entry for the bus of {@code sid} is present just before event (ts, seq). */
  boolean rootPresent(int unit, int sid, long ts, long seq) {
    if (timeline != null) {
      while (cursor < timeline.size()
          && (timeline.ts[cursor] < ts || (timeline.ts[cursor] == ts && timeline.seq[cursor] < seq))) {
        apply(timeline.unit[cursor], timeline.sid[cursor], timeline.attach[cursor]);
        cursor++;
      }
    }
    return attachedPerBus.containsKey(((long) unit << 32) | (sid >>> 8));
  }
}
