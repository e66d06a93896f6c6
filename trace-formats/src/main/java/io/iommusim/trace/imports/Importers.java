package io.iommusim.trace.imports;

import io.iommusim.trace.imports.debugfs.IntelDebugfsImporter;
import io.iommusim.trace.imports.ftrace.FtraceImporter;
import io.iommusim.trace.imports.gem5.Gem5PacketImporter;
import io.iommusim.trace.imports.kernellog.KernelLogImporter;
import io.iommusim.trace.imports.qemu.QemuTraceImporter;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of importers by {@code --format} name, content detection, and opening an input. */
public final class Importers {
  /** The lowest {@link Importer#detect} score that {@code --format auto} accepts. */
  public static final int DETECT_THRESHOLD = 50;

  private static final Map<String, Importer> REGISTRY = new LinkedHashMap<>();

  static {
    register(new FtraceImporter());
    register(new KernelLogImporter());
    register(new Gem5PacketImporter());
    register(new IntelDebugfsImporter());
    register(new QemuTraceImporter());
  }

  private Importers() {}

  /**
   * Adds an importer (built-in ones are added in the static block above; tests and embedders may add
   * their own). Registering the same instance again is a no-op.
   *
   * @throws IllegalStateException when another importer already has the name
   */
  public static synchronized void register(Importer importer) {
    String n = importer.name();
    if (n.equals("csv") || n.equals("parquet") || n.equals("auto")) {
      throw new IllegalArgumentException("'" + n + "' is reserved for canonical traces");
    }
    Importer old = REGISTRY.putIfAbsent(n, importer);
    if (old != null && old != importer) {
      throw new IllegalStateException("two importers named " + n);
    }
  }

  public static synchronized List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  public static synchronized boolean exists(String name) {
    return REGISTRY.containsKey(name);
  }

  /** @throws IllegalArgumentException for an unknown format, listing the known ones */
  public static synchronized Importer get(String name) {
    Importer i = REGISTRY.get(name);
    if (i == null) {
      throw new IllegalArgumentException("unknown format '" + name + "'; importers: " + String.join(", ", names()));
    }
    return i;
  }

  /**
   * The importer whose {@link Importer#detect} score for {@code head} is highest and at least
   * {@link #DETECT_THRESHOLD}, or null when none is.
   *
   * @throws IllegalArgumentException when two importers tie for the highest score
   */
  public static synchronized String detect(Sniff head) {
    String best = null;
    int bestScore = -1;
    List<String> tied = new ArrayList<>();
    for (Importer i : REGISTRY.values()) {
      int s = i.detect(head);
      if (s > bestScore) {
        best = i.name();
        bestScore = s;
        tied.clear();
        tied.add(i.name());
      } else if (s == bestScore) {
        tied.add(i.name());
      }
    }
    if (bestScore < DETECT_THRESHOLD) {
      return null;
    }
    if (tied.size() > 1) {
      throw new IllegalArgumentException("cannot tell the format of " + head.fileName() + ": it looks like "
          + String.join(" and ", tied) + " alike; pass --format");
    }
    return best;
  }

  /**
   * Opens one input for import.
   *
   * @param raw the input as stored (gzip is recognised by its magic and decompressed)
   * @param seqBase added to every event's position in the stream to make its seq
   * @param rejects receives unparsed lines ({@link RejectSink#NONE} to only count them)
   */
  public static ImportedSource open(InputStream raw, String fileName, long seqBase, ImportSettings settings,
      RejectSink rejects) throws IOException {
    Importer importer = get(settings.format);
    ImportOptions options = settings.options(importer);
    AccessSynthesizer synthesizer = settings.synthesizeAccess
        ? new AccessSynthesizer(AccessSynthesizer.Model.of(options)) : null;
    InputStream in = Inputs.decompressed(raw);
    InputParser parser;
    try {
      parser = importer.open(in, fileName, options);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
    return new ImportedSource(parser, new ImportOutput(fileName, importer.name(), importer.unit(), seqBase,
        settings.strict, rejects, synthesizer));
  }

  /** Every importer with its options and defaults, for {@code --help}. */
  public static synchronized String help() {
    List<String> lines = new ArrayList<>();
    for (Importer i : REGISTRY.values()) {
      lines.add(i.name() + " — " + i.description());
      for (ImportOption o : i.options()) {
        lines.add(String.format("    %-22s %s%s", o.name(), o.description(),
            o.file() ? " (a file)" : " (default " + o.defaultValue() + ")"));
      }
    }
    lines.add("every format — options of --synthesize-access:");
    for (ImportOption o : AccessSynthesizer.OPTIONS) {
      lines.add(String.format("    %-22s %s (default %s)", o.name(), o.description(), o.defaultValue()));
    }
    return String.join(System.lineSeparator(), lines) + System.lineSeparator();
  }
}
