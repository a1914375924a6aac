package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Protects content that an ingest has stored but not yet tagged from garbage collection.
 *
 * <p>An ingest writes blobs first, then the manifests that use them, then the tag: between those
 * steps the content is unreferenced, and a concurrent {@link Store#gc()} would reclaim it. Pin each
 * digest as it is stored; {@link Store#gc()} treats pinned digests (and everything a pinned
 * manifest references) as live. Close the lease when the ingest is done, in a try-with-resources
 * block.
 */
public final class IngestLease implements AutoCloseable {

  private final Store store;
  private final Set<Digest> pinned = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  IngestLease(Store store) {
    this.store = store;
  }

  /**
   * Pins a blob or manifest digest until the lease closes. Pin before storing the content (or pass
   * the lease to the put): content stored first is unprotected until pinned.
   *
   * @throws IllegalStateException if the lease is closed
   */
  public void pin(Digest digest) {
    if (closed) {
      throw new IllegalStateException(
          "Tried to pin "
              + digest
              + " but failed because the ingest lease is closed: take a new "
              + "lease with Store.lease()");
    }
    pinned.add(digest);
  }

  Set<Digest> pinned() {
    return pinned;
  }

  /** Releases the pins. Safe to call more than once. */
  @Override
  public void close() {
    closed = true;
    store.releaseLease(this);
  }
}
