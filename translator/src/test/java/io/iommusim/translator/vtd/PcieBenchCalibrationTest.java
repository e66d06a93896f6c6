package io.iommusim.translator.vtd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.iommusim.trace.EventSink;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.generate.Workloads;
import io.iommusim.translator.FaultSink;
import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.stats.StatsCell;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The latency model's calibration against pcie-bench (iommu-semantics.md §5.1): with default
 * settings, on random 64-byte reads over a window, the median translation latency at a 64 MiB window
 * exceeds the one at 256 KiB by 226–293 ns with 4 KiB pages, and by less than 10 ns with 2 MiB pages.
 *
 * <p>Expected by hand: 256 KiB = 64 pages fit the 64-entry IOTLB, so after 64 cold misses every
 * translation hits: median = 3 + 2 = 5 ns. 64 MiB = 16384 pages: a hit has probability 64/16384, so
 * the median translation misses; the window spans 32 PDEs (2 MiB each), which the 64-entry 4-way PDE
 * cache holds (32 consecutive region numbers over 16 sets = 2 per set), so the walk reads 1 entry:
 * 5 + 2 + 250 = 257 ns. Difference 252 ns. With 2 MiB pages the 64 MiB window is 32 superpages, all
 * held by the IOTLB: median 5 ns at both windows, difference 0.
 */
class PcieBenchCalibrationTest {
  private static final long EVENTS = 200_000;

  private static long medianTranslationNs(String window, String pageSize) throws Exception {
    VtdTranslator t = new VtdTranslator(ModelSettings.defaults(), FaultSink.DISCARD);
    EventSink replay = new EventSink() {
      @Override
      public void accept(TraceEvent e) {
        t.apply(e);
      }

      @Override
      public void close() {}
    };
    Workloads.create("random-window", Map.of("window", window, "page_size", pageSize)).generate(EVENTS, 7, replay);
    StatsCell cell = t.finish().cells().stream().filter(c -> c.domain == 1).findFirst().orElseThrow();
    assertEquals(EVENTS - 2, cell.translationLatency.getTotalCount(), "one translation per 64-byte read");
    return cell.translationLatency.getValueAtPercentile(50);
  }

  @Test
  void fourKibPagesMissCostMatchesPcieBench() throws Exception {
    long small = medianTranslationNs("256KiB", "4096");
    long large = medianTranslationNs("64MiB", "4096");
    assertEquals(5, small);
    assertEquals(257, large);
    assertTrue(large - small >= 226 && large - small <= 293, "pcie-bench: +226..+293 ns, got " + (large - small));
  }

  @Test
  void superpagesKeepLatencyFlat() throws Exception {
    // the generator maps whole pages, so the smallest 2 MiB-page window is one page; a 256 KiB window
    // inside it would be served by that same single IOTLB entry
    long small = medianTranslationNs("2MiB", "2MiB");
    long large = medianTranslationNs("64MiB", "2MiB");
    assertEquals(5, small);
    assertEquals(5, large);
    assertTrue(large - small < 10);
  }
}
