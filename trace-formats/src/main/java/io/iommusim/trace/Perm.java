package io.iommusim.trace;

/** Access permissions of a mapping ({@code perm} column): bit 0 read, bit 1 write. */
public final class Perm {
  public static final byte NONE = 0;
  public static final byte READ = 1;
  public static final byte WRITE = 2;
  public static final byte READ_WRITE = 3;

  private Perm() {}

  /** Text form {@code r}, {@code w}, {@code rw} (or {@code -} for none). */
  public static String text(int perm) {
    switch (perm & 3) {
      case READ: return "r";
      case WRITE: return "w";
      case READ_WRITE: return "rw";
      default: return "-";
    }
  }

  /** Parses {@code r}, {@code w}, {@code rw}, {@code wr}, {@code -} or a number 0..3; returns -1 when invalid. */
  public static int parse(String s) {
    switch (s) {
      case "r": return READ;
      case "w": return WRITE;
      case "rw":
      case "wr": return READ_WRITE;
      case "-":
      case "none": return NONE;
      default:
        if (s.length() == 1 && s.charAt(0) >= '0' && s.charAt(0) <= '3') {
          return s.charAt(0) - '0';
        }
        return -1;
    }
  }
}
