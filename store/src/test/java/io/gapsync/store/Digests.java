package io.gapsync.store;

import io.gapsync.protocol.Digest;

/** Digests used across tests. */
final class Digests {

  /** sha256 of nothing. */
  static final Digest EMPTY = Digest.sha256Of(new byte[0]);

  /** A digest no test stores. */
  static final Digest ABSENT = Digest.sha256Of("never stored");

  private Digests() {}
}
