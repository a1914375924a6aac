package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * A blob being read, as a stream and as a channel, whichever way it is kept: chunk rows ({@link
 * ChunkInputStream}) or a file ({@link FileBlobStream}). {@link Store#openBlob} and {@link
 * Store#openBlobChannel} hand these out.
 *
 * <p>The caller closes it. Closing the store releases it too (reads then fail with an IOException).
 * Not thread-safe: one reader at a time.
 */
abstract class BlobStream extends InputStream implements ReadableByteChannel, Db.Dependent {

  /**
   * Limits the stream to the next {@code length} bytes (the end of an HTTP range).
   *
   * @param length the bytes still to read at most
   */
  abstract void limit(long length);

  /**
   * Opens a blob: reads its record from one RocksDB snapshot, then its chunks from that snapshot,
   * or its file. The caller holds the database's lifecycle lock ({@link Db#enter}).
   *
   * @param db the database
   * @param files the blob files
   * @param digest the blob
   * @param offset the first byte to read, 0 to size
   * @return the stream; the caller closes it
   * @throws StoreException BLOB_UNKNOWN if absent, CORRUPT if the first chunk or the file is
   *     damaged or missing
   * @throws IllegalArgumentException if the offset is outside the blob
   */
  static BlobStream open(Db db, BlobFiles files, Digest digest, long offset) {
    Snapshot snapshot = db.db.getSnapshot();
    Keys.BlobRecord r;
    try {
      r = record(db, snapshot, digest);
      if (offset < 0 || offset > r.size()) {
        throw new IllegalArgumentException(
            "Tried to read blob "
                + digest
                + " from offset "
                + offset
                + " but failed because "
                + "the blob has "
                + r.size()
                + " bytes: give an offset from 0 to the size");
      }
    } catch (RuntimeException e) {
      db.db.releaseSnapshot(snapshot);
      throw e;
    }
    if (r.inFile()) {
      // The file is immutable and outlives its unlink while open: no snapshot needed.
      db.db.releaseSnapshot(snapshot);
      return FileBlobStream.open(db, files, digest, r, offset);
    }
    // The stream owns the snapshot from here, and releases it even if it fails to open.
    return new ChunkInputStream(db, digest, r, offset, snapshot);
  }

  /**
   * Reads a blob record as of a snapshot (or the latest state if null).
   *
   * @throws StoreException BLOB_UNKNOWN if absent
   */
  static Keys.BlobRecord record(Db db, Snapshot snapshot, Digest digest) {
    byte[] v;
    try (ReadOptions ro = new ReadOptions()) {
      if (snapshot != null) {
        ro.setSnapshot(snapshot);
      }
      v = db.db.get(db.blobs, ro, Keys.digest(digest));
    } catch (RocksDBException e) {
      throw Db.io("look up blob " + digest, e);
    }
    if (v == null) {
      throw new StoreException(
          StoreException.Code.BLOB_UNKNOWN,
          "Tried to read blob "
              + digest
              + " but failed because the store at "
              + db.dir
              + " does not hold it: add the image that uses it");
    }
    return Keys.BlobRecord.decode(digest, v);
  }
}
