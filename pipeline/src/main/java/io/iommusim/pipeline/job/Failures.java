package io.iommusim.pipeline.job;

import io.iommusim.trace.TraceFormatException;
import io.iommusim.translator.settings.SettingsException;

/** Finds the user-facing reason in a failure that Spark may have wrapped in several layers. */
public final class Failures {
  private Failures() {}

  /** The message to show a user, or null when the failure is not caused by bad input or settings. */
  public static String userMessage(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TraceFormatException || c instanceof SettingsException) {
        return c.getMessage();
      }
      if (c instanceof IllegalArgumentException && c.getCause() == null) {
        return c.getMessage();
      }
    }
    // Spark may rebuild task exceptions as text only: find ours in the message
    String text = String.valueOf(t.getMessage());
    String marker = TraceFormatException.class.getName() + ": ";
    int at = text.indexOf(marker);
    if (at >= 0) {
      String rest = text.substring(at + marker.length());
      int eol = rest.indexOf('\n');
      return eol >= 0 ? rest.substring(0, eol) : rest;
    }
    return null;
  }
}
