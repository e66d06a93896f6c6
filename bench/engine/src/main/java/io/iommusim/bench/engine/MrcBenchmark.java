package io.iommusim.bench.engine;

import io.iommusim.translator.mrc.StackDistanceCounter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the miss-ratio-curve computation alone ({@link StackDistanceCounter#access}): one JMH
 * operation is one IOTLB key access, the unit ops/µs reads as millions of accesses per second, on one
 * thread. The stream is precomputed: 2^20 IOTLB-style tags ({@code domain << 47 | vpn}, index bits =
 * vpn) over about 10 k distinct keys (2048 pages of 4 domains plus the bursts' pages), skewed (u^3 over the pages, plus sequential bursts
 * of streaming DMA). The counter is built once per trial and replays the stream every invocation,
 * so the measurement is the steady state (arrays grown, deep keys pruned).
 *
 * <ul>
 *   <li>{@code mrcAllSets}: {@code mrc.sets = 1, 8, 16, 64}, {@code mrc.max_entries = 4096} (the defaults,
 *       all four curves in the one pass);
 *   <li>{@code mrcFullyAssociative}: set count 1 only;
 *   <li>{@code mrcAllSetsWithInvalidations}: the defaults, with 1 % of the operations invalidating a
 *       recently used key (one op = one access or invalidation).
 * </ul>
 *
 * <p>The dev VM's two vCPUs are shared with other jobs, so wall-clock throughput is the counter's speed
 * times the share of a core the benchmark thread got. {@link CpuTime} counts the thread's CPU time
 * (an auxiliary counter, normalised to wall time like the primary score, so it reads as CPU
 * nanoseconds per wall microsecond); run.sh divides the score by that share to print the throughput
 * per second of CPU time as well.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MrcBenchmark {
  static final int ACCESSES = 1 << 20;
  static final int PAGES = 2_048;

  @State(Scope.Thread)
  public static class Stream {
    long[] keys;
    long[] bits;
    /** Same stream, with ~1 % of the entries turned into invalidations (negative marker in {@link #inv}). */
    boolean[] inv;
    StackDistanceCounter allSets;
    StackDistanceCounter fullyAssociative;
    StackDistanceCounter withInvalidations;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom random = new SplittableRandom(42);
      keys = new long[ACCESSES];
      bits = new long[ACCESSES];
      inv = new boolean[ACCESSES];
      long sequential = 0;
      int burst = 0;
      java.util.HashSet<Long> distinct = new java.util.HashSet<>();
      for (int i = 0; i < ACCESSES; i++) {
        long vpn;
        if (burst > 0) {
          burst--;
          vpn = sequential++;
        } else if (random.nextInt(500) == 0) {
          burst = random.nextInt(8, 128);
          sequential = random.nextInt(PAGES);
          vpn = sequential++;
        } else {
          double u = random.nextDouble();
          vpn = (long) (u * u * u * PAGES);
        }
        int domain = random.nextInt(4);
        keys[i] = ((long) domain << 47) | vpn;
        bits[i] = vpn;
        distinct.add(keys[i]);
        if (i > 64 && random.nextInt(100) == 0) {
          int earlier = i - 1 - random.nextInt(64);
          keys[i] = keys[earlier];
          bits[i] = bits[earlier];
          inv[i] = true;
        }
      }
      allSets = new StackDistanceCounter(4096, 1, 8, 16, 64);
      fullyAssociative = new StackDistanceCounter(4096, 1);
      withInvalidations = new StackDistanceCounter(4096, 1, 8, 16, 64);
      System.out.println("\nmrc stream: " + ACCESSES + " accesses, " + distinct.size() + " distinct keys");
    }
  }

  /** CPU time of the benchmark thread, per iteration (see the class comment). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class CpuTime {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    public long cpuNanos;
    private long start;

    @Setup(Level.Iteration)
    public void reset() {
      cpuNanos = 0;
    }

    public void begin() {
      start = THREADS.getCurrentThreadCpuTime();
    }

    public void end() {
      cpuNanos += THREADS.getCurrentThreadCpuTime() - start;
    }
  }

  @Benchmark
  @OperationsPerInvocation(ACCESSES)
  public long mrcAllSets(Stream s, CpuTime cpu) {
    cpu.begin();
    StackDistanceCounter counter = s.allSets;
    long[] keys = s.keys;
    long[] bits = s.bits;
    for (int i = 0; i < keys.length; i++) {
      counter.access(keys[i], bits[i]);
    }
    cpu.end();
    return counter.curves().accesses();
  }

  @Benchmark
  @OperationsPerInvocation(ACCESSES)
  public long mrcFullyAssociative(Stream s, CpuTime cpu) {
    cpu.begin();
    StackDistanceCounter counter = s.fullyAssociative;
    long[] keys = s.keys;
    long[] bits = s.bits;
    for (int i = 0; i < keys.length; i++) {
      counter.access(keys[i], bits[i]);
    }
    cpu.end();
    return counter.curves().accesses();
  }

  @Benchmark
  @OperationsPerInvocation(ACCESSES)
  public long mrcAllSetsWithInvalidations(Stream s, CpuTime cpu) {
    cpu.begin();
    StackDistanceCounter counter = s.withInvalidations;
    long[] keys = s.keys;
    long[] bits = s.bits;
    boolean[] inv = s.inv;
    for (int i = 0; i < keys.length; i++) {
      if (inv[i]) {
        counter.invalidate(keys[i], bits[i]);
      } else {
        counter.access(keys[i], bits[i]);
      }
    }
    cpu.end();
    return counter.curves().accesses();
  }
}
