package io.iommusim.trace.imports.gem5;

import io.iommusim.trace.Numbers;
import io.iommusim.trace.Sid;
import java.util.Map;
import java.util.TreeMap;

/**
 * The user's requestor → device mapping ({@code -o requestors=...}, {@code -o requestor-map=FILE}):
 * entries {@code REQUESTOR=SID}, separated by commas or new lines ({@code #} starts a comment in the
 * file), where REQUESTOR is a gem5 requestor id (decimal or 0x hex) or a requestor name exactly as the
 * header's id strings spell it, and SID any requester-id form ({@code bb:dd.f}, {@code ssss:bb:dd.f},
 * a number).
 */
final class RequestorMap {
  final Map<Integer, Integer> byId = new TreeMap<>();
  final Map<String, Integer> byName = new TreeMap<>();

  boolean isEmpty() {
    return byId.isEmpty() && byName.isEmpty();
  }

  /**
   * Adds the entries of {@code text}.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  void add(String text, String source) {
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      String content = hash >= 0 ? line.substring(0, hash) : line;
      for (String entry : content.split(",")) {
        String e = entry.strip();
        if (!e.isEmpty()) {
          addEntry(e, source);
        }
      }
    }
  }

  private void addEntry(String entry, String source) {
    int eq = entry.lastIndexOf('=');
    if (eq <= 0 || eq == entry.length() - 1) {
      throw new IllegalArgumentException(source + ": expected REQUESTOR=SID, got '" + entry + "'");
    }
    String key = entry.substring(0, eq).strip();
    int sid = Sid.parse(entry.substring(eq + 1).strip());
    if (sid < 0) {
      throw new IllegalArgumentException(source + ": '" + entry.substring(eq + 1).strip()
          + "' is not a requester id (bb:dd.f, ssss:bb:dd.f or a number)");
    }
    long id = Numbers.parseLongOrMin(key);
    Integer old;
    if (id != Long.MIN_VALUE) {
      if (id < 0 || id > Gem5PacketImporter.MAX_REQUESTOR) {
        throw new IllegalArgumentException(source + ": requestor id " + key + " is beyond gem5's 16-bit requestor ids");
      }
      old = byId.put((int) id, sid);
    } else {
      old = byName.put(key, sid);
    }
    if (old != null && old != sid) {
      throw new IllegalArgumentException(source + ": requestor " + key + " is mapped twice, to "
          + Sid.format(old) + " and " + Sid.format(sid));
    }
  }

  /**
   * The device of requestor {@code id} named {@code name} (null when the header has no id string for
   * it), or -1 when the map has no entry for it.
   *
   * @throws IllegalArgumentException when its id and its name are mapped to different devices
   */
  int sidOf(int id, String name) {
    Integer byKey = byId.get(id);
    Integer byText = name == null ? null : byName.get(name);
    if (byKey != null && byText != null && !byKey.equals(byText)) {
      throw new IllegalArgumentException("requestor " + id + " '" + name + "' is mapped to " + Sid.format(byKey)
          + " by its id and to " + Sid.format(byText) + " by its name");
    }
    return byKey != null ? byKey : byText != null ? byText : -1;
  }
}
