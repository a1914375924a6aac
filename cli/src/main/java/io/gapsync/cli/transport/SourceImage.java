package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import java.util.Objects;

/**
 * One root manifest selected from an image source.
 *
 * @param refName the name (tag) the image had in the source, e.g. the {@code
 *     org.opencontainers.image.ref.name} annotation of an OCI layout or the tag of a docker-archive
 *     RepoTag; null if it had none
 * @param descriptor the descriptor of the root manifest (an image manifest or an index)
 */
public record SourceImage(String refName, Descriptor descriptor) {

  /** Validates the fields. */
  public SourceImage {
    Objects.requireNonNull(descriptor, "descriptor");
    if (refName != null && refName.isEmpty()) {
      refName = null;
    }
  }
}
