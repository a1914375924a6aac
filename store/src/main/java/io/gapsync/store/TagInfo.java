package io.gapsync.store;

import io.gapsync.protocol.Digest;

/**
 * A tag: repository and tag name pointing at a manifest.
 *
 * @param repository the repository
 * @param tag the tag
 * @param digest the manifest digest
 */
public record TagInfo(String repository, String tag, Digest digest) {

  /** Returns {@code repository:tag}. */
  public String reference() {
    return repository + ":" + tag;
  }
}
