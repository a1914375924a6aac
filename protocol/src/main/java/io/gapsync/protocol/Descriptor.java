package io.gapsync.protocol;

import java.util.Map;

/**
 * An OCI content descriptor: what a manifest or index says about a piece of content it references.
 * Only the fields gapsync acts on are modelled; manifests themselves are kept as their exact bytes,
 * so nothing here is ever serialised back into a manifest.
 *
 * @param mediaType the media type
 * @param digest the digest
 * @param size the size in bytes, never negative
 * @param platform the platform (index entries only), or null
 * @param artifactType the artifact type (OCI 1.1), or null
 * @param annotations the annotations, never null
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Platform platform,
    String artifactType,
    Map<String, String> annotations) {

  /** Validates the fields. */
  public Descriptor {
    if (mediaType == null || mediaType.isEmpty()) {
      throw new ProtocolException(
          ProtocolException.Code.MANIFEST_INVALID, "Descriptor of " + digest + " has no mediaType");
    }
    if (digest == null) {
      throw new ProtocolException(
          ProtocolException.Code.MANIFEST_INVALID, "Descriptor has no digest");
    }
    if (size < 0) {
      throw new ProtocolException(
          ProtocolException.Code.MANIFEST_INVALID,
          "Descriptor of " + digest + " has a negative size " + size);
    }
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** Creates a descriptor with no platform, artifact type or annotations. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, null, Map.of());
  }
}
