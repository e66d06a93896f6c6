package io.iommusim.trace.generate;

/** One option of a workload, for validation and {@code --help}: its name, default (as text) and meaning. */
public record OptionSpec(String name, String defaultValue, String description) {}
