package io.gapsync.store;

import io.gapsync.protocol.Digest;

/**
 * A blob the store holds.
 *
 * @param digest the digest
 * @param size the size in bytes
 */
public record BlobInfo(Digest digest, long size) {}
