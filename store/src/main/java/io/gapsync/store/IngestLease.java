package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Protects content that an ingest has stored but not yet tagged from garbage collection.
 *
 * <p>An ingest writes blobs first, then the manifests that use them, then the tag: between those
 * steps the content is unreferenced, and a concurrent {@link Store#gc()} would reclaim it. Pin
 * each digest as it is stored; {@link Store#gc()} treats pinned digests (and everything a pinned
 * manifest references) as live. Close the lease when the ingest is done, in a
 * try-with-resources block.
 */
public final class IngestLease implements AutoCloseable {

  private final Store store;
  private final Set<Digest> pinned = ConcurrentHashMap.newKeySet();

  IngestLease(Store store) {
    this.store = store;
  }

  /** Pins a blob or manifest digest until the lease closes. */
  public void pin(Digest digest) {
    pinned.add(digest);
  }

  Set<Digest> pinned() {
    return pinned;
  }

  @Override
  public void close() {
    store.releaseLease(this);
  }
}
