package io.gapsync.store;

import io.gapsync.protocol.Digest;

/**
 * The outcome of storing content: what it was and whether it was new. "Already present" is a
 * success (content-addressed writes are idempotent).
 *
 * @param digest the verified digest
 * @param size the size in bytes
 * @param created true if this call added it, false if the store held it already
 */
public record PutResult(Digest digest, long size, boolean created) {}
