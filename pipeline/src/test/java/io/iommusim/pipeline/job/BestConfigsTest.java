package io.iommusim.pipeline.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Ranking per (unit, domain, entries): exact ratio comparison, then latency, then sweep order. */
class BestConfigsTest {
  private static BestConfigs.Candidate c(int domain, int entries, int index, long hits, long misses, long latency) {
    return new BestConfigs.Candidate(0, domain, entries, index, "id" + index, hits, misses, latency);
  }

  private static String describe(List<BestConfigs.Best> best) {
    return best.stream().map(b -> b.domain + "/" + b.entries + ":" + b.configIndex + " " + b.tied + "/" + b.ranked)
        .collect(Collectors.joining(", "));
  }

  @Test
  void lowestRatioWinsPerDomainAndSize() {
    List<BestConfigs.Best> best = BestConfigs.rank(List.of(
        c(2, 64, 0, 90, 10, 500), c(2, 64, 1, 95, 5, 900),    // 1 wins on ratio despite more latency
        c(1, 64, 0, 1, 1, 10), c(1, 64, 1, 1, 1, 9),         // tie on ratio: lower latency wins
        c(1, 32, 2, 3, 1, 7), c(1, 32, 3, 6, 2, 7),          // 1/4 = 2/8 and equal latency: earlier config
        c(1, 16, 4, 0, 0, 0),                                // no lookups: not ranked, no line
        c(-1, 64, 0, 0, 0, 0)));
    assertEquals("1/32:2 2/2, 1/64:1 2/2, 2/64:1 1/2", describe(best));
  }

  @Test
  void ratiosAreComparedExactly() {
    // 1/3 and 333_333_333_333/999_999_999_999 are equal; as doubles they could differ in the last bit.
    // lookups = hits + misses; products reach ~1e24, beyond a long
    long m = 333_333_333_333L;
    List<BestConfigs.Best> best = BestConfigs.rank(List.of(
        c(1, 8, 0, 2 * m, m + 1, 0),   // slightly worse
        c(1, 8, 1, 2 * m, m, 5),       // exactly 1/3, more latency
        c(1, 8, 2, 2, 1, 4)));         // exactly 1/3: wins on latency
    assertEquals("1/8:2 2/3", describe(best));
    assertEquals(1.0 / 3, best.get(0).missRatio(), 1e-15);
  }
}
