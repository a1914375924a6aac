package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ProtocolException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Mark and sweep over the store. Runs with the store's writers excluded ({@link Store#gc()}
 * holds the write side of its lock), so the marked set cannot go stale while sweeping.
 *
 * <p>Roots: every tag target and every digest pinned by an open {@link IngestLease}. Marking
 * follows index children, image config and layers, and referrers of every marked manifest (a
 * signature lives as long as what it signs).
 */
final class GarbageCollector {

  private final Store store;
  private final Db db;
  private final Set<Digest> liveManifests = new HashSet<>();
  private final Set<Digest> liveBlobs = new HashSet<>();

  GarbageCollector(Store store, Db db) {
    this.store = store;
    this.db = db;
  }

  GcReport run() {
    Deque<Digest> queue = new ArrayDeque<>();
    store.tags().forEach(t -> queue.add(t.digest()));
    for (Digest pinned : store.pinnedDigests()) {
      if (store.hasManifest(pinned)) {
        queue.add(pinned);
      } else {
        liveBlobs.add(pinned);
      }
    }
    while (!queue.isEmpty()) {
      Digest d = queue.poll();
      if (!liveManifests.add(d)) {
        continue;
      }
      Optional<Manifest> m = parsed(d);
      if (m.isEmpty()) {
        continue;
      }
      m.get().blobReferences().forEach(x -> liveBlobs.add(x.digest()));
      m.get().manifests().forEach(x -> queue.add(x.digest()));
      store.referrers(d).forEach(r -> queue.add(r.digest()));
    }
    long[] manifests = sweepManifests();
    long[] blobs = sweepBlobs();
    long orphans = sweepOrphanChunks();
    return new GcReport(manifests[0], blobs[0], blobs[1], orphans, manifests[1], blobs[2]);
  }

  private Optional<Manifest> parsed(Digest d) {
    try {
      return store.manifest(d);
    } catch (ProtocolException | StoreException e) {
      // A damaged manifest is fsck's to report; gc keeps it and what it may reference.
      return Optional.empty();
    }
  }

  /** Returns {removed, kept}. */
  private long[] sweepManifests() {
    long removed = 0;
    long kept = 0;
    try (RocksIterator it = db.db.newIterator(db.manifests);
        WriteBatch batch = new WriteBatch()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        if (liveManifests.contains(d)) {
          kept++;
          continue;
        }
        Optional<Manifest> m = parsed(d);
        if (m.isEmpty()) {
          kept++;
          continue;
        }
        batch.delete(db.manifests, it.key());
        for (Digest child : Store.children(m.get())) {
          batch.delete(db.refs, Keys.pair(child.toString(), d.toString()));
        }
        if (m.get().subject() != null) {
          batch.delete(db.referrers, Keys.pair(m.get().subject().digest().toString(), d.toString()));
        }
        removed++;
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("remove unreferenced manifests", e);
    }
    return new long[] {removed, kept};
  }

  /** Returns {removed, bytes removed, kept}. */
  private long[] sweepBlobs() {
    long removed = 0;
    long bytes = 0;
    long kept = 0;
    try (RocksIterator it = db.db.newIterator(db.blobs);
        WriteBatch batch = new WriteBatch()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        if (liveBlobs.contains(d)) {
          kept++;
          continue;
        }
        Keys.BlobRecord r = Keys.BlobRecord.decode(d, it.value());
        batch.delete(db.blobs, it.key());
        batch.deleteRange(db.chunks, Keys.chunk(r.contentId(), 0), Keys.chunkEnd(r.contentId()));
        removed++;
        bytes += r.size();
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("remove unreferenced blobs", e);
    }
    return new long[] {removed, bytes, kept};
  }

  /** Removes chunk sets that no blob record names and no upload in progress owns. */
  private long sweepOrphanChunks() {
    Set<String> owned = new HashSet<>();
    try (RocksIterator it = db.db.newIterator(db.blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        owned.add(Store.hex(Keys.BlobRecord.decode(d, it.value()).contentId()));
      }
    }
    long removed = 0;
    try (RocksIterator it = db.db.newIterator(db.chunks);
        WriteBatch batch = new WriteBatch()) {
      it.seekToFirst();
      while (it.isValid()) {
        byte[] id = Keys.contentIdOf(it.key());
        if (!owned.contains(Store.hex(id)) && !store.isActiveUpload(id)) {
          batch.deleteRange(db.chunks, Keys.chunk(id, 0), Keys.chunkEnd(id));
          removed++;
        }
        it.seek(Keys.chunkEnd(id));
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("remove chunks of abandoned uploads", e);
    }
    return removed;
  }
}
