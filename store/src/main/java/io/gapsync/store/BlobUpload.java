package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * A blob being written: an {@link OutputStream} that hashes, counts and stores what it is given in
 * chunks under a fresh content id. Nothing is visible until {@link #commit} verifies the digest and
 * publishes the blob record in one atomic write (STYLE rules 4 and 5).
 *
 * <p>Once the bytes written reach {@link StoreOptions#fileThresholdBytes()}, the upload moves to a
 * temporary file ({@code blobs/tmp/<content id>}, {@link BlobFiles}): the chunks written so far are
 * copied into it and dropped, and the rest goes to the file. Commit then forces the file (if {@link
 * StoreOptions#syncWrites()}), verifies digest and size, renames the file into place, forces the
 * folder, and only then commits the record: a crash before the record leaves an orphan file that
 * nobody sees (gc removes it).
 *
 * <p>Memory: one chunk buffer ({@link StoreOptions#chunkSizeBytes()}), whatever the blob size.
 *
 * <p>Not thread-safe: one writer at a time. The caller closes it; closing without a commit discards
 * the chunks. If the store closes first, the upload is abandoned and its chunks are discarded the
 * next time the store opens. Obtain one from {@link Store#beginUpload()}.
 */
public final class BlobUpload extends OutputStream implements Db.Dependent {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Store store;
  private final Db db;
  private final byte[] contentId = new byte[Keys.CONTENT_ID_LENGTH];
  private final byte[] buffer;
  private final MessageDigest sha256 = DigestAlgorithm.SHA256.newMessageDigest();
  private final BlobFiles files;
  private final long fileThreshold;
  private final boolean sync;
  private int buffered;
  private long chunkIndex;
  private long size;
  private volatile boolean finished;

  /** The temporary file once the upload reached the file threshold, else null. */
  private FileChannel file;

  /** Starts an upload; the caller holds the database's lifecycle lock. */
  BlobUpload(Store store, Db db, BlobFiles files, StoreOptions options) {
    this.store = store;
    this.db = db;
    this.files = files;
    this.buffer = new byte[options.chunkSizeBytes()];
    this.fileThreshold = options.fileThresholdBytes();
    this.sync = options.syncWrites();
    RANDOM.nextBytes(contentId);
    // Record the upload before any chunk, so that a crash leaves a trace the next open cleans.
    try {
      db.db.put(
          db.uploads,
          db.bulkWrite,
          contentId,
          Keys.utf8(Long.toString(System.currentTimeMillis())));
    } catch (RocksDBException e) {
      throw Db.io("start a blob upload", e);
    }
    store.blobs().register(contentId);
    db.track(this);
  }

  /** Returns the number of bytes written so far. */
  public long size() {
    return size;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  /** Like {@link #write(byte[], int, int)} over the whole array; throws no IOException. */
  @Override
  public void write(byte[] b) {
    write(b, 0, b.length);
  }

  /**
   * Hashes and stores bytes, a chunk at a time.
   *
   * @throws StoreException IO if a chunk cannot be stored, CLOSED if the store has closed
   * @throws IllegalStateException if the upload was committed or closed
   */
  @Override
  public void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    checkOpen();
    sha256.update(b, off, len);
    while (len > 0) {
      int n = Math.min(len, buffer.length - buffered);
      System.arraycopy(b, off, buffer, buffered, n);
      buffered += n;
      size += n;
      off += n;
      len -= n;
      if (file == null && size >= fileThreshold) {
        moveToFile();
      }
      if (buffered == buffer.length) {
        flushChunk();
      }
    }
  }

  /**
   * Moves the upload to its temporary file: copies the chunks stored so far into it (only when the
   * threshold is above the chunk size), then drops them.
   */
  private void moveToFile() {
    db.enter("move a blob upload to its file");
    try {
      file = files.createTemp(contentId);
      if (chunkIndex > 0) {
        try (RocksIterator it = db.db.newIterator(db.chunks)) {
          long expected = 0;
          for (it.seek(Keys.chunk(contentId, 0));
              it.isValid() && expected < chunkIndex;
              it.next(), expected++) {
            if (Keys.chunkIndexOf(it.key()) != expected
                || !Arrays.equals(Keys.contentIdOf(it.key()), contentId)) {
              throw new StoreException(
                  StoreException.Code.CORRUPT,
                  "Tried to move chunk "
                      + expected
                      + " of a blob upload to its file but it is"
                      + " missing: the store is damaged, run gapsync fsck");
            }
            writeFully(ByteBuffer.wrap(it.value()));
          }
          if (expected != chunkIndex) {
            throw new StoreException(
                StoreException.Code.CORRUPT,
                "Tried to move chunk "
                    + expected
                    + " of a blob upload to its file but it is missing: the store is damaged,"
                    + " run gapsync fsck");
          }
        }
        db.db.deleteRange(
            db.chunks, db.bulkWrite, Keys.chunk(contentId, 0), Keys.chunkEnd(contentId));
        chunkIndex = 0;
      }
    } catch (RocksDBException e) {
      throw Db.io("move a blob upload to its file", e);
    } finally {
      db.exit();
    }
  }

  private void writeFully(ByteBuffer src) {
    try {
      while (src.hasRemaining()) {
        file.write(src);
      }
    } catch (IOException e) {
      throw BlobFiles.io("write the temporary blob file " + files.tempPath(contentId), e);
    }
  }

  private void flushChunk() {
    if (buffered == 0) {
      return;
    }
    if (file != null) {
      writeFully(ByteBuffer.wrap(buffer, 0, buffered));
      buffered = 0;
      return;
    }
    byte[] value = buffered == buffer.length ? buffer : Arrays.copyOf(buffer, buffered);
    db.enter("store chunk " + chunkIndex + " of a blob upload");
    try {
      db.db.put(db.chunks, db.bulkWrite, Keys.chunk(contentId, chunkIndex), value);
    } catch (RocksDBException e) {
      throw Db.io("store chunk " + chunkIndex + " of a blob upload", e);
    } finally {
      db.exit();
    }
    chunkIndex++;
    buffered = 0;
  }

  /**
   * Verifies and publishes the blob. If the store already holds a blob with this digest, the
   * upload's chunks are dropped and the result says it was not created.
   *
   * @param expected the digest the content must have, or null to accept whatever it hashes to
   *     (sha256)
   * @param expectedSize the size it must have, or -1
   * @return the result
   * @throws StoreException DIGEST_MISMATCH if the content does not match its digest or size (the
   *     upload is discarded)
   */
  public PutResult commit(Digest expected, long expectedSize) {
    return commit(expected, expectedSize, null);
  }

  /**
   * Verifies and publishes the blob, pinning it in {@code lease} in the same step so that a
   * concurrent {@link Store#gc()} cannot remove it before the caller references it. Use this when
   * the digest is not known in advance (otherwise pin before writing).
   *
   * @param expected the digest the content must have, or null to accept whatever it hashes to
   * @param expectedSize the size it must have, or -1
   * @param lease the lease to pin the blob in, or null
   * @return the result
   * @throws StoreException DIGEST_MISMATCH if the content does not match its digest or size (the
   *     upload is discarded)
   */
  public PutResult commit(Digest expected, long expectedSize, IngestLease lease) {
    checkOpen();
    flushChunk();
    finished = true;
    if (file != null) {
      try (FileChannel f = file) {
        if (sync) {
          f.force(true);
        }
        if (f.size() != size) {
          // Hashed bytes that did not reach the file (a write that failed unnoticed).
          throw new IOException(
              "the file has " + f.size() + " bytes where " + size + " were written");
        }
      } catch (IOException e) {
        discard();
        throw BlobFiles.io("write the temporary blob file " + files.tempPath(contentId), e);
      }
    }
    Digest actual = Digest.fromRaw(DigestAlgorithm.SHA256, sha256.digest());
    if (expected != null && expected.algorithm() != DigestAlgorithm.SHA256) {
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob "
              + expected
              + " but failed because gapsync verifies blob uploads "
              + "with sha256 only: re-push the content with a sha256 digest");
    }
    if (expectedSize >= 0 && expectedSize != size) {
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob "
              + (expected != null ? expected : actual)
              + " but failed because "
              + "its size is "
              + size
              + " bytes where "
              + expectedSize
              + " were announced: the "
              + "source is truncated or corrupt, fetch it again");
    }
    if (expected != null && !expected.equals(actual)) {
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob "
              + expected
              + " but failed because its content hashes to "
              + actual
              + ": the source is corrupt or was modified, fetch it again");
    }
    try {
      Keys.BlobRecord record =
          file != null
              ? Keys.BlobRecord.inFile(size)
              : new Keys.BlobRecord(size, buffer.length, contentId);
      return store.publishBlob(actual, record, contentId, lease);
    } catch (RuntimeException e) {
      discard();
      throw e;
    } finally {
      db.untrack(this);
    }
  }

  /** Discards the upload if it was not committed. Safe to call more than once. */
  @Override
  public void close() {
    if (!finished) {
      finished = true;
      discard();
    }
  }

  /** Abandons the upload as the store closes; the next open discards its chunks or file. */
  @Override
  public void release() {
    finished = true;
    closeFile();
  }

  private void closeFile() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // The file is discarded next; nothing read from it.
      }
    }
  }

  private void discard() {
    closeFile();
    db.untrack(this);
    if (db.tryEnter()) {
      try {
        store.blobs().discard(contentId);
      } catch (StoreException e) {
        // Best effort: the upload record stays, and the next open or gc removes the chunks.
      } finally {
        db.exit();
      }
    }
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException(
          "Tried to use a blob upload but failed because it was already committed or closed "
              + "(or its store closed): begin a new upload");
    }
  }
}
