package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.store.IngestLease;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Pins pushed content against {@link Store#gc()} until the manifest that uses it can arrive.
 *
 * <p>A client pushes blobs (and, for an index, child manifests by digest) before the manifest or
 * tag that makes them reachable. Each repository has one {@link IngestLease}; every blob committed
 * or mounted and every manifest put in that repository is pinned in it. The lease is released when
 * the repository has seen no push for the upload session timeout. It is deliberately not released
 * when a manifest arrives: another push into the same repository may still be between its blobs and
 * its manifest. Thread-safe: a lease is used and expired inside the map's per-key lock, so a lease
 * is never used after it closes.
 */
final class PushLeases {

  private final Store store;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Entry> leases = new ConcurrentHashMap<>();

  /** A repository's lease, what it pins (to re-pin on {@link #unpin}) and when it was used. */
  private static final class Entry {
    IngestLease lease;
    final Set<Digest> pinned = new HashSet<>();
    Instant lastUsed;

    Entry(IngestLease lease, Instant now) {
      this.lease = lease;
      this.lastUsed = now;
    }
  }

  PushLeases(Store store, Duration ttl, Clock clock) {
    this.store = store;
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * Stores content with the repository's lease (created if needed), which the store pins atomically
   * with the write, and returns the result. The action must be short: it holds the repository's
   * entry lock.
   */
  PutResult withLease(String repository, Function<IngestLease, PutResult> action) {
    PutResult[] result = new PutResult[1];
    leases.compute(
        repository,
        (k, e) -> {
          Entry entry = e != null ? e : new Entry(store.lease(), clock.instant());
          entry.lastUsed = clock.instant();
          result[0] = action.apply(entry.lease);
          entry.pinned.add(result[0].digest());
          return entry;
        });
    return result[0];
  }

  /** Pins a digest in the repository's lease. */
  void pin(String repository, Digest digest) {
    leases.compute(
        repository,
        (k, e) -> {
          Entry entry = e != null ? e : new Entry(store.lease(), clock.instant());
          entry.lastUsed = clock.instant();
          entry.lease.pin(digest);
          entry.pinned.add(digest);
          return entry;
        });
  }

  /**
   * Stops pinning a digest in the repository's lease (a client deletes what it pushed). A lease
   * cannot drop one pin, so the repository gets a new lease pinning the rest, then the old one is
   * released. Other repositories' pins of the same digest stay.
   */
  void unpin(String repository, Digest digest) {
    leases.computeIfPresent(
        repository,
        (k, e) -> {
          if (e.pinned.remove(digest)) {
            IngestLease fresh = store.lease();
            e.pinned.forEach(fresh::pin);
            IngestLease old = e.lease;
            e.lease = fresh;
            old.close();
          }
          return e;
        });
  }

  /**
   * Releases a repository's lease now: what it pinned is left to tags and other leases (the admin
   * socket's client releases the private repository of an import once its tags are set).
   *
   * @return true if the repository had a lease
   */
  boolean release(String repository) {
    boolean[] had = new boolean[1];
    leases.computeIfPresent(
        repository,
        (k, e) -> {
          e.lease.close();
          had[0] = true;
          return null;
        });
    return had[0];
  }

  /** Releases the leases of repositories idle for longer than the ttl; returns how many. */
  int expire() {
    Instant deadline = clock.instant().minus(ttl);
    int[] n = new int[1];
    for (String repo : leases.keySet()) {
      leases.computeIfPresent(
          repo,
          (k, e) -> {
            if (e.lastUsed.isBefore(deadline)) {
              e.lease.close();
              n[0]++;
              return null;
            }
            return e;
          });
    }
    return n[0];
  }

  /** Returns the number of repositories with a lease. */
  int size() {
    return leases.size();
  }

  /** Releases every lease. */
  void closeAll() {
    leases.values().forEach(e -> e.lease.close());
    leases.clear();
  }
}
