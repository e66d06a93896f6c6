package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.imports.qemu.QemuEvents.Kind;

/**
 * One decoded trace line of a known event.
 *
 * @param ts the line's time (ns since the Unix epoch), or that of the last timed line
 * @param timed whether the line itself carried a timestamp
 * @param era which of the event's format versions matched (0 = the first listed)
 * @param v the numeric arguments in format order
 * @param s the word arguments in format order
 */
record QemuRecord(long ts, boolean timed, String event, Kind kind, int era, long[] v, String[] s) {
  int sid(int i) {
    return (int) v[i];
  }
}
