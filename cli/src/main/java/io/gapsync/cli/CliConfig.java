package io.gapsync.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * The CLI's environment, read once: the only class that reads environment variables (STYLE rule 9).
 *
 * <ul>
 *   <li>{@code GAPSYNC_STORE}: the store folder when {@code --store} is not given; without it,
 *       {@code $HOME/.gapsync/store}.
 * </ul>
 *
 * @param defaultStore the store folder to use when {@code --store} is absent
 */
record CliConfig(Path defaultStore) {

  /** Environment variable naming the default store folder. */
  static final String STORE_ENV = "GAPSYNC_STORE";

  /** Store folder under the home directory when nothing else is set. */
  static final String STORE_HOME_DEFAULT = ".gapsync/store";

  /** Reads the configuration from the process environment. */
  static CliConfig fromEnvironment() {
    return from(System.getenv(), System.getProperty("user.home"));
  }

  /** Builds the configuration from an environment map (tests). */
  static CliConfig from(Map<String, String> env, String home) {
    String store = env.get(STORE_ENV);
    if (store != null && !store.isBlank()) {
      return new CliConfig(Path.of(store));
    }
    return new CliConfig(Path.of(home == null ? "." : home).resolve(STORE_HOME_DEFAULT));
  }
}
