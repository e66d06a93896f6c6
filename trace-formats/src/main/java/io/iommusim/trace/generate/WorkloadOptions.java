package io.iommusim.trace.generate;

import io.iommusim.trace.Numbers;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The options given to one workload, checked against its {@link OptionSpec}s and parsed on demand into
 * typed values. Every error is an {@link IllegalArgumentException} naming the workload and the option,
 * so a command line mistake can be fixed without reading code.
 */
public final class WorkloadOptions {
  private final String workload;
  private final List<OptionSpec> specs;
  private final Map<String, String> given;

  /** @throws IllegalArgumentException for an option the workload does not have, listing the valid ones */
  public WorkloadOptions(String workload, List<OptionSpec> specs, Map<String, String> given) {
    this.workload = workload;
    this.specs = List.copyOf(specs);
    this.given = Map.copyOf(given);
    for (String name : given.keySet()) {
      if (spec(name) == null) {
        throw new IllegalArgumentException("workload '" + workload + "': unknown option '" + name
            + "'; valid options: " + specs.stream().map(OptionSpec::name).collect(Collectors.joining(", ")));
      }
    }
  }

  private OptionSpec spec(String name) {
    for (OptionSpec s : specs) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** The given text, or the documented default. */
  public String text(String name) {
    OptionSpec s = spec(name);
    if (s == null) {
      throw new IllegalStateException("workload '" + workload + "' declares no option '" + name + "'");
    }
    String v = given.get(name);
    return v == null ? s.defaultValue() : v.trim();
  }

  public IllegalArgumentException error(String name, String problem) {
    return new IllegalArgumentException(
        "workload '" + workload + "': option '" + name + "': " + problem + ", got '" + text(name) + "'");
  }

  /** An integer (decimal or 0x hex) in {@code [min, max]}. */
  public long integer(String name, long min, long max) {
    long v = Numbers.parseLongOrMin(text(name));
    if (v == Long.MIN_VALUE || v < min || v > max) {
      throw error(name, "expected an integer in " + min + ".." + max);
    }
    return v;
  }

  /** A byte size ({@link Sizes}) in {@code [min, max]}. */
  public long size(String name, long min, long max) {
    long v;
    try {
      v = Sizes.parse(text(name));
    } catch (IllegalArgumentException e) {
      throw error(name, "expected a size such as 4096, 0x1000, 4KiB, 2MiB or 1GiB");
    }
    if (v < min || v > max) {
      throw error(name, "expected a size in " + Sizes.format(min) + ".." + Sizes.format(max));
    }
    return v;
  }

  /** A fraction in {@code [0, 1]}. */
  public double fraction(String name) {
    double v;
    try {
      v = Double.parseDouble(text(name));
    } catch (NumberFormatException e) {
      throw error(name, "expected a fraction between 0 and 1");
    }
    if (!(v >= 0 && v <= 1)) {
      throw error(name, "expected a fraction between 0 and 1");
    }
    return v;
  }

  /** One of the allowed words. */
  public String choice(String name, String... allowed) {
    String v = text(name);
    for (String a : allowed) {
      if (a.equals(v)) {
        return a;
      }
    }
    throw error(name, "expected one of " + String.join(", ", allowed));
  }
}
