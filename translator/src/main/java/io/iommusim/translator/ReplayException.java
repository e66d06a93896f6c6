package io.iommusim.translator;

/**
 * An event that the model cannot apply (e.g. a map whose address is not aligned to its page size).
 * Carries the event's seq so the caller can name the file and line it came from.
 */
public class ReplayException extends RuntimeException {
  private final long seq;

  public ReplayException(long seq, String message) {
    super(message);
    this.seq = seq;
  }

  public long seq() {
    return seq;
  }
}
