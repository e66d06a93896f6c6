package io.iommusim.trace.imports.ftrace;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.DomainMapFile;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.PciNames;
import java.util.HashMap;
import java.util.Map;

/**
 * What the ftrace importer knows about each device: its requester id, its IOMMU group, and the context
 * it has been given in the emitted events (attached to which unit and domain).
 *
 * <p>A device's domain, in order: the user's domains file; the DID of its latest RID
 * {@code cache_tag_assign} (Intel, 6.10+); else, with {@code infer-domains=true}, an inferred one — one
 * domain per IOMMU group ({@code add_device_to_group}; Linux gives each group its own default DMA domain),
 * or per device when its group is unknown, numbered from {@code inferred-domain-base} in order of first
 * appearance.
 */
final class Devices {
  static final String NOTE_INFERRED = "domains inferred (one per IOMMU group, or per device without a group)";
  static final String NOTE_ATTACH_AT_FIRST_USE = "attach emitted at a device's first mapping (no attach in the capture)";
  static final String NOTE_COLLISION = "an inferred domain number is also a real DID on the same unit";

  /** Where a device's context points (as emitted). */
  record Context(int unit, int domain) {}

  private final DomainMapFile file;
  private final boolean infer;
  private final int inferredBase;
  private final Map<String, Integer> groups = new HashMap<>();
  private final Map<String, Integer> inferred = new HashMap<>();
  private final Map<String, Context> attached = new HashMap<>();
  private final Map<Long, Boolean> realDids = new HashMap<>();
  private int nextInferred;

  Devices(DomainMapFile file, boolean infer, int inferredBase) {
    this.file = file;
    this.infer = infer;
    this.inferredBase = inferredBase;
  }

  /** The requester id of a device name: the domains file's sid= for it, or its PCI name; -1 if neither. */
  int sid(String device) {
    DomainMapFile.Entry e = file.device(device);
    return e != null ? e.sid() : PciNames.sid(device);
  }

  void group(String device, int group, boolean add) {
    if (add) {
      groups.put(device, group);
    } else {
      groups.remove(device);
    }
  }

  Context attached(String device) {
    return attached.get(device);
  }

  /**
   * The device's context, attaching it first (an attach event at {@code ts}) when the capture has not.
   * Returns null when no domain is known and none may be inferred.
   */
  Context ensureAttached(String device, int sid, long ts, long line, ImportOutput out) {
    Context c = attached.get(device);
    if (c != null) {
      return c;
    }
    c = resolve(device, line, out);
    if (c == null) {
      return null;
    }
    attach(device, sid, c, -1, ts, out);
    out.note(NOTE_ATTACH_AT_FIRST_USE, line, device + " -> unit " + c.unit() + " domain " + c.domain());
    return c;
  }

  /** The domain the device should be attached to (without the cache-tag path), or null. */
  Context resolve(String device, long line, ImportOutput out) {
    DomainMapFile.Entry e = file.device(device);
    if (e != null) {
      return new Context(e.unit(), e.domain());
    }
    if (!infer) {
      return null;
    }
    Integer g = groups.get(device);
    String key = g != null ? "group " + g : "device " + device;
    Integer d = inferred.get(key);
    if (d == null) {
      if (inferredBase + nextInferred > 0xFFFF) {
        return null;
      }
      d = inferredBase + nextInferred++;
      inferred.put(key, d);
      out.note(NOTE_INFERRED, line, key + " -> domain " + d);
      if (realDids.containsKey(didKey(0, d))) {
        out.note(NOTE_COLLISION, line, "domain " + d);
      }
    }
    return new Context(0, d);
  }

  /** Emits an attach and records it. */
  void attach(String device, int sid, Context c, int pasid, long ts, ImportOutput out) {
    TraceEvent e = out.emit(EventKind.ATTACH, ts);
    e.unit = c.unit();
    e.sid = sid;
    e.domain = c.domain();
    e.pasid = pasid;
    if (pasid < 0) {
      attached.put(device, c);
    }
  }

  /** A real DID seen (cache_tag_*): for the collision note. */
  void realDid(int unit, int did, long line, ImportOutput out) {
    realDids.put(didKey(unit, did), Boolean.TRUE);
    if (unit == 0 && inferred.containsValue(did)) {
      out.note(NOTE_COLLISION, line, "domain " + did);
    }
  }

  private static long didKey(int unit, int did) {
    return (long) unit << 32 | did;
  }

  /** Emits a detach of the device's RID context when it is attached; false when it is not. */
  boolean detach(String device, int sid, long ts, ImportOutput out) {
    Context c = attached.remove(device);
    if (c == null) {
      return false;
    }
    TraceEvent e = out.emit(EventKind.DETACH, ts);
    e.unit = c.unit();
    e.sid = sid;
    return true;
  }

  /** Emits a detach of one PASID (cache_tag_unassign with pasid-attach=attach). */
  void detachPasid(int unit, int sid, int pasid, long ts, ImportOutput out) {
    TraceEvent e = out.emit(EventKind.DETACH, ts);
    e.unit = unit;
    e.sid = sid;
    e.pasid = pasid;
  }
}
