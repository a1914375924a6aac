package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.InventoryEntry;

/**
 * One entry of an archive statement: what the content is and how it is stored.
 *
 * @param digest the content digest (sha256)
 * @param size the content size in bytes
 * @param mediaType the media type (of the descriptor that references a blob, of the manifest)
 * @param kind blob or manifest
 * @param encoding how the bytes are stored, see {@link EntryEncoding}
 * @param base for patch encodings (not in version 1): the digest the patch applies to; else null
 * @param storedSize the number of stored bytes in the archive
 * @param storedDigest the sha256 of the stored bytes
 */
public record ArchiveEntry(
    Digest digest,
    long size,
    String mediaType,
    EntryKind kind,
    String encoding,
    Digest base,
    long storedSize,
    Digest storedDigest) {

  /** Validates the fields (structure only; {@link ArchiveStatement} checks the encodings). */
  public ArchiveEntry {
    if (digest == null || kind == null || encoding == null || storedDigest == null) {
      throw invalid(digest, "a digest, kind, encoding or storedDigest is missing");
    }
    if (digest.algorithm() != DigestAlgorithm.SHA256
        || storedDigest.algorithm() != DigestAlgorithm.SHA256) {
      throw invalid(digest, "archives carry sha256 digests only");
    }
    if (size < 0
        || size > InventoryEntry.MAX_SIZE
        || storedSize < 0
        || storedSize > InventoryEntry.MAX_SIZE) {
      throw invalid(digest, "its size or storedSize is outside 0.." + InventoryEntry.MAX_SIZE);
    }
    if (mediaType == null || mediaType.isEmpty() || mediaType.length() > 255) {
      throw invalid(digest, "its mediaType is missing or longer than 255 characters");
    }
    if (encoding.equals(EntryEncoding.IDENTITY)
        && (storedSize != size || !storedDigest.equals(digest))) {
      throw invalid(digest, "it is stored as identity but its stored size or digest differs");
    }
  }

  private static ArchiveException invalid(Digest d, String why) {
    return new ArchiveException(
        ArchiveException.Reason.STATEMENT_INVALID, "Archive entry " + d + " is invalid: " + why);
  }
}
