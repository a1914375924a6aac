package io.gapsync.store;

import io.gapsync.protocol.Digest;

/**
 * A manifest that names another as its OCI 1.1 {@code subject} (a signature, an SBOM, an
 * attestation).
 *
 * @param digest the referrer manifest's digest
 * @param mediaType the referrer manifest's media type
 * @param artifactType its artifact type, or null
 * @param size its size in bytes
 */
public record Referrer(Digest digest, String mediaType, String artifactType, long size) {}
