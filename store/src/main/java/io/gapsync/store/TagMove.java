package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.util.Objects;

/**
 * One compare-and-set tag update for {@link Store#moveTags}: point {@code repository:tag} at {@code
 * target}, but only if it points at {@code expected} now.
 *
 * <p>The names are checked once, here, with the grammar {@link Store#tag} uses.
 *
 * @param repository the repository
 * @param tag the tag
 * @param expected the manifest the tag must point at when the move is applied, or null if the tag
 *     must be absent
 * @param target the manifest to point the tag at; the store must hold it
 */
public record TagMove(String repository, String tag, Digest expected, Digest target) {

  /**
   * Checks the names and the target.
   *
   * @throws StoreException NAME_INVALID if the repository or tag is not valid
   * @throws NullPointerException if target is null
   */
  public TagMove {
    TagIndex.checkNames(repository, tag);
    Objects.requireNonNull(target, "target");
  }

  /** Returns {@code repository:tag}. */
  public String reference() {
    return repository + ":" + tag;
  }
}
