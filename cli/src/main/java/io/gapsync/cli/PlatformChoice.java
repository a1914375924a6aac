package io.gapsync.cli;

import io.gapsync.protocol.Platform;

/**
 * Which platforms of a multi-platform image to keep. {@code null} platform means all: the index is
 * kept with its exact bytes and every platform's manifest. A single platform keeps only that
 * platform's image manifest, and the tag points at it (the index bytes cannot be kept, since they
 * list manifests the store would not hold).
 *
 * @param platform the one platform to keep, or null for all
 */
record PlatformChoice(Platform platform) {

  /** Keep every platform. */
  static final PlatformChoice ALL = new PlatformChoice(null);

  boolean all() {
    return platform == null;
  }
}
