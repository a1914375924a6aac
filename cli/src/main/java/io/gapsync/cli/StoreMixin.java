package io.gapsync.cli;

import io.gapsync.daemon.registry.RegistryConfig;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import io.gapsync.store.StoreOptions;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --store} and {@code --admin-socket} options every command shares, how commands open
 * the store, and how they reach the daemon that holds it (docs/ARCHITECTURE.md, "CLI while the
 * daemon runs").
 */
final class StoreMixin {

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description =
          "The gapsync store folder (default: $GAPSYNC_STORE, else ~/.gapsync/store). "
              + "Created on first write.")
  Path store;

  @Option(
      names = "--admin-socket",
      paramLabel = "PATH",
      description =
          "The admin socket of the daemon (gapsync serve) that holds the store; writing commands"
              + " go through it while the daemon runs (default: DIR/admin.sock).")
  Path adminSocket;

  /** Returns the store folder: the option, else the environment's default. */
  Path storePath() {
    return store != null ? store : CliConfig.fromEnvironment().defaultStore();
  }

  /** Returns the admin socket: the option, else {@code admin.sock} in the store folder. */
  Path adminSocketPath() {
    return adminSocket != null
        ? adminSocket.toAbsolutePath()
        : RegistryConfig.adminSocketOf(storePath());
  }

  /** Opens the store for writing (creating it if absent). The caller closes it. */
  Store openWritable() {
    return Store.open(storePath(), StoreOptions.defaults());
  }

  /** Opens the store for queries. The caller closes it. */
  Store openReadOnly() {
    return Store.open(storePath(), StoreOptions.defaults().asReadOnly());
  }

  /**
   * Returns the daemon to go through after a read-write open failed.
   *
   * @param failure what {@link #openWritable()} threw
   * @return the client of the daemon that answers on the admin socket
   * @throws StoreException the failure itself, unless it is {@code LOCKED}
   * @throws CliException if the store is locked but no daemon answers: names the process holding
   *     it, the socket tried and what to do
   */
  DaemonClient daemonFor(StoreException failure) {
    if (failure.code() != StoreException.Code.LOCKED) {
      throw failure;
    }
    Path socket = adminSocketPath();
    DaemonClient client = new DaemonClient(socket);
    String why = null;
    if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      why = "there is no admin socket " + socket;
    } else {
      DaemonClient.Info info = null;
      try {
        info = client.info();
      } catch (UncheckedIOException | CliException e) {
        why = "nothing answers on its admin socket " + socket + " (" + rootMessage(e) + ")";
      }
      if (info != null) {
        checkSameStore(info, socket);
        return client;
      }
    }
    String holder = LockHolder.describe(storePath()).orElse("another process");
    throw new CliException(
        "Tried to open the store at "
            + storePath()
            + " for writing but "
            + holder
            + " holds it and "
            + why
            + ": run this command while 'gapsync serve' (which serves the admin socket) holds"
            + " the store, give its socket with --admin-socket, or stop that process",
        failure);
  }

  /** Returns the daemon answering on the admin socket, if one does. */
  Optional<DaemonClient> runningDaemon() {
    Path socket = adminSocketPath();
    if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    DaemonClient client = new DaemonClient(socket);
    DaemonClient.Info info;
    try {
      info = client.info();
    } catch (UncheckedIOException | CliException e) {
      return Optional.empty();
    }
    checkSameStore(info, socket);
    return Optional.of(client);
  }

  /** Refuses a daemon that serves another store than {@code --store} names. */
  private void checkSameStore(DaemonClient.Info info, Path socket) {
    Path mine = storePath().toAbsolutePath().normalize();
    Path theirs = Path.of(info.store()).toAbsolutePath().normalize();
    boolean same;
    try {
      same = Files.isSameFile(mine, theirs);
    } catch (java.io.IOException e) {
      same = mine.equals(theirs);
    }
    if (!same) {
      throw new CliException(
          "Tried to use the store at "
              + mine
              + " through the daemon on "
              + socket
              + " but that daemon (process "
              + info.pid()
              + ") serves the store at "
              + theirs
              + ": give the daemon's own --admin-socket, or its --store");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
