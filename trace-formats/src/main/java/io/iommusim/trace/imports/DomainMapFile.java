package io.iommusim.trace.imports;

import io.iommusim.trace.Numbers;
import io.iommusim.trace.Sid;
import java.util.HashMap;
import java.util.Map;

/**
 * A user's device → domain map, for sources that name devices but not their domains (option
 * {@code domains=FILE}). One entry per line; {@code #} starts a comment:
 * <pre>
 *   DEVICE DOMAIN [unit=N] [sid=BDF]   the device's domain (decimal or 0x hex, 0..65535) and IOMMU unit;
 *                                      sid= gives the requester id of a device whose name is not a PCI
 *                                      function's (a platform device)
 *   pid:PID DEVICE                     mappings made by this task (iommu:map/unmap without a dma:* event,
 *                                      e.g. a VFIO user such as QEMU) belong to DEVICE
 * </pre>
 */
public final class DomainMapFile {
  /** One device's entry. */
  public record Entry(int sid, int domain, int unit) {}

  private final Map<String, Entry> devices = new java.util.LinkedHashMap<>(); // file order: the first of two names wins
  private final Map<Long, String> pids = new HashMap<>();

  /** @throws IllegalArgumentException naming the option, line and problem */
  public static DomainMapFile parse(String text, String option) {
    DomainMapFile m = new DomainMapFile();
    if (text == null) {
      return m;
    }
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\s+");
      String where = "option '" + option + "', line " + (i + 1) + ": ";
      if (f[0].startsWith("pid:")) {
        long pid = Numbers.parseLongOrMin(f[0].substring(4));
        if (f.length != 2 || pid < 0) {
          throw new IllegalArgumentException(where + "expected 'pid:PID DEVICE', got '" + line + "'");
        }
        m.pids.put(pid, f[1]);
        continue;
      }
      if (f.length < 2) {
        throw new IllegalArgumentException(where + "expected 'DEVICE DOMAIN [unit=N] [sid=BDF]', got '" + line + "'");
      }
      long domain = Numbers.parseLongOrMin(f[1]);
      if (domain < 0 || domain > 0xFFFF) {
        throw new IllegalArgumentException(where + "domain must be 0..65535, got '" + f[1] + "'");
      }
      int sid = PciNames.sid(f[0]);
      int unit = 0;
      for (int k = 2; k < f.length; k++) {
        if (f[k].startsWith("unit=")) {
          long u = Numbers.parseLongOrMin(f[k].substring(5));
          if (u < 0 || u > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + "bad unit '" + f[k] + "'");
          }
          unit = (int) u;
        } else if (f[k].startsWith("sid=")) {
          sid = Sid.parse(f[k].substring(4));
          if (sid < 0) {
            throw new IllegalArgumentException(where + "bad requester id '" + f[k] + "'");
          }
        } else {
          throw new IllegalArgumentException(where + "unknown field '" + f[k] + "' (unit=N or sid=BDF)");
        }
      }
      if (sid < 0) {
        throw new IllegalArgumentException(where + "'" + f[0] + "' is not a PCI device name; add sid=BDF");
      }
      m.devices.put(f[0], new Entry(sid, (int) domain, unit));
    }
    return m;
  }

  /** The entry of a device name (exactly as the source prints it), or null. */
  public Entry device(String name) {
    Entry e = devices.get(name);
    if (e == null) {
      int sid = PciNames.sid(name);
      if (sid >= 0) {
        // "0000:c2:00.0" and "c2:00.0" name the same function
        for (Map.Entry<String, Entry> d : devices.entrySet()) {
          if (d.getValue().sid() == sid && PciNames.sid(d.getKey()) == sid) {
            return d.getValue();
          }
        }
      }
    }
    return e;
  }

  /** The device a task's mappings belong to, or null. */
  public String deviceOfPid(long pid) {
    return pids.get(pid);
  }

  public boolean isEmpty() {
    return devices.isEmpty() && pids.isEmpty();
  }
}
