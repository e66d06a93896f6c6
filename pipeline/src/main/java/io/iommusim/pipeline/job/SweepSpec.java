package io.iommusim.pipeline.job;

import io.iommusim.translator.settings.ModelSettings;
import io.iommusim.translator.settings.Settings;
import io.iommusim.translator.settings.SettingsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configurations of a sweep, each the base settings (defaults, then {@code --config}, then
 * {@code --set}) with some settings overridden, every one validated when the spec is built.
 *
 * <ul>
 *   <li>{@link #fromGrids}: {@code key=v1,v2,...} per grid; the Cartesian product of the grids, the
 *       first grid varying slowest. Values are split at commas and trimmed; a setting whose values
 *       contain commas ({@code ats.devices} lists) is swept with a configs file instead.
 *   <li>{@link #fromFile}: one configuration per line, whitespace-separated {@code key=value} pairs;
 *       {@code #} at the start of a line or after whitespace starts a comment; blank lines are
 *       skipped. The swept keys are every key the file sets, in order of first appearance; a line
 *       that does not set one of them keeps its base value.
 * </ul>
 *
 * Two configurations with the same effective settings (the same config id) are an error: each
 * configuration runs once, and the tables are keyed by config id. Settings are compared as text, so
 * {@code 64} and {@code 0x40} are different configurations that happen to model the same hardware.
 */
public final class SweepSpec {
  /** One configuration of the sweep. */
  public static final class Config {
    /** Position in the sweep, from 0: the order of the grid product or of the file's lines. */
    public final int index;
    /** Where it was defined: {@code --grid k=v k=v} or {@code FILE:LINE}. */
    public final String origin;
    /** The settings it overrides, in order, as written. */
    public final Map<String, String> overrides;
    public final Settings settings;
    public final ModelSettings model;
    public final String configId;

    Config(int index, String origin, Map<String, String> overrides, Settings settings, ModelSettings model) {
      this.index = index;
      this.origin = origin;
      this.overrides = Collections.unmodifiableMap(overrides);
      this.settings = settings;
      this.model = model;
      this.configId = settings.configId();
    }
  }

  /** The swept settings, in order: the grids' keys, or the file's keys in order of first appearance. */
  public final List<String> sweptKeys;
  public final List<Config> configs;

  private SweepSpec(List<String> sweptKeys, List<Config> configs) {
    this.sweptKeys = List.copyOf(sweptKeys);
    this.configs = List.copyOf(configs);
    Map<String, Config> byId = new HashMap<>();
    for (Config c : configs) {
      Config earlier = byId.putIfAbsent(c.configId, c);
      if (earlier != null) {
        throw new SettingsException(earlier.origin + " and " + c.origin + " give the same effective settings (config_id "
            + c.configId + "); a sweep runs each configuration once");
      }
    }
  }

  public int size() {
    return configs.size();
  }

  /** The Cartesian product of {@code key=v1,v2,...} grids over the base settings. */
  public static SweepSpec fromGrids(Settings base, List<String> grids) {
    if (grids.isEmpty()) {
      throw new SettingsException("--grid: no grid given");
    }
    List<String> keys = new ArrayList<>();
    List<List<String>> values = new ArrayList<>();
    for (String grid : grids) {
      int eq = grid.indexOf('=');
      String key = eq < 0 ? "" : grid.substring(0, eq).trim();
      if (key.isEmpty()) {
        throw new SettingsException("--grid '" + grid + "': expected key=value1,value2,...");
      }
      if (!base.asMap().containsKey(key)) {
        throw new SettingsException("--grid " + grid + ": unknown setting '" + key + "'; known settings: "
            + String.join(", ", base.asMap().keySet()));
      }
      if (keys.contains(key)) {
        throw new SettingsException("--grid " + grid + ": " + key + " is already swept by another --grid");
      }
      List<String> list = new ArrayList<>();
      for (String v : grid.substring(eq + 1).split(",", -1)) {
        String value = v.trim();
        if (list.contains(value)) {
          throw new SettingsException("--grid " + grid + ": value '" + value + "' is given twice");
        }
        list.add(value);
      }
      keys.add(key);
      values.add(list);
    }
    List<Config> configs = new ArrayList<>();
    int[] at = new int[keys.size()];
    while (true) {
      Map<String, String> overrides = new LinkedHashMap<>();
      StringBuilder origin = new StringBuilder("--grid");
      for (int g = 0; g < keys.size(); g++) {
        String v = values.get(g).get(at[g]);
        overrides.put(keys.get(g), v);
        origin.append(' ').append(keys.get(g)).append('=').append(v);
      }
      configs.add(config(configs.size(), origin.toString(), base, overrides));
      int g = keys.size() - 1;
      while (g >= 0 && ++at[g] == values.get(g).size()) {
        at[g] = 0;
        g--;
      }
      if (g < 0) {
        break;
      }
    }
    return new SweepSpec(keys, configs);
  }

  /** One configuration per line of a configs file (syntax in the class comment). */
  public static SweepSpec fromFile(Settings base, Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SettingsException("cannot read configs file " + file + ": " + e.getMessage());
    }
    return fromLines(base, file.toString(), lines);
  }

  /** {@link #fromFile} over lines already read; {@code name} names the file in messages. */
  public static SweepSpec fromLines(Settings base, String name, List<String> lines) {
    Set<String> keys = new LinkedHashSet<>();
    List<Config> configs = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String origin = name + ":" + (i + 1);
      String text = withoutComment(lines.get(i)).trim();
      if (text.isEmpty()) {
        continue;
      }
      Map<String, String> overrides = new LinkedHashMap<>();
      for (String token : text.split("\\s+")) {
        int eq = token.indexOf('=');
        if (eq <= 0) {
          throw new SettingsException(origin + ": '" + token + "' is not key=value");
        }
        String key = token.substring(0, eq);
        if (overrides.put(key, token.substring(eq + 1)) != null) {
          throw new SettingsException(origin + ": " + key + " is set twice");
        }
      }
      keys.addAll(overrides.keySet());
      configs.add(config(configs.size(), origin, base, overrides));
    }
    if (configs.isEmpty()) {
      throw new SettingsException(name + ": no configurations (every line is blank or a comment)");
    }
    return new SweepSpec(new ArrayList<>(keys), configs);
  }

  /** The line up to a # that starts it or follows whitespace. */
  private static String withoutComment(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static Config config(int index, String origin, Settings base, Map<String, String> overrides) {
    Settings settings = base.with(overrides, origin);
    ModelSettings model;
    try {
      model = new ModelSettings(settings);
    } catch (SettingsException e) {
      throw new SettingsException(origin + ": " + e.getMessage());
    }
    return new Config(index, origin, overrides, settings, model);
  }
}
