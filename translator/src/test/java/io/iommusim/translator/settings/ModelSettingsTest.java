package io.iommusim.translator.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.translator.cache.ReplacementPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults as documented in iommusim-defaults.properties, and errors that name the key. */
class ModelSettingsTest {
  private static ModelSettings with(String key, String value) {
    return new ModelSettings(Settings.defaults().with(Map.of(key, value), "test"));
  }

  private static String error(String key, String value) {
    return assertThrows(SettingsException.class, () -> with(key, value)).getMessage();
  }

  @Test
  void documentedDefaults() {
    ModelSettings m = ModelSettings.defaults();
    assertEquals(ModelSettings.PartitionBy.DEVICE, m.partitionBy);
    assertEquals(48, m.addressWidth);
    assertEquals(4, m.levels());
    assertEquals(ModelSettings.DmaSplit.PAGE, m.dmaSplit);
    assertEquals(256, m.maxPayload);
    assertEquals(64, m.iotlb.entries);
    assertEquals(0, m.iotlb.ways);
    assertEquals(ReplacementPolicy.LRU, m.iotlb.policy);
    assertEquals(64, m.psc[2].entries);
    assertEquals(4, m.psc[2].ways);
    assertEquals(16, m.psc[3].entries);
    assertEquals(8, m.psc[4].entries);
    assertEquals(4, m.psc[5].entries);
    assertEquals(32, m.contextCache.entries);
    assertEquals(3, m.iotlbLookupNs);
    assertEquals(2, m.contextCacheLookupNs);
    assertEquals(2, m.pscLookupNs);
    assertEquals(250, m.memoryReadNs);
    assertEquals(1, m.randomSeed);
    assertEquals(3, with("iommu.address_width", "39").levels());
    assertEquals(5, with("iommu.address_width", "57").levels());
  }

  @Test
  void unknownKey() {
    String msg = assertThrows(SettingsException.class,
        () -> Settings.defaults().with(Map.of("iotlb.size", "8"), "test")).getMessage();
    assertTrue(msg.contains("iotlb.size"), msg);
    msg = assertThrows(SettingsException.class,
        () -> Settings.defaults().with("no.such.key=1", "--set")).getMessage();
    assertTrue(msg.contains("no.such.key"), msg);
  }

  @Test
  void badPolicy() {
    String msg = error("iotlb.policy", "mru");
    assertTrue(msg.startsWith("iotlb.policy"), msg);
    assertTrue(msg.contains("mru"), msg);
    msg = error("psc.l3.policy", "lfu");
    assertTrue(msg.startsWith("psc.l3.policy"), msg);
    msg = error("context_cache.index", "modulo");
    assertTrue(msg.startsWith("context_cache.index"), msg);
  }

  @Test
  void addressWidthMustBeAVtdAgaw() {
    String msg = error("iommu.address_width", "40");
    assertTrue(msg.startsWith("iommu.address_width"), msg);
    assertTrue(msg.contains("40"), msg);
    assertTrue(error("iommu.address_width", "64").startsWith("iommu.address_width"));
    assertTrue(error("iommu.address_width", "wide").startsWith("iommu.address_width"));
  }

  @Test
  void maxPayloadMustBeAPowerOfTwoIn128To4096() {
    String msg = error("dma.max_payload", "300");
    assertTrue(msg.startsWith("dma.max_payload"), msg);
    assertTrue(msg.contains("300"), msg);
    assertTrue(error("dma.max_payload", "64").startsWith("dma.max_payload"));
    assertTrue(error("dma.max_payload", "8192").startsWith("dma.max_payload"));
    assertEquals(128, with("dma.max_payload", "128").maxPayload);
    assertEquals(4096, with("dma.max_payload", "4096").maxPayload);
  }

  @Test
  void otherInvalidValuesNameTheirKey() {
    assertTrue(error("partition.by", "socket").startsWith("partition.by"));
    assertTrue(error("dma.split", "byte").startsWith("dma.split"));
    assertTrue(error("iotlb.entries", "0").startsWith("iotlb.entries")); // the IOTLB cannot be disabled
    assertTrue(error("psc.l2.entries", "-1").startsWith("psc.l2.entries"));
    assertTrue(error("latency.memory_read_ns", "-5").startsWith("latency.memory_read_ns"));
    assertTrue(error("random.seed", "seven").startsWith("random.seed"));
    assertTrue(error("invalidation.mode", "eager").startsWith("invalidation.mode"));
    assertTrue(error("ats.devices", "03:00").startsWith("ats.devices"));
    assertTrue(error("invalidation.lazy.queue_size", "0").startsWith("invalidation.lazy.queue_size"));
    // geometry errors from the cache are reported under the cache's prefix
    assertTrue(error("psc.l2.ways", "3").startsWith("psc.l2"));
    // 0 entries disables a paging-structure / context cache
    assertEquals(0, with("psc.l2.entries", "0").psc[2].entries);
    assertEquals(0, with("context_cache.entries", "0").contextCache.entries);
  }

  @Test
  void configIdIsStableAndDependsOnValues() {
    assertEquals(Settings.defaults().configId(), Settings.defaults().configId());
    assertTrue(!Settings.defaults().configId()
        .equals(Settings.defaults().with("iotlb.entries=32", "t").configId()));
    assertEquals(12, Settings.defaults().configId().length());
  }

  @Test
  void interruptRemappingSettings() {
    ModelSettings m = ModelSettings.defaults();
    assertTrue(m.irEnabled);
    assertEquals(65536, m.irTableEntries);
    assertTrue(m.irBlockCompat);
    assertEquals(64, m.iec.entries);
    assertEquals(0, m.iec.ways);
    assertEquals(ReplacementPolicy.LRU, m.iec.policy);
    assertTrue(!with("ir.enabled", "FALSE").irEnabled);
    assertEquals(2, with("ir.table_entries", "2").irTableEntries);
    assertEquals(0, with("iec.entries", "0").iec.entries); // 0 disables the IEC
    assertTrue(error("ir.enabled", "yes").startsWith("ir.enabled"));
    assertTrue(error("ir.block_compat", "1").startsWith("ir.block_compat"));
    assertTrue(error("ir.table_entries", "100").startsWith("ir.table_entries"));
    assertTrue(error("ir.table_entries", "131072").startsWith("ir.table_entries"));
    assertTrue(error("ir.table_entries", "1").startsWith("ir.table_entries"));
    assertTrue(error("iec.policy", "mru").startsWith("iec.policy"));
    assertTrue(error("iec.ways", "3").startsWith("iec"));
  }

  @Test
  void missRatioCurveSettings() {
    ModelSettings m = ModelSettings.defaults();
    assertTrue(m.mrcEnabled);
    assertEquals(4096, m.mrcMaxEntries);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 8, 16, 64}, m.mrcSetCounts());
    // 1 (fully associative) is always there; any order
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 4, 32}, with("mrc.sets", "32, 4").mrcSetCounts());
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1}, with("mrc.sets", "").mrcSetCounts());
    assertTrue(!with("mrc.enabled", "false").mrcEnabled);
    assertTrue(error("mrc.enabled", "on").startsWith("mrc.enabled"));
    assertTrue(error("mrc.max_entries", "0").startsWith("mrc.max_entries"));
    assertTrue(error("mrc.max_entries", "2097152").startsWith("mrc.max_entries"));
    String msg = error("mrc.sets", "8,12");
    assertTrue(msg.startsWith("mrc.sets") && msg.contains("12"), msg);
    assertTrue(error("mrc.sets", "8,8").startsWith("mrc.sets"));
    assertTrue(error("mrc.sets", "eight").startsWith("mrc.sets"));
    msg = assertThrows(SettingsException.class, () -> new ModelSettings(Settings.defaults()
        .with(Map.of("mrc.max_entries", "32", "mrc.sets", "64"), "test"))).getMessage();
    assertTrue(msg.startsWith("mrc.sets") && msg.contains("mrc.max_entries"), msg);
    // every mrc setting enters the config id
    for (String kv : new String[] {"mrc.enabled=false", "mrc.max_entries=128", "mrc.sets=1,2"}) {
      assertTrue(!Settings.defaults().configId().equals(Settings.defaults().with(kv, "t").configId()), kv);
    }
  }
}
