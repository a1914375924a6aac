package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;

/**
 * A tag the archive sets or moves at the receiving site.
 *
 * @param repository the repository
 * @param tag the tag
 * @param from what the tag pointed at in the inventory the archive was computed against, or null if
 *     the site had no such tag
 * @param to the manifest it must point at
 */
public record TagUpdate(String repository, String tag, Digest from, Digest to) {

  /** Validates the fields. */
  public TagUpdate {
    if (repository == null
        || repository.isEmpty()
        || repository.length() > 255
        || tag == null
        || !tag.matches("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
        || to == null) {
      throw new ArchiveException(
          ArchiveException.Reason.STATEMENT_INVALID,
          "Archive tag update " + repository + ":" + tag + " is invalid: bad name or no target");
    }
  }

  /** Returns {@code repository:tag}. */
  public String reference() {
    return repository + ":" + tag;
  }
}
