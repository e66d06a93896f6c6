package io.iommusim.pipeline.imports;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Numbers;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ImportOption;
import io.iommusim.trace.imports.ImportOptions;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.Importers;
import io.iommusim.trace.imports.LineImporter;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.Sniff;
import io.iommusim.trace.imports.SourceLines;
import java.util.List;

/**
 * A tiny line format for testing the pipeline's import plumbing with a format that cannot change under
 * the test: {@code attach TS SID DOMAIN}, {@code map TS SID DOMAIN IOVA SIZE PERM},
 * {@code unmap TS DOMAIN IOVA SIZE}, {@code read TS SID ADDR SIZE}, {@code # comment}; a first line
 * {@code #pipe-toy} makes it detectable.
 */
public final class PipeToyImporter extends LineImporter {
  public static final String NAME = "pipe-toy";
  private static final PipeToyImporter INSTANCE = new PipeToyImporter();

  public static void register() {
    Importers.register(INSTANCE);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "pipeline test format";
  }

  @Override
  public List<ImportOption> options() {
    return List.of(ImportOption.file("domains", "ignored; tests that file options are loaded"));
  }

  @Override
  public int detect(Sniff head) {
    return !head.lines().isEmpty() && head.lines().get(0).equals("#pipe-toy") ? 95 : 0;
  }

  @Override
  public void validate(ImportOptions options) {}

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new LineParser<String[]>() {
      @Override
      public Decoded<String[]> decode(String text) {
        if (text.startsWith("#")) {
          return Decoded.ignored("comment");
        }
        String[] f = text.strip().split("\\s+");
        int want = switch (f[0]) {
          case "attach", "unmap" -> f[0].equals("attach") ? 4 : 5;
          case "map" -> 7;
          case "read" -> 5;
          default -> -1;
        };
        return want == f.length ? Decoded.record(f) : Decoded.unparsed("not a pipe-toy line");
      }

      @Override
      public void apply(String[] f, SourceLines lines, ImportOutput out) {
        long ts = Numbers.parseLongOrMin(f[1]);
        switch (f[0]) {
          case "attach" -> {
            TraceEvent e = out.emit(EventKind.ATTACH, ts);
            e.sid = Sid.parse(f[2]);
            e.domain = Integer.parseInt(f[3]);
          }
          case "map" -> out.map(ts, 0, Integer.parseInt(f[3]), Numbers.parseLongOrMin(f[4]),
              Numbers.parseLongOrMin(f[4]), Numbers.parseLongOrMin(f[5]), (byte) Perm.parse(f[6]), 4096,
              Sid.parse(f[2]), -1, Numbers.parseLongOrMin(f[4]), Numbers.parseLongOrMin(f[5]));
          case "unmap" -> out.unmap(ts, 0, Integer.parseInt(f[2]), Numbers.parseLongOrMin(f[3]),
              Numbers.parseLongOrMin(f[4]));
          default -> {
            TraceEvent e = out.emit(EventKind.DMA_READ, ts);
            e.sid = Sid.parse(f[2]);
            e.addr = Numbers.parseLongOrMin(f[3]);
            e.size = Numbers.parseLongOrMin(f[4]);
          }
        }
        out.events(lines);
      }

      @Override
      public boolean isContinuation(String text) {
        return false;
      }
    };
  }
}
