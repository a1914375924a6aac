package io.gapsync.store;

/**
 * How a store is opened: the one configuration object of the store module, validated once at
 * creation (STYLE rule 9).
 *
 * @param readOnly open without write access (queries while another process holds the store use a
 *     read-only instance)
 * @param syncWrites fsync the write-ahead log on every commit of a blob, manifest or tag; off
 *     trades durability of the last writes for speed
 * @param chunkSizeBytes the size of the chunks a blob is stored in
 */
public record StoreOptions(boolean readOnly, boolean syncWrites, int chunkSizeBytes) {

  /** Default chunk size: 1 MiB balances RocksDB value size against per-chunk overhead. */
  public static final int CHUNK_SIZE_BYTES_DEFAULT = 1024 * 1024;

  /** Smallest accepted chunk size. */
  public static final int CHUNK_SIZE_BYTES_MIN = 4 * 1024;

  /** Largest accepted chunk size. */
  public static final int CHUNK_SIZE_BYTES_MAX = 64 * 1024 * 1024;

  /** Validates the fields. */
  public StoreOptions {
    if (chunkSizeBytes < CHUNK_SIZE_BYTES_MIN || chunkSizeBytes > CHUNK_SIZE_BYTES_MAX) {
      throw new IllegalArgumentException(
          "chunkSizeBytes "
              + chunkSizeBytes
              + " is outside ["
              + CHUNK_SIZE_BYTES_MIN
              + ", "
              + CHUNK_SIZE_BYTES_MAX
              + "]");
    }
  }

  /** Returns the defaults: read-write, synced commits, 1 MiB chunks. */
  public static StoreOptions defaults() {
    return new StoreOptions(false, true, CHUNK_SIZE_BYTES_DEFAULT);
  }

  /** Returns these options, read-only. */
  public StoreOptions asReadOnly() {
    return new StoreOptions(true, syncWrites, chunkSizeBytes);
  }

  /** Returns these options with the given commit durability. */
  public StoreOptions withSyncWrites(boolean sync) {
    return new StoreOptions(readOnly, sync, chunkSizeBytes);
  }

  /** Returns these options with the given chunk size. */
  public StoreOptions withChunkSizeBytes(int size) {
    return new StoreOptions(readOnly, syncWrites, size);
  }
}
