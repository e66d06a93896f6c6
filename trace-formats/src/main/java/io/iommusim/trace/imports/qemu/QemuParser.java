package io.iommusim.trace.imports.qemu;

import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.SourceLines;
import io.iommusim.trace.imports.qemu.QemuEvents.Spec;
import java.util.regex.Pattern;

/**
 * Decodes QEMU {@code log}-backend lines (any prefix, {@link TraceLine}) of the known events
 * ({@link QemuEvents}) and hands them to the vendor handlers, which hold what the trace has shown.
 */
final class QemuParser implements LineParser<QemuRecord> {
  static final String NOT_QEMU = "not a QEMU trace line";
  static final String OTHER_EVENT = "other QEMU trace event";
  static final String QEMU_MESSAGE = "QEMU message (not a trace event)";
  static final String NOTE_UNTIMED = "lines without a timestamp: the time of the line before (0 before the first)";

  private static final Pattern EVENT_NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern MESSAGE = Pattern.compile("qemu(-system-[a-z0-9_]+|-kvm|-[a-z0-9_]+)?: .*");
  private static final String[] PREFIXES = {"vtd_", "amdvi_", "smmuv3_", "smmu_"};

  private final QemuState state;
  private final VtdHandler vtd;
  private final AmdviHandler amdvi;
  private final SmmuHandler smmu;
  private long lastTs;

  QemuParser(QemuState state) {
    this.state = state;
    this.vtd = new VtdHandler(state);
    this.amdvi = new AmdviHandler(state);
    this.smmu = new SmmuHandler(state);
  }

  @Override
  public Decoded<QemuRecord> decode(String text) {
    TraceLine line = TraceLine.parse(text);
    String body = line.body();
    if (MESSAGE.matcher(body).matches()) {
      return Decoded.ignored(QEMU_MESSAGE);
    }
    int space = body.indexOf(' ');
    String event = space < 0 ? body : body.substring(0, space);
    String args = space < 0 ? "" : body.substring(space + 1);
    if (!EVENT_NAME.matcher(event).matches()) {
      return Decoded.unparsed(NOT_QEMU);
    }
    Spec spec = QemuEvents.get(event);
    if (spec == null) {
      for (String p : PREFIXES) {
        if (event.startsWith(p)) {
          return Decoded.unparsed("unknown " + p + " event");
        }
      }
      // with a trace prefix any name is an event; bare, only one that looks like QEMU's (two underscores)
      return line.timed() || underscores(event) >= 2 ? Decoded.ignored(OTHER_EVENT) : Decoded.unparsed(NOT_QEMU);
    }
    if (spec.ignored() != null) {
      return Decoded.ignored(spec.ignored());
    }
    String[] tokens = Template.tokens(args);
    for (int era = 0; era < spec.formats().length; era++) {
      Template.Match m = spec.formats()[era].match(tokens);
      if (m != null) {
        return Decoded.record(new QemuRecord(line.tsNs(), line.timed(), event, spec.kind(), era, m.v(), m.s()));
      }
    }
    return Decoded.unparsed(event + ": unexpected arguments");
  }

  private static int underscores(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      n += s.charAt(i) == '_' ? 1 : 0;
    }
    return n;
  }

  /** A line that cannot start a record: no trace prefix, and its first word is no event name. */
  @Override
  public boolean isContinuation(String text) {
    TraceLine line = TraceLine.parse(text);
    if (line.timed() || MESSAGE.matcher(line.body()).matches()) {
      return false;
    }
    String body = line.body();
    int space = body.indexOf(' ');
    String first = space < 0 ? body : body.substring(0, space);
    if (!EVENT_NAME.matcher(first).matches()) {
      return true;
    }
    if (QemuEvents.get(first) != null) {
      return false;
    }
    for (String p : PREFIXES) {
      if (first.startsWith(p)) {
        return false;
      }
    }
    return underscores(first) < 2;
  }

  @Override
  public void apply(QemuRecord r, SourceLines lines, ImportOutput out) {
    if (r.timed()) {
      lastTs = r.ts();
    } else {
      out.note(NOTE_UNTIMED, lines.first(), null);
      r = new QemuRecord(lastTs, false, r.event(), r.kind(), r.era(), r.v(), r.s());
    }
    vtd.before(r, out);
    smmu.before(r, out);
    String k = r.kind().name();
    if (k.startsWith("V_")) {
      vtd.apply(r, lines, out);
    } else if (k.startsWith("A_")) {
      amdvi.apply(r, lines, out);
    } else {
      smmu.apply(r, lines, out);
    }
  }

  @Override
  public void finish(ImportOutput out) {
    vtd.finish(out);
    amdvi.finish(out);
    smmu.finish(out);
  }
}
