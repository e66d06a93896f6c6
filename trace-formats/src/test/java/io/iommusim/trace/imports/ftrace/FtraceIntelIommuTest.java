package io.iommusim.trace.imports.ftrace;

import static io.iommusim.trace.imports.ImportTestSupport.attach;
import static io.iommusim.trace.imports.ImportTestSupport.detach;
import static io.iommusim.trace.imports.ImportTestSupport.inv;
import static io.iommusim.trace.imports.ImportTestSupport.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.imports.ImportReport;
import io.iommusim.trace.imports.ImportTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * intel_iommu:* — cache tags as attach/detach with DID and PASID, cache_tag flushes, and every
 * qi_submit descriptor type decoded by hand from the VT-d layouts (iommu-semantics.md §1).
 */
class FtraceIntelIommuTest {
  private static final String DEV = "00:14.0";
  private static final long T = 100_000_000_000L;

  private static ImportTestSupport.Result run(Map<String, String> options) {
    return ImportTestSupport.run(new FtraceImporter(), resource(FtraceIntelIommuTest.class, "intel-iommu.txt"), options);
  }

  private static String iotlb(long us, Granularity g, int did, int pasid, long addr, int am) {
    return inv(EventKind.INV_IOTLB, T + us * 1000, 1, g, did, null, pasid, addr, am, -1);
  }

  private static String devtlb(long us, Granularity g, int pasid, long addr, int am) {
    return inv(EventKind.INV_DEVTLB, T + us * 1000, 1, g, -1, DEV, pasid, addr, am, -1);
  }

  @Test
  void events() {
    List<String> expected = new ArrayList<>(List.of(
        attach(T, 1, DEV, 3, -1), // RID tag (pasid 0 = IOMMU_NO_PASID) on dmar1, first reference
        // cache_tag_flush_range before any qi_submit: page-selective, 2^5 pages at f9a00000
        iotlb(10, Granularity.PAGE, 3, -1, 0xf9a00000L, 5),
        devtlb(11, Granularity.PAGE, -1, 0xf9a00000L, 5),
        // 0x300f2: type 2, G=3 (PSI), DW+DR, DID 3; qw1 0xf9a00005: addr f9a00000, AM 5
        iotlb(20, Granularity.PAGE, 3, -1, 0xf9a00000L, 5),
        // 0x11: context cache, G=1 global
        inv(EventKind.INV_CONTEXT, T + 30_000, 1, Granularity.GLOBAL, -1, null, -1, 0, 0, -1),
        // 0xa000030031: G=3 device, DID 3, SID 0x00a0 = 00:14.0
        inv(EventKind.INV_CONTEXT, T + 31_000, 1, Granularity.DEVICE, 3, DEV, -1, 0, 0, -1),
        iotlb(32, Granularity.DOMAIN, 3, -1, 0, 0), // 0x30022: G=2 domain, DID 3
        iotlb(33, Granularity.GLOBAL, -1, -1, 0, 0), // 0x12: G=1 global
        // 0xf9a0f001: S=1, address bits 12.. = ...1111: 4 ones -> 2^5 pages, aligned down to f9a00000
        devtlb(34, Granularity.PAGE, -1, 0xf9a00000L, 5),
        // 0x7ffffffffffff001: 51 ones -> 2^52 pages: the whole device TLB
        devtlb(35, Granularity.DEVICE, -1, 0, 0),
        inv(EventKind.INV_IEC, T + 36_000, 1, Granularity.GLOBAL, -1, null, -1, 0, 0, -1), // 0x4: G=0
        // 0x2010000014: G=1 index-selective, IM 2, IIDX 0x20
        inv(EventKind.INV_IEC, T + 37_000, 1, Granularity.INDEX, -1, null, -1, 0, 2, 32),
        // 0x200050036: PASID-based, G=3 page in PASID 2, DID 5; qw1 AM 0
        iotlb(38, Granularity.PAGE, 5, 2, 0xf9a00000L, 0),
        iotlb(39, Granularity.DOMAIN, 5, 2, 0, 0), // 0x200050026: G=2 non-globals in PASID 2: the domain
        // 0x200a00008: PASID 2, SID 0x00a0; qw1 0xf9a00800: S (bit 11), no ones at bit 12 -> 2 pages
        devtlb(41, Granularity.PAGE, 2, 0xf9a00000L, 1),
        detach(T + 71_000, 1, DEV, -1))); // the last reference of the RID tag
    assertEquals(expected, run(Map.of()).lines());
  }

  @Test
  void report() {
    ImportReport r = run(Map.of()).report();
    assertEquals(29, r.lines());
    assertEquals(16, r.eventLines());
    assertEquals(12, r.ignoredLines());
    assertEquals(1, r.unparsedLines());
    assertArrayEquals(new long[] {2}, r.ignored().get(FtraceParser.TAG_DEVTLB).lines());
    assertArrayEquals(new long[] {3, 27}, r.ignored().get(FtraceParser.TAG_MORE_REFS).lines());
    assertArrayEquals(new long[] {4, 29}, r.ignored().get(FtraceParser.TAG_PASID).lines());
    assertArrayEquals(new long[] {5}, r.ignored().get(FtraceParser.TAG_NESTED).lines());
    assertEquals(1, r.ignoredCount(QiDescriptor.WAIT));
    assertEquals(1, r.ignoredCount(QiDescriptor.PC));
    assertEquals(1, r.ignoredCount(QiDescriptor.PGRP));
    assertArrayEquals(new long[] {24, 25}, r.ignored().get(FtraceParser.FLUSH_FROM_QI).lines());
    assertEquals(1, r.ignoredCount(Bodies.PRQ));
    assertArrayEquals(new long[] {23}, r.unparsed().get("qi_submit: type name disagrees with qw0").lines());
    assertEquals(2, r.note(FtraceParser.NOTE_TAGS_BEFORE_QI).amount());
    assertEquals(List.of("0000:00:14.0"), r.note(FtraceParser.NOTE_DEVTLB).details());
    assertEquals(1, r.note(QiDescriptor.NOTE_PASID_DOMAIN).count());
  }

  @Test
  void invalidationSourceAndPasidAttachOptions() {
    List<String> tagsOnly = run(Map.of("invalidations", "cache-tag", "pasid-attach", "attach")).lines();
    assertEquals(List.of(
        attach(T, 1, DEV, 3, -1),
        attach(T + 3_000, 1, DEV, 5, 2),
        iotlb(10, Granularity.PAGE, 3, -1, 0xf9a00000L, 5),
        devtlb(11, Granularity.PAGE, -1, 0xf9a00000L, 5),
        iotlb(50, Granularity.PAGE, 3, -1, 0xf9a00000L, 0),
        iotlb(51, Granularity.DOMAIN, 3, -1, 0, 0), // cache_tag_flush_all of an iotlb tag
        detach(T + 71_000, 1, DEV, -1),
        detach(T + 72_000, 1, DEV, 2)), tagsOnly);
    List<String> single = run(Map.of("units", "single", "invalidations", "qi")).lines();
    assertEquals(attach(T, 0, DEV, 3, -1), single.get(0));
    assertEquals(inv(EventKind.INV_IOTLB, T + 20_000, 0, Granularity.PAGE, 3, null, -1, 0xf9a00000L, 5, -1),
        single.get(1));
  }
}
