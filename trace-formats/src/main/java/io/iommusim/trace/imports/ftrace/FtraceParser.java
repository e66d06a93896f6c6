package io.iommusim.trace.imports.ftrace;

import io.iommusim.trace.EventKind;
import io.iommusim.trace.Granularity;
import io.iommusim.trace.Perm;
import io.iommusim.trace.TraceEvent;
import io.iommusim.trace.imports.Decoded;
import io.iommusim.trace.imports.ImportOutput;
import io.iommusim.trace.imports.LineParser;
import io.iommusim.trace.imports.PageRuns;
import io.iommusim.trace.imports.SourceLines;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decodes ftrace text lines and turns them into canonical events (see {@link FtraceImporter}). */
final class FtraceParser implements LineParser<FtraceParser.Rec> {
  /** A decoded line: an event line, or a marker line with a number for the report. */
  record Rec(FtraceLine line, Body body, String marker, long amount) {}

  // ---- report vocabulary -------------------------------------------------------------------------
  static final String HEADER = "header or comment";
  static final String TRACE_CMD_HEADER = "trace-cmd report header";
  static final String LOST_MARKER = "lost-events marker";
  static final String OTHER_EVENT = "other event: ";
  static final String NOT_FTRACE = "not an ftrace event line";
  static final String GROUP_NOTED = "add_device_to_group (group noted for domain inference, no event)";
  static final String GROUP_REMOVED_UNATTACHED = "remove_device_from_group of a device not attached";
  static final String ALREADY_ATTACHED = "attach_device_to_domain of an attached device (domain unknown, kept)";
  static final String DETACH_UNATTACHED = "detach_device_from_domain of a device not attached";
  static final String NOT_PCI = "device is not a PCI function (give sid= in the domains file)";
  static final String NO_DOMAIN = "no domain known for the device (give -o domains=FILE)";
  static final String NO_DEVICE = "iommu:map/unmap without a device (no dma:* event paired; give -o iommu-device= "
      + "or pid: lines in the domains file)";
  static final String ZERO_SIZE = "mapping of size 0";
  static final String UNMAP_SG_UNKNOWN = "dma_unmap_sg: no dma_map_sg of this list seen (it prints no DMA addresses)";
  static final String NO_DMAR_UNIT = "IOMMU name is not dmarN (use -o units=single)";
  static final String TAG_MORE_REFS = "cache_tag_assign/unassign of a tag with other references";
  static final String TAG_DEVTLB = "cache_tag_* of type devtlb (device TLB; see the note)";
  static final String TAG_NESTED = "cache_tag_* of a nesting/parent tag (nested translation not modelled)";
  static final String TAG_PASID = "cache_tag_assign/unassign for a PASID (-o pasid-attach=attach to use it)";
  static final String TAG_SAME = "cache_tag_assign of the device's current domain";
  static final String TAG_UNASSIGN_OTHER = "cache_tag_unassign of a domain the device is not attached to";
  static final String FLUSH_FROM_QI = "cache_tag flush (invalidations taken from qi_submit)";
  static final String QI_FROM_TAGS = "qi_submit (invalidations taken from cache_tag flushes)";

  static final String NOTE_LOST = "events lost by the tracer (ring buffer overrun)";
  static final String NOTE_OVERWRITTEN = "entries overwritten in the ring buffer before the capture was read";
  static final String NOTE_INTEGER_CLOCK = "timestamps without a fraction (counter/TSC clock) taken as nanoseconds";
  static final String NOTE_PAIRED = "iommu:map/unmap paired with the dma:* event of the same call";
  static final String NOTE_PAIR_PARTIAL = "paired iommu:map events did not tile the dma:* range: the dma:* range was used";
  static final String NOTE_STANDALONE = "iommu:map/unmap attributed to a device by pid or iommu-device";
  static final String NOTE_PHYS_UNKNOWN = "mappings whose physical address the source does not print (phys 0)";
  static final String NOTE_ALLOC_NO_DIR = "dma_alloc/free without dir= (6.12 format): coherent, read-write";
  static final String NOTE_OLD_INTEL_RW = "old intel_iommu map events print no direction: mapped read-write";
  static final String NOTE_DMA_EQ_PHYS = "dma_addr equal to phys_addr (the device may be in pass-through or direct mode)";
  static final String NOTE_DEVTLB = "devices with a device TLB (ATS): consider --set ats.devices=...";
  static final String NOTE_UNMAPPED_DIFFERS = "iommu:unmap with unmapped_size different from size (the requested range was used)";
  static final String NOTE_TAGS_BEFORE_QI = "cache_tag flushes converted before the first qi_submit (may duplicate it)";
  static final String NOTE_FAULT_NO_REASON = "io_page_fault carries no reason code (reason -1)";
  static final String NOTE_SG_MERGED = "dma_map_sg with merged entries: physical address per IOVA unknown (phys 0)";

  private static final Pattern LOST = Pattern.compile("^\\s*CPU:?\\s*(\\d+) \\[LOST (\\d+) EVENTS\\]\\s*$");
  private static final Pattern ENTRIES = Pattern.compile(
      "^#\\s*entries-in-buffer/entries-written:\\s*(\\d+)/(\\d+).*$");
  private static final Pattern TRACE_CMD = Pattern.compile(
      "^(cpus=\\d+|version = \\d+|CPU \\d+ is empty|trace-cmd: .*)\\s*$");

  /** Pending iommu:* events at most, before the oldest is settled on its own. */
  static final int MAX_PENDING = 256;
  /**
   * How long an iommu:* event waits for the dma:* event of its call. The two are microseconds apart;
   * settling sooner keeps the attribution of unpaired ones close to the device state of their time.
   */
  static final long PAIR_WINDOW_NS = 1_000_000;

  private final FtraceImporter.Config config;
  private final Devices devices;
  /** iommu:map/unmap waiting for the dma:* event of the same call, in line order. */
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  /** Per CPU: the last dma:* mapping event, which may still claim an iommu:* event that follows it. */
  private final Map<Integer, LastDma> lastDma = new HashMap<>();
  /** Live dma_map_sg lists by (requester, first physical address): dma_unmap_sg prints only phys. */
  private final Map<String, List<long[]>> sgLists = new HashMap<>();
  private boolean sawQi;
  /** cache_tag flushes converted (invalidations=auto) before any qi_submit was seen. */
  private long tagFlushesBeforeQi;

  private record Pending(FtraceLine line, Body body, SourceLines lines) {}

  private record LastDma(long pid, boolean map, long start, long end) {}

  FtraceParser(FtraceImporter.Config config) {
    this.config = config;
    this.devices = new Devices(config.domains(), config.inferDomains(), config.inferredDomainBase());
  }

  // ---- decode (pure) -----------------------------------------------------------------------------

  @Override
  public Decoded<Rec> decode(String text) {
    if (text.startsWith("#")) {
      Matcher m = ENTRIES.matcher(text);
      if (m.matches()) {
        long overwritten = Long.parseLong(m.group(2)) - Long.parseLong(m.group(1));
        return overwritten > 0 ? Decoded.record(new Rec(null, null, NOTE_OVERWRITTEN, overwritten))
            : Decoded.ignored(HEADER);
      }
      return Decoded.ignored(HEADER);
    }
    Matcher lost = LOST.matcher(text);
    if (lost.matches()) {
      return Decoded.record(new Rec(null, null, NOTE_LOST, Long.parseLong(lost.group(2))));
    }
    if (TRACE_CMD.matcher(text).matches()) {
      return Decoded.ignored(TRACE_CMD_HEADER);
    }
    FtraceLine line = FtraceLine.parse(text);
    if (line == null) {
      return Decoded.unparsed(NOT_FTRACE);
    }
    String system = Bodies.systemOf(line.event());
    if (system == null || (line.system() != null && !line.system().equals(system))) {
      return Decoded.record(new Rec(line, null, OTHER_EVENT
          + (line.system() != null ? line.system() + ":" : "") + line.event(), 0));
    }
    Decoded<Body> b = Bodies.decode(line.event(), line.body());
    if (b.isUnparsed()) {
      return Decoded.unparsed(b.unparsedReason());
    }
    if (!b.isRecord()) {
      return Decoded.record(new Rec(line, null, b.ignoredReason(), 0));
    }
    return Decoded.record(new Rec(line, b.record(), null, 0));
  }

  @Override
  public boolean isContinuation(String text) {
    String t = text.strip();
    return !t.isEmpty() && !t.startsWith("#") && !LOST.matcher(t).matches() && !TRACE_CMD.matcher(t).matches()
        && FtraceLine.parse(text) == null;
  }

  // ---- apply -------------------------------------------------------------------------------------

  @Override
  public void apply(Rec rec, SourceLines lines, ImportOutput out) {
    if (rec.line() == null) { // a marker line
      out.note(rec.marker(), lines.first(), rec.amount(), null);
      out.ignored(lines, rec.marker().equals(NOTE_LOST) ? LOST_MARKER : HEADER);
      return;
    }
    FtraceLine l = rec.line();
    if (l.integerClock()) {
      out.note(NOTE_INTEGER_CLOCK, lines.first(), null);
    }
    otherTaskOnCpu(l, out);
    if (rec.body() == null) {
      out.ignored(lines, rec.marker());
      return;
    }
    Body b = rec.body();
    if (b instanceof Body.Group g) {
      group(g, l, lines, out);
    } else if (b instanceof Body.DeviceDomain d) {
      deviceDomain(d, l, lines, out);
    } else if (b instanceof Body.IommuMap || b instanceof Body.IommuUnmap) {
      iommu(l, b, lines, out);
    } else if (b instanceof Body.PageFault f) {
      fault(f, l, lines, out);
    } else if (b instanceof Body.DmaMap m) {
      dmaMap(m, l, lines, out);
    } else if (b instanceof Body.DmaMapSg m) {
      dmaMapSg(m, l, lines, out);
    } else if (b instanceof Body.DmaUnmap u) {
      dmaUnmap(u, l, lines, out);
    } else if (b instanceof Body.DmaUnmapSg u) {
      dmaUnmapSg(u, l, lines, out);
    } else if (b instanceof Body.QiSubmit q) {
      qi(q, l, lines, out);
    } else if (b instanceof Body.CacheTag t) {
      cacheTag(t, l, lines, out);
    } else if (b instanceof Body.CacheTagFlush f) {
      cacheTagFlush(f, l, lines, out);
    } else {
      oldIntel((Body.OldIntel) b, l, lines, out);
    }
  }

  @Override
  public void finish(ImportOutput out) {
    while (!pending.isEmpty()) {
      standalone(pending.poll(), out);
    }
  }

  // ---- groups, attach, detach --------------------------------------------------------------------

  private void group(Body.Group g, FtraceLine l, SourceLines lines, ImportOutput out) {
    devices.group(g.device(), g.group(), g.add());
    if (g.add()) {
      out.ignored(lines, GROUP_NOTED);
      return;
    }
    int sid = devices.sid(g.device());
    if (sid >= 0 && devices.detach(g.device(), sid, l.tsNs(), out)) {
      out.events(lines);
    } else {
      out.ignored(lines, GROUP_REMOVED_UNATTACHED);
    }
  }

  private void deviceDomain(Body.DeviceDomain d, FtraceLine l, SourceLines lines, ImportOutput out) {
    int sid = devices.sid(d.device());
    if (sid < 0) {
      out.unparsed(lines, NOT_PCI);
      return;
    }
    if (!d.attach()) {
      if (devices.detach(d.device(), sid, l.tsNs(), out)) {
        out.events(lines);
      } else {
        out.ignored(lines, DETACH_UNATTACHED);
      }
      return;
    }
    if (devices.attached(d.device()) != null) {
      out.ignored(lines, ALREADY_ATTACHED);
      return;
    }
    Devices.Context c = devices.resolve(d.device(), lines.first(), out);
    if (c == null) {
      out.unparsed(lines, NO_DOMAIN);
      return;
    }
    devices.attach(d.device(), sid, c, -1, l.tsNs(), out);
    out.events(lines);
  }

  // ---- iommu:map/unmap and their pairing with dma:* ----------------------------------------------

  /**
   * iommu:map/unmap carry no device. The dma:* event of the same DMA-API call (same CPU and task, just
   * before or after) claims them; the rest are attributed by pid or {@code iommu-device}.
   */
  private void iommu(FtraceLine l, Body b, SourceLines lines, ImportOutput out) {
    boolean map = b instanceof Body.IommuMap;
    long start = map ? ((Body.IommuMap) b).iova() : ((Body.IommuUnmap) b).iova();
    long size = map ? ((Body.IommuMap) b).size() : ((Body.IommuUnmap) b).size();
    LastDma last = lastDma.get(l.cpu());
    if (last != null && last.pid() == l.pid() && last.map() == map && within(start, size, last.start(), last.end())) {
      out.note(NOTE_PAIRED, lines.first(), null);
      out.events(lines);
      return;
    }
    out.defer(lines);
    pending.add(new Pending(l, b, lines));
    if (pending.size() > MAX_PENDING) {
      standalone(pending.poll(), out);
    }
  }

  private static boolean within(long start, long size, long spanStart, long spanEnd) {
    return Long.compareUnsigned(start, spanStart) >= 0 && Long.compareUnsigned(start + size, spanEnd) <= 0 && size > 0;
  }

  /**
   * A line of another task on a CPU ends the calls pending there, and a line more than
   * {@link #PAIR_WINDOW_NS} later than a pending event ends its call too: those iommu:* events stand alone.
   */
  private void otherTaskOnCpu(FtraceLine l, ImportOutput out) {
    LastDma last = lastDma.get(l.cpu());
    if (last != null && last.pid() != l.pid()) {
      lastDma.remove(l.cpu());
    }
    if (pending.isEmpty()) {
      return;
    }
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if ((p.line().cpu() == l.cpu() && p.line().pid() != l.pid()) || l.tsNs() - p.line().tsNs() > PAIR_WINDOW_NS) {
        it.remove();
        standalone(p, out);
      }
    }
  }

  /**
   * The pending iommu:* events a dma:* event claims: same CPU, task and kind, inside its IOVA span. Older
   * pending events of the same CPU, task and kind outside the span had their chance and stand alone.
   */
  private List<Pending> claim(FtraceLine l, boolean map, long start, long end, ImportOutput out) {
    List<Pending> claimed = new ArrayList<>();
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.line().cpu() != l.cpu() || p.line().pid() != l.pid() || (p.body() instanceof Body.IommuMap) != map) {
        continue;
      }
      it.remove();
      long s = map ? ((Body.IommuMap) p.body()).iova() : ((Body.IommuUnmap) p.body()).iova();
      long n = map ? ((Body.IommuMap) p.body()).size() : ((Body.IommuUnmap) p.body()).size();
      if (within(s, n, start, end)) {
        claimed.add(p);
        out.note(NOTE_PAIRED, p.lines().first(), null);
        out.events(p.lines());
      } else {
        standalone(p, out);
      }
    }
    lastDma.put(l.cpu(), new LastDma(l.pid(), map, start, end));
    return claimed;
  }

  private void standalone(Pending p, ImportOutput out) {
    String device = config.domains().deviceOfPid(p.line().pid());
    if (device == null) {
      device = config.iommuDevice();
    }
    int sid = device == null ? -1 : devices.sid(device);
    if (device == null || sid < 0) {
      out.unparsed(p.lines(), device == null ? NO_DEVICE : NOT_PCI);
      return;
    }
    Devices.Context c = devices.ensureAttached(device, sid, p.line().tsNs(), p.lines().first(), out);
    if (c == null) {
      out.unparsed(p.lines(), NO_DOMAIN);
      return;
    }
    out.note(NOTE_STANDALONE, p.lines().first(), null);
    if (p.body() instanceof Body.IommuMap m) {
      if (m.size() == 0) {
        out.unparsed(p.lines(), ZERO_SIZE);
        return;
      }
      // an iommu:map has no direction: VFIO and iommufd maps are usually read-write
      emitMap(p.line().tsNs(), c, m.iova(), m.paddr(), m.size(), true, Perm.READ_WRITE, sid, m.iova(), m.size(), out);
    } else {
      Body.IommuUnmap u = (Body.IommuUnmap) p.body();
      if (u.unmapped() != u.size()) {
        out.note(NOTE_UNMAPPED_DIFFERS, p.lines().first(), null);
      }
      long[] r = pages(u.iova(), u.size());
      out.unmap(p.line().tsNs(), c.unit(), c.domain(), r[0], r[1] - r[0]);
    }
    out.events(p.lines());
  }

  // ---- dma:* -------------------------------------------------------------------------------------

  /** The device's requester id and context, or null after accounting the lines as unparsed. */
  private Devices.Context context(String device, FtraceLine l, SourceLines lines, ImportOutput out, int[] sidOut) {
    int sid = devices.sid(device);
    if (sid < 0) {
      out.unparsed(lines, NOT_PCI);
      return null;
    }
    Devices.Context c = devices.ensureAttached(device, sid, l.tsNs(), lines.first(), out);
    if (c == null) {
      out.unparsed(lines, NO_DOMAIN);
      return null;
    }
    sidOut[0] = sid;
    return c;
  }

  private void dmaMap(Body.DmaMap m, FtraceLine l, SourceLines lines, ImportOutput out) {
    if (m.size() == 0) {
      out.unparsed(lines, ZERO_SIZE);
      return;
    }
    int[] sid = new int[1];
    Devices.Context c = context(m.device(), l, lines, out, sid);
    if (c == null) {
      return;
    }
    if (!m.dirGiven()) {
      out.note(NOTE_ALLOC_NO_DIR, lines.first(), null);
    }
    if (m.phys() >= 0 && m.phys() == m.addr()) {
      out.note(NOTE_DMA_EQ_PHYS, lines.first(), m.device());
    }
    long[] r = pages(m.addr(), m.size());
    List<Pending> claimed = claim(l, true, r[0], r[1], out);
    if (!emitClaimed(claimed, r, l.tsNs(), c, m.dir().perm, sid[0], new long[][] {{m.addr(), m.size()}}, lines, out)) {
      boolean physKnown = m.phys() >= 0;
      if (!physKnown) {
        out.note(NOTE_PHYS_UNKNOWN, lines.first(), null);
      }
      emitMap(l.tsNs(), c, r[0], physKnown ? m.phys() & ~0xFFFL : 0, r[1] - r[0], physKnown, m.dir().perm, sid[0],
          m.addr(), m.size(), out);
    }
    out.events(lines);
  }

  private void dmaMapSg(Body.DmaMapSg m, FtraceLine l, SourceLines lines, ImportOutput out) {
    if (m.addrs().length == 0) {
      out.ignored(lines, Bodies.FAILED);
      return;
    }
    for (long s : m.sizes()) {
      if (s == 0) {
        out.unparsed(lines, ZERO_SIZE);
        return;
      }
    }
    int[] sid = new int[1];
    Devices.Context c = context(m.device(), l, lines, out, sid);
    if (c == null) {
      return;
    }
    long[][] buffers = new long[m.addrs().length][];
    long spanStart = Long.MAX_VALUE;
    long spanEnd = 0;
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = new long[] {m.addrs()[i], m.sizes()[i]};
      long[] r = pages(m.addrs()[i], m.sizes()[i]);
      ranges.add(r);
      spanStart = Math.min(spanStart, r[0]);
      spanEnd = Math.max(spanEnd, r[1]);
    }
    List<Pending> claimed = claim(l, true, spanStart, spanEnd, out);
    if (!emitClaimed(claimed, new long[] {spanStart, spanEnd}, l.tsNs(), c, m.dir().perm, sid[0], buffers, lines, out)) {
      boolean perEntry = m.phys().length == m.addrs().length;
      if (!perEntry) {
        out.note(NOTE_SG_MERGED, lines.first(), null);
      }
      for (int i = 0; i < buffers.length; i++) {
        long[] r = ranges.get(i);
        emitMap(l.tsNs(), c, r[0], perEntry ? m.phys()[i] & ~0xFFFL : 0, r[1] - r[0], perEntry, m.dir().perm, sid[0],
            buffers[i][0], buffers[i][1], out);
      }
    }
    if (m.phys().length > 0) {
      sgLists.put(sgKey(sid[0], m.phys()[0]), ranges);
    }
    out.events(lines);
  }

  /**
   * Emits the claimed iommu:map events when they tile the dma:* range exactly (their physical addresses
   * are exact); false when there are none or they do not tile it.
   */
  private boolean emitClaimed(List<Pending> claimed, long[] span, long ts, Devices.Context c, byte perm, int sid,
      long[][] buffers, SourceLines lines, ImportOutput out) {
    if (claimed.isEmpty()) {
      return false;
    }
    List<Pending> maps = new ArrayList<>(claimed);
    maps.sort((a, b) -> Long.compareUnsigned(((Body.IommuMap) a.body()).iova(), ((Body.IommuMap) b.body()).iova()));
    long at = span[0];
    for (Pending p : maps) {
      Body.IommuMap m = (Body.IommuMap) p.body();
      if (m.iova() != at || (m.paddr() & 0xFFF) != 0 || (m.size() & 0xFFF) != 0) {
        out.note(NOTE_PAIR_PARTIAL, lines.first(), null);
        return false;
      }
      at += m.size();
    }
    if (at != span[1]) {
      out.note(NOTE_PAIR_PARTIAL, lines.first(), null);
      return false;
    }
    for (Pending p : maps) {
      Body.IommuMap m = (Body.IommuMap) p.body();
      // the buffer bytes inside this piece: the union of the driver's buffers clipped to it
      long bufStart = Long.MAX_VALUE;
      long bufEnd = Long.MIN_VALUE;
      for (long[] b : buffers) {
        long s = Math.max(b[0], m.iova());
        long e = Math.min(b[0] + b[1], m.iova() + m.size());
        if (s < e) {
          bufStart = Math.min(bufStart, s);
          bufEnd = Math.max(bufEnd, e);
        }
      }
      if (bufStart == Long.MAX_VALUE) {
        bufStart = m.iova();
        bufEnd = m.iova();
      }
      // the page table changed at the iommu:map, a little before the dma:* event reports the mapping
      emitMap(Math.min(ts, p.line().tsNs()), c, m.iova(), m.paddr(), m.size(), true, perm, sid, bufStart,
          bufEnd - bufStart, out);
    }
    return true;
  }

  private void dmaUnmap(Body.DmaUnmap u, FtraceLine l, SourceLines lines, ImportOutput out) {
    if (u.size() == 0) {
      out.unparsed(lines, ZERO_SIZE);
      return;
    }
    int[] sid = new int[1];
    Devices.Context c = context(u.device(), l, lines, out, sid);
    if (c == null) {
      return;
    }
    long[] r = pages(u.addr(), u.size());
    out.unmap(earliest(claim(l, false, r[0], r[1], out), l.tsNs()), c.unit(), c.domain(), r[0], r[1] - r[0]);
    out.events(lines);
  }

  private void dmaUnmapSg(Body.DmaUnmapSg u, FtraceLine l, SourceLines lines, ImportOutput out) {
    int sidValue = devices.sid(u.device());
    List<long[]> ranges = sidValue < 0 ? null : sgLists.get(sgKey(sidValue, u.phys()[0]));
    List<Pending> claimed = List.of();
    if (ranges == null) {
      // the iommu:unmap of the same call, if it came first, holds the range
      claimed = claim(l, false, 0, -1L, out);
      if (claimed.isEmpty()) {
        out.unparsed(lines, sidValue < 0 ? NOT_PCI : UNMAP_SG_UNKNOWN);
        return;
      }
      ranges = new ArrayList<>();
      for (Pending p : claimed) {
        Body.IommuUnmap iu = (Body.IommuUnmap) p.body();
        ranges.add(pages(iu.iova(), iu.size()));
      }
    }
    int[] sid = new int[1];
    Devices.Context c = context(u.device(), l, lines, out, sid);
    if (c == null) {
      return;
    }
    sgLists.remove(sgKey(sid[0], u.phys()[0]));
    long spanStart = Long.MAX_VALUE;
    long spanEnd = 0;
    for (long[] r : ranges) {
      spanStart = Math.min(spanStart, r[0]);
      spanEnd = Math.max(spanEnd, r[1]);
    }
    if (claimed.isEmpty()) {
      claimed = claim(l, false, spanStart, spanEnd, out);
    } else {
      lastDma.put(l.cpu(), new LastDma(l.pid(), false, spanStart, spanEnd));
    }
    long ts = earliest(claimed, l.tsNs());
    for (long[] r : ranges) {
      out.unmap(ts, c.unit(), c.domain(), r[0], r[1] - r[0]);
    }
    out.events(lines);
  }

  /** The page table changed at the first iommu:* event of the call, if it came before the dma:* event. */
  private static long earliest(List<Pending> claimed, long ts) {
    long t = ts;
    for (Pending p : claimed) {
      t = Math.min(t, p.line().tsNs());
    }
    return t;
  }

  private static String sgKey(int sid, long phys) {
    return sid + "/" + Long.toHexString(phys);
  }

  private void oldIntel(Body.OldIntel o, FtraceLine l, SourceLines lines, ImportOutput out) {
    if (o.size() == 0) {
      out.unparsed(lines, ZERO_SIZE);
      return;
    }
    int[] sid = new int[1];
    Devices.Context c = context(o.device(), l, lines, out, sid);
    if (c == null) {
      return;
    }
    long[] r = pages(o.addr(), o.size());
    if (o.map()) {
      out.note(NOTE_OLD_INTEL_RW, lines.first(), null);
      emitMap(l.tsNs(), c, r[0], o.phys() & ~0xFFFL, r[1] - r[0], true, Perm.READ_WRITE, sid[0], o.addr(), o.size(),
          out);
    } else {
      out.unmap(l.tsNs(), c.unit(), c.domain(), r[0], r[1] - r[0]);
    }
    out.events(lines);
  }

  /** [start, end) of the 4 KiB pages a byte range touches. */
  private static long[] pages(long addr, long size) {
    return new long[] {addr & ~0xFFFL, (addr + size + 0xFFF) & ~0xFFFL};
  }

  private void emitMap(long ts, Devices.Context c, long iova, long phys, long size, boolean physKnown, byte perm,
      int owner, long bufAddr, long bufSize, ImportOutput out) {
    for (PageRuns.Run run : PageRuns.split(iova, phys, size, config.pageSizes(), physKnown)) {
      long s = Math.max(bufAddr, run.iova());
      long e = Math.min(bufAddr + bufSize, run.iova() + run.size());
      out.map(ts, c.unit(), c.domain(), run.iova(), run.phys(), run.size(), perm, run.pageSize(), owner, -1,
          s, Math.max(0, e - s));
    }
  }

  // ---- faults ------------------------------------------------------------------------------------

  private void fault(Body.PageFault f, FtraceLine l, SourceLines lines, ImportOutput out) {
    int sid = devices.sid(f.device());
    if (sid < 0) {
      out.unparsed(lines, NOT_PCI);
      return;
    }
    Devices.Context c = devices.attached(f.device());
    TraceEvent e = out.emit(EventKind.FAULT_OBSERVED, l.tsNs());
    e.unit = c != null ? c.unit() : 0;
    e.sid = sid;
    e.addr = f.iova();
    e.perm = (f.flags() & 1) != 0 ? Perm.WRITE : Perm.READ;
    e.vendor = config.faultVendor();
    out.note(NOTE_FAULT_NO_REASON, lines.first(), null);
    out.events(lines);
  }

  // ---- intel_iommu:* -----------------------------------------------------------------------------

  private int unit(int dmar, SourceLines lines, ImportOutput out) {
    if (!config.unitsFromDmar()) {
      return 0;
    }
    if (dmar < 0) {
      out.unparsed(lines, NO_DMAR_UNIT);
    }
    return dmar;
  }

  private void qi(Body.QiSubmit q, FtraceLine l, SourceLines lines, ImportOutput out) {
    QiDescriptor.Decoded d = QiDescriptor.decode(q.type(), q.qw());
    if (d.unparsedReason() != null) {
      out.unparsed(lines, d.unparsedReason());
      return;
    }
    if (d.ignoredReason() != null) {
      out.ignored(lines, d.ignoredReason());
      return;
    }
    if (config.invalidations() == FtraceImporter.Invalidations.CACHE_TAG) {
      out.ignored(lines, QI_FROM_TAGS);
      return;
    }
    if (!sawQi && tagFlushesBeforeQi > 0) {
      out.note(NOTE_TAGS_BEFORE_QI, lines.first(), tagFlushesBeforeQi, null);
    }
    sawQi = true;
    int unit = unit(q.unit(), lines, out);
    if (unit < 0) {
      return;
    }
    if (d.note() != null) {
      out.note(d.note(), lines.first(), null);
    }
    TraceEvent e = out.emit(d.kind(), l.tsNs());
    e.unit = unit;
    e.granularity = d.granularity();
    e.domain = d.domain();
    e.sid = d.sid();
    e.pasid = d.pasid();
    e.addr = d.addr();
    e.am = (byte) d.am();
    e.index = d.index();
    out.events(lines);
  }

  private static boolean isNested(String type) {
    return type.startsWith("nesting") || type.startsWith("parent");
  }

  private void cacheTag(Body.CacheTag t, FtraceLine l, SourceLines lines, ImportOutput out) {
    int sid = devices.sid(t.device());
    if (sid < 0) {
      out.unparsed(lines, NOT_PCI);
      return;
    }
    int unit = unit(t.unit(), lines, out);
    if (unit < 0) {
      return;
    }
    devices.realDid(unit, t.did(), lines.first(), out);
    if (t.event().equals("cache_tag_flush_all")) {
      flushAll(t, sid, unit, l, lines, out);
      return;
    }
    if (isNested(t.type())) {
      out.ignored(lines, TAG_NESTED);
      return;
    }
    if (t.type().equals("devtlb")) {
      out.note(NOTE_DEVTLB, lines.first(), t.device());
      out.ignored(lines, TAG_DEVTLB);
      return;
    }
    if (!t.type().equals("iotlb")) {
      out.unparsed(lines, "cache_tag_*: unknown tag type");
      return;
    }
    if (t.ref() != 1) {
      out.ignored(lines, TAG_MORE_REFS);
      return;
    }
    boolean assign = t.event().equals("cache_tag_assign");
    int pasid = t.pasid() == 0 ? -1 : t.pasid(); // Linux's IOMMU_NO_PASID is 0: the requester id's own context
    if (pasid >= 0) {
      if (!config.pasidAttach()) {
        out.ignored(lines, TAG_PASID);
        return;
      }
      if (assign) {
        devices.attach(t.device(), sid, new Devices.Context(unit, t.did()), pasid, l.tsNs(), out);
      } else {
        devices.detachPasid(unit, sid, pasid, l.tsNs(), out);
      }
      out.events(lines);
      return;
    }
    Devices.Context now = devices.attached(t.device());
    Devices.Context tag = new Devices.Context(unit, t.did());
    if (assign) {
      if (tag.equals(now)) {
        out.ignored(lines, TAG_SAME);
        return;
      }
      devices.attach(t.device(), sid, tag, -1, l.tsNs(), out);
      out.events(lines);
      return;
    }
    if (!tag.equals(now)) {
      out.ignored(lines, TAG_UNASSIGN_OTHER);
      return;
    }
    devices.detach(t.device(), sid, l.tsNs(), out);
    out.events(lines);
  }

  /** Whether cache_tag flushes become invalidations (see {@link FtraceImporter.Invalidations}). */
  private boolean useTagFlush(SourceLines lines, ImportOutput out) {
    switch (config.invalidations()) {
      case QI:
        out.ignored(lines, FLUSH_FROM_QI);
        return false;
      case CACHE_TAG:
        return true;
      default:
        if (sawQi) {
          out.ignored(lines, FLUSH_FROM_QI);
          return false;
        }
        tagFlushesBeforeQi++;
        return true;
    }
  }

  private void flushAll(Body.CacheTag t, int sid, int unit, FtraceLine l, SourceLines lines, ImportOutput out) {
    if (isNested(t.type())) {
      out.ignored(lines, TAG_NESTED);
      return;
    }
    if (!useTagFlush(lines, out)) {
      return;
    }
    TraceEvent e;
    if (t.type().equals("devtlb")) {
      e = out.emit(EventKind.INV_DEVTLB, l.tsNs());
      e.granularity = Granularity.DEVICE;
      e.sid = sid;
    } else {
      e = out.emit(EventKind.INV_IOTLB, l.tsNs());
      e.granularity = Granularity.DOMAIN;
      e.domain = t.did();
    }
    e.unit = unit;
    out.events(lines);
  }

  private void cacheTagFlush(Body.CacheTagFlush f, FtraceLine l, SourceLines lines, ImportOutput out) {
    int sid = devices.sid(f.device());
    if (sid < 0) {
      out.unparsed(lines, NOT_PCI);
      return;
    }
    int unit = unit(f.unit(), lines, out);
    if (unit < 0) {
      return;
    }
    if (isNested(f.type())) {
      out.ignored(lines, TAG_NESTED);
      return;
    }
    if (f.mask() > 63) {
      out.unparsed(lines, "cache_tag_flush_range: mask out of range");
      return;
    }
    if (!useTagFlush(lines, out)) {
      return;
    }
    TraceEvent e;
    if (f.type().equals("devtlb")) {
      e = out.emit(EventKind.INV_DEVTLB, l.tsNs());
      e.sid = sid;
      e.pasid = f.pasid() == 0 ? -1 : f.pasid();
    } else {
      e = out.emit(EventKind.INV_IOTLB, l.tsNs());
      e.domain = f.did();
    }
    e.unit = unit;
    e.granularity = Granularity.PAGE;
    e.addr = f.addr();
    e.am = (byte) f.mask();
    out.events(lines);
  }
}
