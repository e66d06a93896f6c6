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

  DomainState(int unit, int domain, int addressWidth, DomainCell stats) {
    this.unit = unit;
    this.domain = domain;
    this.pageTable = new IoPageTable(addressWidth);
    this.stats = stats;
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
