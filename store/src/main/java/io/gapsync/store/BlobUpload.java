package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import org.rocksdb.RocksDBException;

/**
 * A blob being written: an {@link OutputStream} that hashes, counts and stores what it is given
 * in chunks under a fresh content id. Nothing is visible until {@link #commit} verifies the
 * digest and publishes the blob record in one atomic write.
 *
 * <p>Not thread-safe: one writer at a time. The caller closes it; closing without a commit
 * discards the chunks. Obtain one from {@link Store#beginUpload()}.
 */
public final class BlobUpload extends OutputStream {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Store store;
  private final Db db;
  private final byte[] contentId = new byte[Keys.CONTENT_ID_LENGTH];
  private final byte[] buffer;
  private final MessageDigest sha256 = DigestAlgorithm.SHA256.newMessageDigest();
  private int buffered;
  private long chunkIndex;
  private long size;
  private boolean finished;

  BlobUpload(Store store, Db db, int chunkSize) {
    this.store = store;
    this.db = db;
    this.buffer = new byte[chunkSize];
    RANDOM.nextBytes(contentId);
    try {
      db.db.put(db.uploads, db.bulkWrite, contentId, Keys.utf8(Long.toString(System.currentTimeMillis())));
    } catch (RocksDBException e) {
      throw Db.io("start a blob upload", e);
    }
    store.registerUpload(contentId);
  }

  /** Returns the number of bytes written so far. */
  public long size() {
    return size;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    checkOpen();
    sha256.update(b, off, len);
    size += len;
    while (len > 0) {
      int n = Math.min(len, buffer.length - buffered);
      System.arraycopy(b, off, buffer, buffered, n);
      buffered += n;
      off += n;
      len -= n;
      if (buffered == buffer.length) {
        flushChunk();
      }
    }
  }

  private void flushChunk() {
    if (buffered == 0) {
      return;
    }
    byte[] value = buffered == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, buffered);
    try {
      db.db.put(db.chunks, db.bulkWrite, Keys.chunk(contentId, chunkIndex), value);
    } catch (RocksDBException e) {
      throw Db.io("store chunk " + chunkIndex + " of a blob upload", e);
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
   * @throws StoreException DIGEST_MISMATCH if the content does not match (the upload is
   *     discarded)
   */
  public PutResult commit(Digest expected, long expectedSize) {
    checkOpen();
    flushChunk();
    finished = true;
    Digest actual = Digest.fromRaw(DigestAlgorithm.SHA256, sha256.digest());
    if (expected != null && expected.algorithm() != DigestAlgorithm.SHA256) {
      // The store names blobs by the digest the user announced; verify with that algorithm.
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob " + expected + " but gapsync verifies blob uploads with sha256 only: "
              + "re-push the content with a sha256 digest");
    }
    if (expectedSize >= 0 && expectedSize != size) {
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob " + (expected != null ? expected : actual) + " but received " + size
              + " bytes where " + expectedSize + " were announced: the source is truncated or corrupt");
    }
    if (expected != null && !expected.equals(actual)) {
      discard();
      throw new StoreException(
          StoreException.Code.DIGEST_MISMATCH,
          "Tried to store blob " + expected + " but its content hashes to " + actual
              + ": the source is corrupt or was modified");
    }
    return store.publishBlob(actual, new Keys.BlobRecord(size, buffer.length, contentId));
  }

  /** Discards the upload if it was not committed. Safe to call more than once. */
  @Override
  public void close() {
    if (!finished) {
      finished = true;
      discard();
    }
  }

  private void discard() {
    store.discardContent(contentId);
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("Blob upload already committed or closed");
    }
  }
}
