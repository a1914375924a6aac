package io.gapsync.cli;

import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --store} option every command shares, and how commands open the store. */
final class StoreMixin {

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description =
          "The gapsync store folder (default: $GAPSYNC_STORE, else ~/.gapsync/store). "
              + "Created on first write.")
  Path store;

  /** Returns the store folder: the option, else the environment's default. */
  Path storePath() {
    return store != null ? store : CliConfig.fromEnvironment().defaultStore();
  }

  /** Opens the store for writing (creating it if absent). The caller closes it. */
  Store openWritable() {
    return Store.open(storePath(), StoreOptions.defaults());
  }

  /** Opens the store for queries. The caller closes it. */
  Store openReadOnly() {
    return Store.open(storePath(), StoreOptions.defaults().asReadOnly());
  }
}
