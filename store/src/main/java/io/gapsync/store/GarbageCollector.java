package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ProtocolException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Mark and sweep over the store. Runs with the store's writers excluded ({@link Store#gc()} holds
 * the write side of its gc lock), so the marked set cannot go stale while sweeping.
 *
 * <p>Roots: every tag target and every digest pinned by an open {@link IngestLease}. Marking
 * follows index children, image config and layers, and referrers of every marked manifest (a
 * signature lives as long as what it signs).
 *
 * <p>Space: chunks live in RocksDB blob files (BlobDB settings on the chunks column family). A
 * range delete only hides them; a blob file is freed once compaction has dropped every key that
 * points into it. The collector therefore compacts each chunk range it deleted, which costs little
 * (the chunk keys' SST files are small) and frees blob files holding only dead chunks.
 *
 * <p>Blobs kept in files ({@link BlobFiles}): the records go in the sweep's batch, the files are
 * unlinked after it commits (a crash in between leaves orphans, removed by the next full gc). A GET
 * that opened a file before keeps reading it after the unlink. A full gc also removes orphan files
 * (no record names them: a crash between rename and record) and temporary files no upload in
 * progress owns.
 */
final class GarbageCollector {

  /** Past this many deleted chunk ranges, one compaction of the whole family is cheaper. */
  private static final int COMPACT_RANGES_MAX = 64;

  private final Store store;
  private final Db db;
  private final ManifestIndex manifests;
  private final Set<Digest> candidates;
  private final Set<Digest> liveManifests = new HashSet<>();
  private final Set<Digest> liveBlobs = new HashSet<>();
  private final List<byte[]> deletedContent = new ArrayList<>();
  private final List<Digest> deletedFiles = new ArrayList<>();

  /**
   * Creates a collection.
   *
   * @param candidates the only digests that may be removed, or null for all (and orphan chunks)
   */
  GarbageCollector(Store store, Db db, ManifestIndex manifests, Set<Digest> candidates) {
    this.store = store;
    this.db = db;
    this.manifests = manifests;
    this.candidates = candidates;
  }

  GcReport run() {
    mark();
    long[] removedManifests = sweepManifests();
    long[] removedBlobs = sweepBlobs();
    unlinkDeletedFiles();
    long orphans = candidates == null ? sweepOrphanChunks() + sweepOrphanFiles() : 0;
    reclaimSpace();
    return new GcReport(
        removedManifests[0],
        removedBlobs[0],
        removedBlobs[1],
        orphans,
        removedManifests[1],
        removedBlobs[2]);
  }

  private void mark() {
    Deque<Digest> queue = new ArrayDeque<>();
    store.tags().forEach(t -> queue.add(t.digest()));
    for (Digest pinned : store.pinnedDigests()) {
      // A digest may name both a blob and a manifest (a manifest pushed as a blob): keep both.
      liveBlobs.add(pinned);
      queue.add(pinned);
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
      // Blob references include the artifact entries of an index (OCI 1.1).
      m.get().blobReferences().forEach(x -> liveBlobs.add(x.digest()));
      m.get().manifestReferences().forEach(x -> queue.add(x.digest()));
      manifests.referrers(d).forEach(r -> queue.add(r.digest()));
    }
  }

  private Optional<Manifest> parsed(Digest d) {
    try {
      return manifests.get(d);
    } catch (ProtocolException | StoreException e) {
      // A damaged manifest is fsck's to report; gc keeps it and what it may reference.
      return Optional.empty();
    }
  }

  private boolean removable(Digest d) {
    return candidates == null || candidates.contains(d);
  }

  /** Returns {removed, kept}. */
  private long[] sweepManifests() {
    long removed = 0;
    long kept = 0;
    try (RocksIterator it = db.db.newIterator(db.manifests);
        WriteBatch batch = new WriteBatch()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        Optional<Manifest> m =
            liveManifests.contains(d) || !removable(d) ? Optional.empty() : parsed(d);
        if (m.isEmpty()) {
          kept++;
          continue;
        }
        batch.delete(db.manifests, it.key());
        for (Digest child : ManifestIndex.children(m.get())) {
          batch.delete(db.refs, Keys.pair(child.toString(), d.toString()));
        }
        if (m.get().subject() != null) {
          batch.delete(
              db.referrers, Keys.pair(m.get().subject().digest().toString(), d.toString()));
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
        if (liveBlobs.contains(d) || !removable(d)) {
          kept++;
          continue;
        }
        Keys.BlobRecord r = Keys.BlobRecord.decode(d, it.value());
        batch.delete(db.blobs, it.key());
        if (r.inFile()) {
          deletedFiles.add(d);
        } else {
          batch.deleteRange(db.chunks, Keys.chunk(r.contentId(), 0), Keys.chunkEnd(r.contentId()));
          deletedContent.add(r.contentId());
        }
        removed++;
        bytes += r.size();
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("remove unreferenced blobs", e);
    }
    return new long[] {removed, bytes, kept};
  }

  /**
   * Removes chunk sets that no blob record names and no upload in progress owns. Uploads that begin
   * during the sweep register before writing a chunk, so they are never taken for orphans.
   */
  private long sweepOrphanChunks() {
    Set<String> owned = new HashSet<>();
    try (RocksIterator it = db.db.newIterator(db.blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        Keys.BlobRecord r = Keys.BlobRecord.decode(d, it.value());
        if (!r.inFile()) {
          owned.add(BlobIndex.hex(r.contentId()));
        }
      }
    }
    long removed = 0;
    try (RocksIterator it = db.db.newIterator(db.chunks);
        WriteBatch batch = new WriteBatch()) {
      it.seekToFirst();
      while (it.isValid()) {
        byte[] id = Keys.contentIdOf(it.key());
        if (!owned.contains(BlobIndex.hex(id)) && !store.blobs().isActiveUpload(id)) {
          batch.deleteRange(db.chunks, Keys.chunk(id, 0), Keys.chunkEnd(id));
          batch.delete(db.uploads, id);
          deletedContent.add(id);
          removed++;
        }
        // Jump to the next content id: chunk indexes are non-negative, chunkEnd is above them all.
        it.seek(Keys.chunkEnd(id));
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("remove chunks of abandoned uploads", e);
    }
    return removed;
  }

  /** Unlinks the files of the blobs whose records the sweep deleted (committed already). */
  private void unlinkDeletedFiles() {
    for (Digest d : deletedFiles) {
      store.blobs().files().delete(d);
    }
  }

  /**
   * Removes blob files no file record names (a crash between the rename and the record) and
   * temporary files no upload in progress owns. Publishing holds the gc lock's shared side from the
   * rename to the record, so no file in between is seen here.
   */
  private long sweepOrphanFiles() {
    BlobFiles files = store.blobs().files();
    List<Digest> orphans = new ArrayList<>();
    files.forEach(
        (d, path) -> {
          if (d != null && !store.blobRecord(d).map(Keys.BlobRecord::inFile).orElse(false)) {
            orphans.add(d);
          }
        });
    orphans.forEach(files::delete);
    return orphans.size() + store.blobs().discardStaleTemps();
  }

  /** Compacts the deleted chunk ranges so RocksDB can free the blob files behind them. */
  private void reclaimSpace() {
    if (deletedContent.isEmpty()) {
      return;
    }
    try {
      if (deletedContent.size() > COMPACT_RANGES_MAX) {
        db.db.compactRange(db.chunks);
        return;
      }
      for (byte[] id : deletedContent) {
        db.db.compactRange(db.chunks, Keys.chunk(id, 0), Keys.chunkEnd(id));
      }
    } catch (RocksDBException e) {
      throw Db.io("compact the chunks of removed blobs", e);
    }
  }
}
