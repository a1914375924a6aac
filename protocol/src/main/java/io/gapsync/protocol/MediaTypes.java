package io.gapsync.protocol;

import java.util.Set;

/**
 * Media type constants of the OCI image spec v1.1 and Docker image manifest v2 schema 2, and the
 * ones gapsync defines itself.
 */
public final class MediaTypes {

  /** OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  /** OCI image config. */
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

  /** OCI uncompressed layer. */
  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

  /** OCI gzip layer. */
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

  /** OCI zstd layer. */
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

  /** OCI non-distributable gzip layer (deprecated but still seen). */
  public static final String OCI_LAYER_NONDIST_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

  /** OCI 1.1 empty descriptor ({@code {}}), used as the config of artifacts. */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  /** Docker schema 2 manifest. */
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";

  /** Docker manifest list. */
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";

  /** Docker container config. */
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  /** Docker gzip layer. */
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";

  /** Docker uncompressed layer (as docker-archive holds them). */
  public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

  /** Docker foreign layer. */
  public static final String DOCKER_LAYER_FOREIGN =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  /** The artifact type gapsync gives a generic file added with {@code file:PATH}. */
  public static final String GAPSYNC_FILE_ARTIFACT = "application/vnd.gapsync.file.v1";

  /** The layer media type of a generic file's content. */
  public static final String OCTET_STREAM = "application/octet-stream";

  /** Media types of single-image manifests. */
  public static final Set<String> IMAGE_MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);

  /** Media types of indexes (multi-platform lists). */
  public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);

  private MediaTypes() {}

  /** Returns true if the media type is one of the four manifest kinds gapsync stores. */
  public static boolean isManifest(String mediaType) {
    return IMAGE_MANIFESTS.contains(mediaType) || INDEXES.contains(mediaType);
  }

  /** Returns true if the media type is an index or manifest list. */
  public static boolean isIndex(String mediaType) {
    return INDEXES.contains(mediaType);
  }
}
