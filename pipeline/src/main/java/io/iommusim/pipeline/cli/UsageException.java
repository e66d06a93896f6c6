package io.iommusim.pipeline.cli;

/** A command-line mistake: printed with the verb's usage, exit status 2. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
