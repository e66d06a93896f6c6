package io.iommusim.trace.imports;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Numbers;
import io.iommusim.trace.Perm;
import io.iommusim.trace.Sid;
import io.iommusim.trace.TraceEvent;
import java.util.List;

/**
 * A minimal line format for testing the framework:
 * {@code map TS SID DOMAIN ADDR SIZE PERM}, {@code unmap TS DOMAIN ADDR SIZE}, {@code begin TS} ...
 * {@code end TS} (a two-line record: the begin line is deferred until its end), {@code # comment}.
 */
public final class ToyImporter extends LineImporter {
  @Override
  public String name() {
    return "toy";
  }

  @Override
  public String description() {
    return "test format";
  }

  @Override
  public List<ImportOption> options() {
    return List.of(ImportOption.value("domain-offset", "0", "added to every domain"));
  }

  @Override
  public int detect(Sniff head) {
    return head.lines().stream().anyMatch(l -> l.startsWith("map ")) ? 55 : 0;
  }

  @Override
  public void validate(ImportOptions options) {
    options.integer("domain-offset", 0, 1000);
  }

  @Override
  protected LineParser<?> newParser(ImportOptions options, String fileName) {
    return new Parser((int) options.integer("domain-offset", 0, 1000));
  }

  private static final class Parser implements LineParser<String[]> {
    private final int offset;
    private SourceLines begin;
    private long beginTs;

    Parser(int offset) {
      this.offset = offset;
    }

    @Override
    public Decoded<String[]> decode(String text) {
      String t = text.strip();
      if (t.startsWith("#")) {
        return Decoded.ignored("comment");
      }
      String[] f = t.split("\\s+");
      int want = switch (f[0]) {
        case "map" -> 7;
        case "unmap" -> 5;
        case "begin", "end" -> 2;
        default -> -1;
      };
      if (want < 0) {
        return Decoded.unparsed("not a toy line");
      }
      if (f.length != want) {
        return Decoded.unparsed(f[0] + ": wrong field count");
      }
      for (int i = 1; i < f.length; i++) {
        if (!(f[0].equals("map") && (i == 2 || i == 6)) && Numbers.parseLongOrMin(f[i]) == Long.MIN_VALUE) {
          return Decoded.unparsed(f[0] + ": not a number");
        }
      }
      return Decoded.record(f);
    }

    @Override
    public void apply(String[] f, SourceLines lines, ImportOutput out) {
      long ts = Numbers.parseLongOrMin(f[1]);
      switch (f[0]) {
        case "map" -> {
          long buf = Numbers.parseLongOrMin(f[4]);
          long size = Numbers.parseLongOrMin(f[5]);
          long iova = buf & ~0xFFFL;
          long end = (buf + size + 0xFFF) & ~0xFFFL;
          out.map(ts, 0, (int) Numbers.parseLongOrMin(f[3]) + offset, iova, iova, end - iova,
              (byte) Perm.parse(f[6]), 4096, Sid.parse(f[2]), -1, buf, size);
          out.events(lines);
        }
        case "unmap" -> {
          out.unmap(ts, 0, (int) Numbers.parseLongOrMin(f[2]) + offset, Numbers.parseLongOrMin(f[3]),
              Numbers.parseLongOrMin(f[4]));
          out.events(lines);
        }
        case "begin" -> {
          if (begin != null) {
            out.unparsed(begin, "begin without end");
          }
          begin = lines;
          beginTs = ts;
          out.defer(lines);
        }
        default -> {
          if (begin == null) {
            out.unparsed(lines, "end without begin");
            return;
          }
          TraceEvent e = out.emit(EventKind.ATTACH, beginTs);
          e.sid = Sid.parse("01:00.0");
          e.domain = 1;
          out.events(begin);
          out.events(lines);
          begin = null;
        }
      }
    }

    @Override
    public boolean isContinuation(String text) {
      String t = text.strip();
      return !(t.startsWith("#") || t.startsWith("map ") || t.startsWith("unmap ") || t.startsWith("begin ")
          || t.startsWith("end "));
    }

    @Override
    public void finish(ImportOutput out) {
      if (begin != null) {
        out.unparsed(begin, "begin without end");
      }
    }
  }
}
