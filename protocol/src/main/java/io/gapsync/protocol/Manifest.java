package io.gapsync.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A parsed manifest together with its exact bytes. The bytes are the truth (their digest is the
 * manifest's identity); the parsed fields are a read-only view used to walk references.
 *
 * <p>Covers the OCI image manifest (including OCI 1.1 artifacts with {@code artifactType} and
 * {@code subject}), the OCI image index, the Docker schema 2 manifest and the Docker manifest list.
 * Create instances with {@link ManifestParser}.
 *
 * @param bytes the exact bytes; callers must not modify the array
 * @param digest the sha256 digest of the bytes
 * @param mediaType the manifest media type (from the document, or the declared one)
 * @param config the config descriptor (image manifests), or null for indexes
 * @param layers the layer descriptors (image manifests), empty for indexes
 * @param manifests the child manifest descriptors (indexes), empty for image manifests
 * @param subject the OCI 1.1 subject descriptor, or null
 * @param artifactType the artifact type (explicit, else the config media type of an artifact), or
 *     null
 */
public record Manifest(
    byte[] bytes,
    Digest digest,
    String mediaType,
    Descriptor config,
    List<Descriptor> layers,
    List<Descriptor> manifests,
    Descriptor subject,
    String artifactType) {

  /** Validates the fields. */
  public Manifest {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    layers = List.copyOf(layers);
    manifests = List.copyOf(manifests);
  }

  /** Returns true for an index or manifest list. */
  public boolean isIndex() {
    return MediaTypes.isIndex(mediaType);
  }

  /** Returns the size in bytes. */
  public long size() {
    return bytes.length;
  }

  /**
   * Returns the blobs this manifest references directly: the config and the layers of an image
   * manifest; for an index, the entries that are not manifests (OCI 1.1 lets an index list
   * artifacts of any media type, and gapsync holds those as blobs).
   */
  public List<Descriptor> blobReferences() {
    if (isIndex()) {
      return manifests.stream().filter(d -> !MediaTypes.isManifest(d.mediaType())).toList();
    }
    List<Descriptor> out = new ArrayList<>(layers.size() + 1);
    if (config != null) {
      out.add(config);
    }
    out.addAll(layers);
    return out;
  }

  /**
   * Returns the manifests this manifest references directly: the entries of an index whose media
   * type is a manifest or index type. Image manifests reference none (their subject is a reference
   * the other way round).
   */
  public List<Descriptor> manifestReferences() {
    return manifests.stream().filter(d -> MediaTypes.isManifest(d.mediaType())).toList();
  }

  /** Returns a descriptor of this manifest itself. */
  public Descriptor descriptor() {
    return new Descriptor(mediaType, digest, bytes.length, null, artifactType, java.util.Map.of());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m && m.digest.equals(digest);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return "Manifest[" + mediaType + " " + digest + " " + bytes.length + " bytes]";
  }
}
