package io.iommusim.pipeline.validate;

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
 * A stand-in for a kernel-log importer, in a format that cannot change under the test:
 * {@code fault TS SID ADDR PERM REASON VENDOR} (an observed fault) and {@code suppressed TS N VENDOR}
 * (N messages suppressed, through {@link ImportOutput#faultsSuppressed}); a first line
 * {@code #fault-toy} makes it detectable.
 */
public final class FaultLogToyImporter extends LineImporter {
  public static final String NAME = "fault-toy";
  private static final FaultLogToyImporter INSTANCE = new FaultLogToyImporter();

  public static void register() {
    Importers.register(INSTANCE);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "validate test format";
  }

  @Override
  public List<ImportOption> options() {
    return List.of();
  }

  @Override
  public int detect(Sniff head) {
    return !head.lines().isEmpty() && head.lines().get(0).equals("#fault-toy") ? 95 : 0;
  }

  @Override
  public void validate(ImportOptions options) {}

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new LineParser<String[]>() {
      @Override
      public Decoded<String[]> decode(String text) {
        String[] f = text.strip().split("\\s+");
        if (f[0].startsWith("#")) {
          return Decoded.ignored("comment");
        }
        if (f[0].equals("fault") && f.length == 7 || f[0].equals("suppressed") && f.length == 4) {
          return Decoded.record(f);
        }
        return Decoded.unparsed("not a fault-toy line");
      }

      @Override
      public void apply(String[] f, SourceLines lines, ImportOutput out) {
        long ts = Numbers.parseLongOrMin(f[1]);
        if (f[0].equals("suppressed")) {
          out.faultsSuppressed(ts, f[3], Numbers.parseLongOrMin(f[2]), lines.first(), String.join(" ", f));
        } else {
          TraceEvent e = out.emit(EventKind.FAULT_OBSERVED, ts);
          e.sid = Sid.parse(f[2]);
          e.addr = Numbers.parseLongOrMin(f[3]);
          e.perm = (byte) Perm.parse(f[4]);
          e.reason = (int) Numbers.parseLongOrMin(f[5]);
          e.vendor = f[6];
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
