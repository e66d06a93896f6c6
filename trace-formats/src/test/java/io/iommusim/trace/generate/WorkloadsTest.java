package io.iommusim.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WorkloadsTest {
  @Test
  void registryNamesTheThreeWorkloads() {
    assertEquals(List.of("nic-ring", "random-window", "bad-actor"), Workloads.names());
  }

  @Test
  void unknownWorkloadListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Workloads.create("nope", Map.of()));
    assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("nic-ring, random-window, bad-actor"),
        e.getMessage());
  }

  @Test
  void unknownOptionListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Workloads.create("random-window", Map.of("windwo", "1MiB")));
    assertTrue(e.getMessage().contains("'windwo'"), e.getMessage());
    assertTrue(e.getMessage().contains("window, page_size, transfer, access, gap_ns, base"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
      "nic-ring, queues, four, 'queues'",
      "nic-ring, queues, 0, 'queues'",
      "nic-ring, rx_fraction, 1.5, 'rx_fraction'",
      "nic-ring, packet_size, 1.5KiB, 'packet_size'",
      "random-window, page_size, 8192, 'page_size'",
      "random-window, window, 6KiB, 'window'",
      "random-window, transfer, 48, 'transfer'",
      "random-window, transfer, 8KiB, 'transfer'",
      "random-window, access, readwrite, 'access'",
      "random-window, base, 0x100000800, 'base'",
      "random-window, gap_ns, -1, 'gap_ns'",
      "bad-actor, empty_bus, lots, 'empty_bus'",
  })
  void badValuesAreRejectedNamingTheOption(String workload, String option, String value, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Workloads.create(workload, Map.of(option, value)));
    assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(value), e.getMessage());
  }

  @Test
  void baseIsCheckedAgainstTheChosenPageSize() {
    // 0x100000000 is 2 MiB aligned but 0x100001000 is only 4 KiB aligned
    Workloads.create("random-window", Map.of("page_size", "2MiB", "base", "0x100000000"));
    assertThrows(IllegalArgumentException.class,
        () -> Workloads.create("random-window", Map.of("page_size", "2MiB", "base", "0x100001000")));
  }

  @ParameterizedTest
  @CsvSource({
      "4096, 4096",
      "0x1000, 4096",
      "4KiB, 4096",
      "4K, 4096",
      "256KiB, 262144",
      "64MiB, 67108864",
      "2MiB, 2097152",
      "1GiB, 1073741824",
      "0, 0",
  })
  void sizesParse(String text, long bytes) {
    assertEquals(bytes, Sizes.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "KiB", "4KB", "4 MiB x", "-4096", "1.5MiB", "0x1000KiB", "9999999999GiB"})
  void nonSizesAreRejected(String text) {
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
  }

  @Test
  void helpDescribesEveryOptionWithItsDefault() {
    String help = Workloads.help();
    for (String name : Workloads.names()) {
      assertTrue(help.contains(name), name);
      assertTrue(!Workloads.description(name).isEmpty());
      for (OptionSpec o : Workloads.options(name)) {
        assertTrue(help.contains(o.name()) && help.contains("(default " + o.defaultValue() + ")"), o.toString());
      }
    }
    assertTrue(help.contains("(default 64MiB)") && help.contains("(default 0x100000000)") && help.contains("(default 48)"));
  }

  @Test
  void everyDocumentedDefaultParses() {
    for (String name : Workloads.names()) {
      Workloads.create(name, Map.of());
    }
  }
}
