package io.iommusim.trace.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The beginning of an input, for content detection: its first bytes (gunzipped when the input is gzip)
 * and those bytes as text lines.
 */
public final class Sniff {
  /** How much of an input detection looks at. */
  public static final int HEAD_BYTES = 64 << 10;
  private static final int MAX_LINES = 400;

  private final String fileName;
  private final byte[] head;
  private final List<String> lines;

  public Sniff(String fileName, byte[] head) {
    this.fileName = fileName;
    this.head = head;
    this.lines = splitLines(head);
  }

  /** Reads up to {@link #HEAD_BYTES} of the (decompressed) stream; the caller closes it. */
  public static Sniff of(String fileName, InputStream in) throws IOException {
    return new Sniff(fileName, Inputs.readUpTo(Inputs.decompressed(in), HEAD_BYTES));
  }

  public static Sniff ofText(String fileName, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return new Sniff(fileName, Arrays.copyOf(b, Math.min(b.length, HEAD_BYTES)));
  }

  public String fileName() {
    return fileName;
  }

  public byte[] head() {
    return head.clone();
  }

  /** Whole lines of the head (a last, cut-off line is left out when the head filled up), mail quotes removed. */
  public List<String> lines() {
    return lines;
  }

  /** The lines that are not blank. */
  public List<String> nonBlankLines() {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  private static List<String> splitLines(byte[] head) {
    String text = new String(head, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    int from = 0;
    while (from < text.length() && out.size() < MAX_LINES) {
      int nl = text.indexOf('\n', from);
      if (nl < 0) {
        if (head.length < HEAD_BYTES) {
          out.add(LineReader.stripQuote(trimCr(text.substring(from))));
        }
        break;
      }
      out.add(LineReader.stripQuote(trimCr(text.substring(from, nl))));
      from = nl + 1;
    }
    return out;
  }

  private static String trimCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
