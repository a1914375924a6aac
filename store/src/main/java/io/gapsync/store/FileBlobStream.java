package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Streams a blob kept in a file ({@link BlobFiles}) with positional reads. The file is immutable
 * and stays readable after a concurrent gc unlinks it, so the stream needs no snapshot.
 *
 * <p>Checks at open that the file exists and has the record's size; it does not re-hash (fsck
 * does): like distribution, serving trusts the content-addressed, immutable file that was verified
 * before it was renamed into place (docs/ARCHITECTURE.md, "Blob files").
 *
 * <p>The caller closes it, which closes the file. Closing the store closes it too (reads then fail
 * with an IOException). Not thread-safe: one reader at a time.
 */
final class FileBlobStream extends BlobStream {

  /**
   * Most bytes one read into a heap array asks the file for: the JDK copies heap reads through a
   * temporary direct buffer of the read's size, cached per thread; this bounds it.
   */
  static final int HEAP_READ_BYTES_MAX = 64 * 1024;

  private final Db db;
  private final Digest digest;
  private final FileChannel file;
  private long position;
  private long end;
  private volatile boolean released;

  private FileBlobStream(Db db, Digest digest, FileChannel file, long offset, long end) {
    this.db = db;
    this.digest = digest;
    this.file = file;
    this.position = offset;
    this.end = end;
  }

  /**
   * Opens a blob's file at an offset. The caller holds the database's lifecycle lock.
   *
   * @throws StoreException BLOB_UNKNOWN if gc removed the blob meanwhile, CORRUPT if the file is
   *     missing or of the wrong size
   */
  static FileBlobStream open(
      Db db, BlobFiles files, Digest digest, Keys.BlobRecord record, long offset) {
    FileChannel ch = openChecked(db, files, digest, record);
    FileBlobStream s = new FileBlobStream(db, digest, ch, offset, record.size());
    db.track(s);
    return s;
  }

  /**
   * Opens a blob's file and checks its size against the record.
   *
   * @return the channel; the caller closes it
   * @throws StoreException BLOB_UNKNOWN if gc removed the blob meanwhile, CORRUPT if the file is
   *     missing or of the wrong size
   */
  static FileChannel openChecked(Db db, BlobFiles files, Digest digest, Keys.BlobRecord record) {
    FileChannel ch =
        files
            .open(digest)
            .orElseThrow(
                () -> {
                  // Gc deletes the record before the file: if the record is gone too, the blob
                  // was collected between the two reads, which is no damage.
                  BlobStream.record(db, null, digest);
                  return corrupt(digest, "its file " + files.path(digest) + " is missing");
                });
    try {
      long size = ch.size();
      if (size != record.size()) {
        throw corrupt(
            digest,
            "its file "
                + files.path(digest)
                + " has "
                + size
                + " bytes where the record says "
                + record.size());
      }
      return ch;
    } catch (IOException e) {
      closeQuietly(ch);
      throw BlobFiles.io("read the size of " + files.path(digest), e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // Nothing was read from it; the original failure is what matters.
    }
  }

  static StoreException corrupt(Digest digest, String why) {
    return new StoreException(
        StoreException.Code.CORRUPT,
        "Tried to read blob "
            + digest
            + " but failed because "
            + why
            + ": the store is damaged, run gapsync fsck");
  }

  @Override
  void limit(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length " + length + " is negative");
    }
    end = Math.min(end, position + length);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    return read(ByteBuffer.wrap(b, off, Math.min(len, HEAP_READ_BYTES_MAX)));
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    checkOpen();
    if (position >= end) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    int limit = dst.limit();
    if (dst.remaining() > end - position) {
      dst.limit(dst.position() + (int) (end - position));
    }
    try {
      int n = file.read(dst, position);
      if (n < 0) {
        checkOpen();
        throw new IOException(
            "Tried to read blob "
                + digest
                + " at offset "
                + position
                + " but failed because its file ended early: the store is damaged, run gapsync"
                + " fsck");
      }
      position += n;
      return n;
    } catch (IOException e) {
      checkOpen();
      throw e;
    } finally {
      dst.limit(limit);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    checkOpen();
    long k = Math.max(0, Math.min(n, end - position));
    position += k;
    return k;
  }

  @Override
  public int available() {
    return released ? 0 : (int) Math.min(Integer.MAX_VALUE, end - position);
  }

  @Override
  public boolean isOpen() {
    return !released;
  }

  private void checkOpen() throws IOException {
    if (released) {
      throw new IOException(
          "Tried to read blob "
              + digest
              + " but failed because the stream or its store is closed: "
              + "open the blob again");
    }
  }

  /** Closes the file. Safe to call more than once, and after the store has closed. */
  @Override
  public void close() {
    release();
  }

  @Override
  public synchronized void release() {
    if (!released) {
      released = true;
      closeQuietly(file);
      db.untrack(this);
    }
  }
}
