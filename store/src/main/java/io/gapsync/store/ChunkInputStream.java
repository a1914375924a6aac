package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.io.InputStream;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * Streams a blob's chunks in order from a RocksDB iterator. The iterator pins a consistent view,
 * so a concurrent garbage collection cannot pull chunks away mid-read. Checks that every chunk
 * is present and the total length matches the blob record. The caller closes it, which releases
 * the iterator.
 */
final class ChunkInputStream extends InputStream {

  private final Digest digest;
  private final Keys.BlobRecord record;
  private final ReadOptions readOptions;
  private final Slice upper;
  private final RocksIterator it;
  private byte[] current;
  private int pos;
  private long expectedIndex;
  private long remaining;
  private boolean closed;

  ChunkInputStream(Db db, Digest digest, Keys.BlobRecord record, long offset) {
    this.digest = digest;
    this.record = record;
    this.upper = new Slice(Keys.chunkEnd(record.contentId()));
    this.readOptions = new ReadOptions().setIterateUpperBound(upper).setFillCache(false);
    this.it = db.db.newIterator(db.chunks, readOptions);
    long chunk = offset / record.chunkSize();
    this.expectedIndex = chunk;
    this.remaining = record.size() - offset;
    it.seek(Keys.chunk(record.contentId(), chunk));
    if (remaining > 0) {
      load();
      pos = (int) (offset % record.chunkSize());
    }
  }

  private void load() {
    if (!it.isValid()) {
      throw corrupt("chunk " + expectedIndex + " is missing");
    }
    long index = Keys.chunkIndexOf(it.key());
    if (index != expectedIndex) {
      throw corrupt("chunk " + expectedIndex + " is missing (found " + index + ")");
    }
    current = it.value();
    long expectedLength = Math.min(record.chunkSize(), record.size() - index * record.chunkSize());
    if (current.length != expectedLength) {
      throw corrupt("chunk " + index + " has " + current.length + " bytes, expected " + expectedLength);
    }
    pos = 0;
    expectedIndex++;
    it.next();
  }

  private StoreException corrupt(String why) {
    return new StoreException(
        StoreException.Code.CORRUPT,
        "Tried to read blob " + digest + " but " + why + ": the store is damaged, run gapsync fsck");
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (closed) {
      throw new IllegalStateException("stream closed");
    }
    if (remaining <= 0) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    if (pos == current.length) {
      load();
    }
    int n = (int) Math.min(Math.min(len, current.length - pos), remaining);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    remaining -= n;
    return n;
  }

  @Override
  public int available() {
    return current == null ? 0 : (int) Math.min(current.length - pos, remaining);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      it.close();
      readOptions.close();
      upper.close();
    }
  }
}
