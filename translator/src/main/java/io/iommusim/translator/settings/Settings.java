package io.iommusim.translator.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The effective model settings as text: the documented defaults file
 * ({@code iommusim-defaults.properties}) overlaid with a config file and {@code key=value} overrides.
 * Immutable. {@link ModelSettings} is the typed view the model reads.
 */
public final class Settings implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final String DEFAULTS = "/io/iommusim/translator/iommusim-defaults.properties";

  private final TreeMap<String, String> values;

  private Settings(TreeMap<String, String> values) {
    this.values = values;
  }

  public static Settings defaults() {
    return new Settings(new TreeMap<>(loadDefaults()));
  }

  private static Map<String, String> loadDefaults() {
    try (InputStream in = Settings.class.getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + DEFAULTS);
      }
      return read(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> read(Reader reader) throws IOException {
    Properties p = new Properties();
    p.load(reader);
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      m.put(k.trim(), p.getProperty(k).trim());
    }
    return m;
  }

  /** Returns these settings with every key of the given properties file overriding. */
  public Settings withFile(Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return with(read(r), file.toString());
    } catch (IOException e) {
      throw new SettingsException("cannot read config file " + file + ": " + e.getMessage());
    }
  }

  /** Returns these settings with {@code key=value} overrides; {@code origin} names them in errors. */
  public Settings with(Map<String, String> overrides, String origin) {
    TreeMap<String, String> next = new TreeMap<>(values);
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = e.getKey().trim();
      if (!next.containsKey(key)) {
        throw new SettingsException("unknown setting '" + key + "' (from " + origin + "); known settings: "
            + String.join(", ", values.keySet()));
      }
      next.put(key, e.getValue().trim());
    }
    return new Settings(next);
  }

  /** Parses one {@code key=value} override as given on a command line. */
  public Settings with(String keyEqualsValue, String origin) {
    int eq = keyEqualsValue.indexOf('=');
    if (eq <= 0) {
      throw new SettingsException("expected key=value, got '" + keyEqualsValue + "' (from " + origin + ")");
    }
    return with(Map.of(keyEqualsValue.substring(0, eq), keyEqualsValue.substring(eq + 1)), origin);
  }

  public String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new SettingsException("unknown setting '" + key + "'");
    }
    return v;
  }

  /** Every effective setting, sorted by key. */
  public Map<String, String> asMap() {
    return Collections.unmodifiableMap(values);
  }

  /**
   * A deterministic id of this configuration: the first 12 hex digits of the SHA-256 of the sorted
   * {@code key=value} lines. Equal settings give equal ids on every machine and run.
   */
  public String configId() {
    StringBuilder b = new StringBuilder();
    values.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 6; i++) {
        hex.append(String.format("%02x", h[i]));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settings && ((Settings) o).values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
