package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;

/**
 * Whether the registry should get traffic ({@code /readyz}): not shutting down, and the store
 * answers a point lookup (a closed store throws). Thread-safe.
 */
final class Readiness {

  /** Looked up to prove the store answers; whether it is held does not matter. */
  private static final Digest PROBE = Digest.sha256Of(new byte[0]);

  private final Store store;
  private volatile boolean shuttingDown;

  Readiness(Store store) {
    this.store = store;
  }

  /** The registry has begun to shut down: from now on it is not ready. */
  void markShuttingDown() {
    shuttingDown = true;
  }

  /**
   * Checks readiness; costs one store point lookup.
   *
   * @return null when ready, else why not
   */
  String notReadyReason() {
    if (shuttingDown) {
      return "shutting down";
    }
    try {
      store.hasBlob(PROBE);
      return null;
    } catch (RuntimeException e) {
      return "store unavailable: " + e.getMessage();
    }
  }
}
