package io.gapsync.daemon.registry;

import io.gapsync.store.Store;
import java.util.Map;

/**
 * Remembers the repositories whose last tag a registry DELETE removed, so that they stay "found".
 *
 * <p>A repository is what owns tags here, so one without tags would otherwise be unknown and its
 * tag list 404 NAME_UNKNOWN. The distribution spec ("Listing Tags") says: "Assuming a repository is
 * found, this request MUST return a 200 OK response code. The list of tags MAY be empty if there
 * are no tags on the repository", and the conformance suite's content-management workflow deletes a
 * repository's only tag and then expects 200 with fewer tags. The distribution registry answers the
 * same way (its repository folder outlives the tags). So a DELETE that leaves a repository without
 * tags records the metadata key {@code registry/emptied/<name>} (docs/FORMAT.md, 4.8); {@link
 * DiscoveryRoutes} answers 200 with an empty list for such a repository. A repository that never
 * had a tag stays unknown (404), as in the distribution registry.
 *
 * <p>The marker is written after the untag, in a write of its own: a crash in between leaves the
 * repository unknown (404 instead of an empty 200), nothing worse. Nothing removes it: it costs one
 * small key per emptied repository, and {@code gc} and {@code fsck} never read it.
 */
final class EmptiedRepositories {

  /** The metadata key prefix (the store adds its own {@code x/}). */
  static final String KEY_PREFIX = "registry/emptied/";

  private EmptiedRepositories() {}

  /**
   * Records the repository as emptied if it has no tag left; called after a DELETE untagged.
   *
   * @throws io.gapsync.store.StoreException as {@link Store#putMeta}
   */
  static void rememberIfEmpty(Store store, String repository) {
    if (store.tags(repository).isEmpty()) {
      store.putMeta(Map.of(KEY_PREFIX + repository, "emptied"));
    }
  }

  /** Returns true if a registry DELETE once removed the repository's last tag. */
  static boolean wasEmptied(Store store, String repository) {
    return store.meta(KEY_PREFIX + repository).isPresent();
  }
}
