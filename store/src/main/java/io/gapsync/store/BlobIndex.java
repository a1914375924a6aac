package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The {@code blobs}, {@code chunks} and {@code uploads} column families: blob records, their
 * chunks, and the uploads in progress. Callers (the {@link Store}, {@link BlobUpload}) hold the
 * database lifecycle lock; publishing also holds the gc lock's read side.
 *
 * <p>Every chunk set is owned either by a blob record (published) or by an {@code uploads} entry
 * (unfinished): an upload records itself before its first chunk, and publishing swaps the entry for
 * the record in one write batch. Uploads of this process are also kept in memory, so gc can tell an
 * upload in progress from one a crash left behind.
 */
final class BlobIndex {

  private final Db db;
  private final BlobFiles files;
  private final Object commitLock = new Object();
  private final Set<String> activeUploads = ConcurrentHashMap.newKeySet();

  BlobIndex(Db db, BlobFiles files) {
    this.db = db;
    this.files = files;
  }

  /** The blob files. */
  BlobFiles files() {
    return files;
  }

  Optional<Keys.BlobRecord> record(Digest digest) {
    try {
      byte[] v = db.db.get(db.blobs, Keys.digest(digest));
      return v == null ? Optional.empty() : Optional.of(Keys.BlobRecord.decode(digest, v));
    } catch (RocksDBException e) {
      throw Db.io("look up blob " + digest, e);
    }
  }

  void forEach(Consumer<BlobInfo> visitor) {
    try (RocksIterator it = db.db.newIterator(db.blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        visitor.accept(new BlobInfo(d, Keys.BlobRecord.decode(d, it.value()).size()));
      }
    }
  }

  /**
   * Publishes a verified upload, or drops its chunks (or file) if the blob is already held. A file
   * is renamed into place (durably) before the record is committed. Thread-safe: one publisher at a
   * time, so the presence check and the write cannot interleave.
   *
   * @param contentId the upload's content id (its chunks' prefix, its temporary file's name)
   */
  PutResult publish(Digest digest, Keys.BlobRecord record, byte[] contentId, IngestLease lease) {
    synchronized (commitLock) {
      if (lease != null) {
        lease.pin(digest);
      }
      Optional<Keys.BlobRecord> existing = record(digest);
      if (existing.isPresent()) {
        discard(contentId);
        return new PutResult(digest, existing.get().size(), false);
      }
      if (record.inFile()) {
        files.publish(files.tempPath(contentId), digest);
      }
      try (WriteBatch batch = new WriteBatch()) {
        batch.put(db.blobs, Keys.digest(digest), record.encode());
        batch.delete(db.uploads, contentId);
        db.db.write(db.commitWrite, batch);
      } catch (RocksDBException e) {
        // The file, if any, stays as an orphan: gc removes it.
        throw Db.io("publish blob " + digest, e);
      }
      activeUploads.remove(hex(contentId));
      return new PutResult(digest, record.size(), true);
    }
  }

  /** Notes an upload of this process; called before its first chunk is written. */
  void register(byte[] contentId) {
    activeUploads.add(hex(contentId));
  }

  /**
   * Deletes an unpublished upload's chunks, temporary file and record. Thread-safe without the
   * commit lock: it touches only that content id, which no blob record names.
   */
  void discard(byte[] contentId) {
    try (WriteBatch batch = new WriteBatch()) {
      files.deleteTemp(contentId);
      batch.deleteRange(db.chunks, Keys.chunk(contentId, 0), Keys.chunkEnd(contentId));
      batch.delete(db.uploads, contentId);
      db.db.write(db.bulkWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("discard an unfinished blob upload", e);
    } finally {
      activeUploads.remove(hex(contentId));
    }
  }

  /** Returns true if an upload of this process owns the content id. */
  boolean isActiveUpload(byte[] contentId) {
    return activeUploads.contains(hex(contentId));
  }

  /**
   * Discards the uploads a crash cut short: at open, every recorded upload is one, and so is every
   * temporary file.
   */
  void discardStaleUploads() {
    List<byte[]> stale = new ArrayList<>();
    try (RocksIterator it = db.db.newIterator(db.uploads)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        stale.add(it.key());
      }
    }
    stale.forEach(this::discard);
    discardStaleTemps();
  }

  /**
   * Deletes the temporary files no upload of this process owns (this process holds the store
   * read-write, so nobody else writes there); an upload registers before it creates its file.
   *
   * @return how many were deleted
   */
  long discardStaleTemps() {
    long n = 0;
    for (String id : files.temps()) {
      if (!activeUploads.contains(id)) {
        files.deleteTemp(id);
        n++;
      }
    }
    return n;
  }

  /** Returns the temporary files no upload of this process owns (for fsck). */
  List<String> staleTemps() {
    return files.temps().stream().filter(id -> !activeUploads.contains(id)).toList();
  }

  /**
   * Counts the content ids that have chunks, orphans included: a scan of the whole chunks column
   * family, for tests and diagnostics.
   */
  long chunkSetCount() {
    long n = 0;
    try (RocksIterator it = db.db.newIterator(db.chunks)) {
      for (it.seekToFirst(); it.isValid(); it.seek(Keys.chunkEnd(Keys.contentIdOf(it.key())))) {
        n++;
      }
    }
    return n;
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
