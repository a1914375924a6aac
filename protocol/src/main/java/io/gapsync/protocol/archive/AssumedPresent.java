package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;

/**
 * Content the archive's manifests need that the receiving site held when its inventory was taken,
 * so the archive does not carry it. An importer refuses the archive while any is missing.
 *
 * @param digest the digest
 * @param kind blob or manifest
 */
public record AssumedPresent(Digest digest, EntryKind kind) {

  /** Validates the fields. */
  public AssumedPresent {
    if (digest == null || kind == null) {
      throw new ArchiveException(
          ArchiveException.Reason.STATEMENT_INVALID,
          "An assumed-present digest needs a digest and kind");
    }
  }
}
