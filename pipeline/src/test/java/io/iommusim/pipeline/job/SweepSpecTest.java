package io.iommusim.pipeline.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.pipeline.output.StatsTables;
import io.iommusim.pipeline.output.SweepTables;
import io.iommusim.pipeline.output.SweepTables.SweptColumn;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.settings.SettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** Grid and configs-file syntax, validation messages, and the swept columns' names and types. */
class SweepSpecTest {
  private static final Settings BASE = Settings.defaults().with("iotlb.ways=0", "--set");

  private static List<String> origins(SweepSpec s) {
    return s.configs.stream().map(c -> c.origin).collect(Collectors.toList());
  }

  private static String message(Runnable r) {
    return assertThrows(SettingsException.class, r::run).getMessage();
  }

  private static void assertContains(String text, String... parts) {
    for (String p : parts) {
      assertTrue(text.contains(p), "[" + p + "] not in: " + text);
    }
  }

  @Test
  void gridsMakeTheProductFirstGridSlowest() {
    SweepSpec s = SweepSpec.fromGrids(BASE, List.of("iotlb.entries=1, 2,4", "iotlb.policy=fifo,lru"));
    assertEquals(List.of("iotlb.entries", "iotlb.policy"), s.sweptKeys);
    assertEquals(List.of(
        "--grid iotlb.entries=1 iotlb.policy=fifo", "--grid iotlb.entries=1 iotlb.policy=lru",
        "--grid iotlb.entries=2 iotlb.policy=fifo", "--grid iotlb.entries=2 iotlb.policy=lru",
        "--grid iotlb.entries=4 iotlb.policy=fifo", "--grid iotlb.entries=4 iotlb.policy=lru"), origins(s));
    for (SweepSpec.Config c : s.configs) {
      assertEquals(c.index, s.configs.indexOf(c));
      assertEquals(c.settings.configId(), c.configId);
    }
    SweepSpec.Config c3 = s.configs.get(3);
    assertEquals("2", c3.settings.get("iotlb.entries"));
    assertEquals("lru", c3.settings.get("iotlb.policy"));
    assertEquals(2, c3.model.iotlb.entries);
    // everything else is the base: --set applied, defaults elsewhere
    assertEquals(BASE.with(Map.of("iotlb.entries", "2", "iotlb.policy", "lru"), "x"), c3.settings);
    assertEquals(Map.of("iotlb.entries", "2", "iotlb.policy", "lru"), c3.overrides);
  }

  @Test
  void gridErrorsNameTheGrid() {
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entires=1,2"))),
        "--grid iotlb.entires=1,2", "unknown setting 'iotlb.entires'");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entries=64,abc"))),
        "--grid iotlb.entries=abc", "iotlb.entries", "'abc' is not an integer");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.policy=lru,mru"))),
        "--grid iotlb.policy=mru", "'mru'");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entries"))),
        "--grid 'iotlb.entries'", "key=value1,value2");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("=1,2"))), "--grid '=1,2'");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entries=32,64,32"))),
        "--grid iotlb.entries=32,64,32", "'32' is given twice");
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entries=32", "iotlb.entries=64"))),
        "iotlb.entries is already swept");
    // valid alone (48 fully associative entries), invalid together (3 sets of 16 ways, not a power of
    // two for low-bits indexing): the first failing combination is named
    SweepSpec.fromGrids(BASE, List.of("iotlb.entries=64,48"));
    assertContains(message(() -> SweepSpec.fromGrids(BASE, List.of("iotlb.entries=64,48", "iotlb.ways=16,32"))),
        "--grid iotlb.entries=48 iotlb.ways=16: iotlb", "power-of-two number of sets");
  }

  @Test
  void configsFileSyntax() {
    List<String> lines = List.of(
        "# cache-sizing study",
        "",
        "iotlb.entries=32   iotlb.policy=fifo   # small, FIFO",
        "   ",
        "\tiotlb.entries=64",
        "ats.devices=03:00.0,04:00.0 iotlb.policy=lru#not-a-comment-without-space");
    // the last line's value contains '#': it is not preceded by whitespace, so it is part of the value
    SettingsException e = assertThrows(SettingsException.class, () -> SweepSpec.fromLines(BASE, "c.txt", lines));
    assertContains(e.getMessage(), "c.txt:6", "iotlb.policy", "'lru#not-a-comment-without-space'");

    SweepSpec s = SweepSpec.fromLines(BASE, "c.txt", lines.subList(0, 5));
    assertEquals(List.of("c.txt:3", "c.txt:5"), origins(s));
    assertEquals(List.of("iotlb.entries", "iotlb.policy"), s.sweptKeys);
    assertEquals("fifo", s.configs.get(0).settings.get("iotlb.policy"));
    assertEquals("lru", s.configs.get(1).settings.get("iotlb.policy"), "a key the line does not set keeps its base value");

    SweepSpec ats = SweepSpec.fromLines(BASE, "c.txt", List.of("ats.devices=03:00.0,04:00.0", "ats.devices=all"));
    assertEquals(2, ats.configs.get(0).model.atsDevices.size());
  }

  @Test
  void configsFileErrorsNameFileAndLine() {
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt", List.of("iotlb.entries=32", "iotlb.entries"))),
        "c.txt:2", "'iotlb.entries' is not key=value");
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt", List.of("# x", "iotlb.entires=32"))),
        "unknown setting 'iotlb.entires'", "c.txt:2");
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt", List.of("iotlb.entries=32 iotlb.entries=64"))),
        "c.txt:1", "iotlb.entries is set twice");
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt", List.of("iotlb.entries=-3"))),
        "c.txt:1: iotlb.entries: -3 is outside");
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt", List.of("# only", ""))),
        "c.txt: no configurations");
  }

  @Test
  void duplicateConfigurationsAreRejected() {
    // line 2 sets the base value explicitly: the same effective settings as line 1
    assertContains(message(() -> SweepSpec.fromLines(BASE, "c.txt",
            List.of("iotlb.policy=lru", "iotlb.entries=64", "iotlb.entries=32"))),
        "c.txt:1 and c.txt:2 give the same effective settings (config_id "
            + BASE.configId() + ")");
  }

  @Test
  void sweptColumnsAreNamedAfterTheKeyAndTypedByTheDefault() {
    List<SweptColumn> cols = SweepTables.columns(List.of("iotlb.entries", "iotlb.policy", "ir.enabled", "ats.devices",
        "random.seed"));
    assertEquals(List.of("iotlb_entries", "iotlb_policy", "ir_enabled", "ats_devices", "random_seed"),
        cols.stream().map(c -> c.name).collect(Collectors.toList()));
    assertEquals(List.of(DataTypes.LongType, DataTypes.StringType, DataTypes.BooleanType, DataTypes.StringType,
        DataTypes.LongType), cols.stream().map(c -> c.type).collect(Collectors.toList()));
    Settings s = BASE.with(Map.of("iotlb.entries", "0x20", "ir.enabled", "FALSE", "ats.devices", "03:00.0"), "t");
    assertEquals(32L, cols.get(0).value(s));
    assertEquals("lru", cols.get(1).value(s));
    assertEquals(false, cols.get(2).value(s));
    assertEquals("03:00.0", cols.get(3).value(s));
  }

  @Test
  void noSettingsColumnCollidesWithAStatisticsColumn() {
    // every setting can be swept at once: no two keys map to one column, none to a domain_stats column
    List<String> every = new ArrayList<>(Settings.defaults().asMap().keySet());
    List<SweptColumn> cols = SweepTables.columns(every);
    assertEquals(every.size(), cols.size());
    assertEquals(StatsTables.domainStatsSchema().fields().length + every.size(),
        SweepTables.sweepStatsSchema(cols).fields().length);
  }
}
