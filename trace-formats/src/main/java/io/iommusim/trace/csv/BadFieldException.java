package io.iommusim.trace.csv;

/**
 * A field's text is not valid for its column. Thrown by {@link Fields} without file or line, which
 * only the reader knows; the reader turns it into a {@link io.iommusim.trace.TraceFormatException}.
 */
final class BadFieldException extends RuntimeException {
  BadFieldException(String problem) {
    // no stack trace: the reader rethrows with full context, and the trace would only cost time
    super(problem, null, false, false);
  }
}
