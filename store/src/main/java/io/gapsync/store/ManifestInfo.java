package io.gapsync.store;

import io.gapsync.protocol.Digest;

/**
 * A manifest the store holds, without its bytes.
 *
 * @param digest the digest
 * @param mediaType the media type
 * @param size the size in bytes
 */
public record ManifestInfo(Digest digest, String mediaType, long size) {}
