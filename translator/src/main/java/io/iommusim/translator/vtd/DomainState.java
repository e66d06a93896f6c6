package io.iommusim.translator.vtd;

import io.iommusim.translator.pagetable.IoPageTable;
import io.iommusim.translator.stats.DomainCell;
import java.util.ArrayList;
import java.util.List;

/** One domain of one unit: its page table and the cache sets that may hold its translations. */
final class DomainState {
  final int unit;
  final int domain;
  final IoPageTable pageTable;
  final DomainCell stats;
  /** Cache sets of every device that has been attached to this domain in this replay. */
  final List<TranslationCaches> cacheSets = new ArrayList<>(2);
  /** ATS devices (with a device TLB) that have been attached to this domain in this replay. */
  final List<DeviceState> atsDevices = new ArrayList<>(1);
  /** Every device that has been attached to this domain in this replay (mrc: whose curves hold its tags). */
  final List<DeviceState> devices = new ArrayList<>(2);
  /** mrc: the domain's curve counter, null when its curve is another scope's (see MrcPlan). */
  ScopeCounter curve;
  boolean curveResolved;
  /** invalidation.mode=lazy: unmaps in the flush queue, and when the queue's timer fires (MAX_VALUE = idle). */
  int lazyQueued;
  long lazyDeadline = Long.MAX_VALUE;

  DomainState(int unit, int domain, int addressWidth, DomainCell stats) {
    this.unit = unit;
    this.domain = domain;
    this.pageTable = new IoPageTable(addressWidth);
    this.stats = stats;
  }

  void addAtsDevice(DeviceState d) {
    for (DeviceState existing : atsDevices) {
      if (existing == d) {
        return;
      }
    }
    atsDevices.add(d);
  }

  void addDevice(DeviceState d) {
    for (DeviceState existing : devices) {
      if (existing == d) {
        return;
      }
    }
    devices.add(d);
  }

  void addCacheSet(TranslationCaches c) {
    for (TranslationCaches existing : cacheSets) {
      if (existing == c) {
        return;
      }
    }
    cacheSets.add(c);
  }
}
