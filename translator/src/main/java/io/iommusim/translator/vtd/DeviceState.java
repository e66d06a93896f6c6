package io.iommusim.translator.vtd;

import io.iommusim.translator.stats.StatsCell;

/** One requester id on one unit: its context entry as the trace has set it, and its caches. */
final class DeviceState {
  final int unit;
  final int sid;
  final TranslationCaches caches;
  /** The device's own TLB when it has ATS, else null. Tagged with domain 0: an ATS cache is not domain-tagged. */
  final Iotlb deviceTlb;
  /** Context entry present (attach or attach_passthrough, not yet detached). */
  boolean attached;
  boolean passthrough;
  /** The translating domain; null when detached or pass-through. */
  DomainState domain;
  /** Domain id for statistics: the attached domain, the pass-through domain if given, else -1. */
  int domainId = -1;
  /** Statistics cell of (unit, sid, domainId); null until the device's first DMA in this context. */
  StatsCell cell;
  /** mrc: the device's curve counter and the unit's (null when the unit curve is shared or not computed). */
  ScopeCounter curve;
  ScopeCounter unitCurve;
  boolean curvesResolved;

  DeviceState(int unit, int sid, TranslationCaches caches, Iotlb deviceTlb) {
    this.unit = unit;
    this.sid = sid;
    this.caches = caches;
    this.deviceTlb = deviceTlb;
  }
}
