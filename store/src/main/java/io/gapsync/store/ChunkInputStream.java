package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * Streams a blob's chunks in order from a RocksDB iterator. The iterator pins a consistent view, so
 * a concurrent garbage collection cannot pull chunks away mid-read. Checks that every chunk is
 * present and the total length matches the blob record; damage surfaces as a {@link StoreException}
 * with code CORRUPT.
 *
 * <p>{@link BlobStream#open} reads the blob record and the chunks from one RocksDB snapshot, so a
 * blob published or collected concurrently is seen either whole or not at all.
 *
 * <p>It is also a {@link java.nio.channels.ReadableByteChannel}: {@link #read(ByteBuffer)} copies a
 * whole chunk straight from RocksDB into a direct buffer that has room for it ({@code
 * RocksIterator.value( ByteBuffer)}), one copy instead of two and no heap array (the registry's
 * blob GET); other reads go through the one array below.
 *
 * <p>The caller closes it, which releases the iterator. Closing the store releases it too (reads
 * then fail with an IOException). Not thread-safe: one reader at a time.
 */
final class ChunkInputStream extends BlobStream {

  private final Db db;
  private final Digest digest;
  private final Keys.BlobRecord record;
  private final ReadOptions readOptions;
  private final Slice upper;
  private final RocksIterator it;
  private final Snapshot snapshot;

  /**
   * The chunk being read, copied from the iterator into this one array for the whole stream: a
   * fresh array per chunk (a 1 MiB chunk is a G1 humongous object in a small heap) made blob reads
   * mostly garbage collection (perf/README.md, registry benchmark).
   */
  private byte[] current;

  /** Bytes of {@link #current} that belong to the chunk being read. */
  private int currentLength;

  private int pos;
  private long expectedIndex;
  private long remaining;
  private boolean released;

  /**
   * Opens the stream over a record already read. The caller holds the database's lifecycle lock
   * ({@link Db#enter}), and, without a snapshot, keeps gc from running.
   *
   * @param snapshot the snapshot the record was read from, owned by the stream from now on, or null
   *     to read the latest state
   * @throws StoreException CORRUPT if the first chunk is missing or of the wrong length (nothing is
   *     left open then)
   */
  ChunkInputStream(Db db, Digest digest, Keys.BlobRecord record, long offset, Snapshot snapshot) {
    this.db = db;
    this.digest = digest;
    this.record = record;
    this.snapshot = snapshot;
    this.upper = new Slice(Keys.chunkEnd(record.contentId()));
    this.readOptions = new ReadOptions().setIterateUpperBound(upper).setFillCache(false);
    if (snapshot != null) {
      readOptions.setSnapshot(snapshot);
    }
    this.it = db.db.newIterator(db.chunks, readOptions);
    long chunk = offset / record.chunkSize();
    this.expectedIndex = chunk;
    this.remaining = record.size() - offset;
    try {
      it.seek(Keys.chunk(record.contentId(), chunk));
      if (remaining > 0) {
        load();
        pos = (int) (offset % record.chunkSize());
      }
    } catch (RuntimeException e) {
      release();
      throw e;
    }
    db.track(this);
  }

  /**
   * Checks that the iterator stands on the next expected chunk.
   *
   * @return the length the chunk must have
   */
  private long checkPosition() {
    if (!it.isValid()) {
      throw corrupt("chunk " + expectedIndex + " is missing");
    }
    long index = Keys.chunkIndexOf(it.key());
    if (index != expectedIndex) {
      throw corrupt("chunk " + expectedIndex + " is missing (found " + index + ")");
    }
    return Math.min(record.chunkSize(), record.size() - index * record.chunkSize());
  }

  private void load() {
    long expectedLength = checkPosition();
    if (current == null) {
      current = new byte[(int) Math.min(record.chunkSize(), record.size())];
    }
    int length = it.value(current);
    if (length != expectedLength) {
      throw corrupt(
          "chunk " + expectedIndex + " has " + length + " bytes, expected " + expectedLength);
    }
    currentLength = length;
    pos = 0;
    expectedIndex++;
    it.next();
  }

  /**
   * Reads the next chunk whole, straight into a direct buffer.
   *
   * @return the bytes read, or -1 if the chunk does not fit (nothing read then)
   */
  private int loadInto(ByteBuffer dst) {
    long expectedLength = checkPosition();
    if (!dst.isDirect() || dst.remaining() < expectedLength || remaining < expectedLength) {
      return -1;
    }
    int start = dst.position();
    int limit = dst.limit();
    int length = it.value(dst); // copies from the chunk's start, sets the limit after it
    dst.limit(limit);
    if (length != expectedLength) {
      dst.position(start);
      throw corrupt(
          "chunk " + expectedIndex + " has " + length + " bytes, expected " + expectedLength);
    }
    dst.position(start + length);
    expectedIndex++;
    it.next();
    return length;
  }

  @Override
  void limit(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length " + length + " is negative");
    }
    remaining = Math.min(remaining, length);
  }

  private StoreException corrupt(String why) {
    return new StoreException(
        StoreException.Code.CORRUPT,
        "Tried to read blob "
            + digest
            + " but failed because "
            + why
            + ": the store is damaged, run gapsync fsck");
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
    if (!db.tryEnter()) {
      throw closedError();
    }
    try {
      if (released) {
        throw closedError();
      }
      if (remaining <= 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (pos == currentLength) {
        load();
      }
      int n = (int) Math.min(Math.min(len, currentLength - pos), remaining);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      remaining -= n;
      return n;
    } finally {
      db.exit();
    }
  }

  /**
   * Reads into a buffer: a whole chunk straight from RocksDB when the buffer is direct, the read
   * stands at a chunk's start and the chunk fits; otherwise through this stream's array.
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!db.tryEnter()) {
      throw closedError();
    }
    try {
      if (released) {
        throw closedError();
      }
      if (remaining <= 0) {
        return -1;
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      if (pos == currentLength) {
        int direct = loadInto(dst);
        if (direct >= 0) {
          remaining -= direct;
          return direct;
        }
        load();
      }
      int n = (int) Math.min(Math.min(dst.remaining(), currentLength - pos), remaining);
      dst.put(current, pos, n);
      pos += n;
      remaining -= n;
      return n;
    } finally {
      db.exit();
    }
  }

  @Override
  public boolean isOpen() {
    return !released;
  }

  private IOException closedError() {
    return new IOException(
        "Tried to read blob "
            + digest
            + " but failed because the stream or its store is closed: "
            + "open the blob again");
  }

  @Override
  public int available() {
    return released || current == null ? 0 : (int) Math.min(currentLength - pos, remaining);
  }

  /** Releases the iterator. Safe to call more than once, and after the store has closed. */
  @Override
  public void close() {
    if (db.tryEnter()) {
      try {
        release();
      } finally {
        db.exit();
      }
    }
    // Otherwise the store has closed, and released this stream before it did.
  }

  @Override
  public synchronized void release() {
    if (!released) {
      released = true;
      current = null;
      it.close();
      if (snapshot != null) {
        db.db.releaseSnapshot(snapshot);
      }
      readOptions.close();
      upper.close();
      db.untrack(this);
    }
  }
}
