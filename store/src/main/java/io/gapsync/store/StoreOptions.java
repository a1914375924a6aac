package io.gapsync.store;

/**
 * How a store is opened: the one configuration object of the store module, validated once at
 * creation (STYLE rule 9).
 *
 * @param readOnly open without write access (queries while another process holds the store use a
 *     read-only instance)
 * @param syncWrites fsync the write-ahead log on every commit of a blob, manifest or tag; off
 *     trades durability of the last writes for speed
 * @param chunkSizeBytes the size of the chunks a blob below {@code fileThresholdBytes} is stored in
 * @param fileThresholdBytes blobs of at least this size keep their bytes in a plain file of the
 *     store folder ({@code blobs/sha256/ab/<hex>}) instead of RocksDB chunk rows, so the registry
 *     can send them with sendfile; {@link #FILE_THRESHOLD_NEVER} keeps every blob in chunk rows.
 *     Applies to blobs written from now on: blobs already stored stay where they are.
 */
public record StoreOptions(
    boolean readOnly, boolean syncWrites, int chunkSizeBytes, long fileThresholdBytes) {

  /** Default chunk size: 1 MiB balances RocksDB value size against per-chunk overhead. */
  public static final int CHUNK_SIZE_BYTES_DEFAULT = 1024 * 1024;

  /** Smallest accepted chunk size. */
  public static final int CHUNK_SIZE_BYTES_MIN = 4 * 1024;

  /** Largest accepted chunk size. */
  public static final int CHUNK_SIZE_BYTES_MAX = 64 * 1024 * 1024;

  /**
   * Default file threshold: 256 KiB. Layers go to files (sendfile); manifests, configs and other
   * small blobs stay RocksDB rows, where a file per blob would cost an inode and a few syscalls
   * each.
   */
  public static final long FILE_THRESHOLD_BYTES_DEFAULT = 256 * 1024;

  /** A file threshold no blob reaches: every blob is stored in chunk rows. */
  public static final long FILE_THRESHOLD_NEVER = Long.MAX_VALUE;

  /** Validates the fields. */
  public StoreOptions {
    if (fileThresholdBytes < 0) {
      throw new IllegalArgumentException("fileThresholdBytes " + fileThresholdBytes + " is < 0");
    }
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

  /** Returns the defaults: read-write, synced commits, 1 MiB chunks, files from 256 KiB. */
  public static StoreOptions defaults() {
    return new StoreOptions(false, true, CHUNK_SIZE_BYTES_DEFAULT, FILE_THRESHOLD_BYTES_DEFAULT);
  }

  /** Returns these options, read-only. */
  public StoreOptions asReadOnly() {
    return new StoreOptions(true, syncWrites, chunkSizeBytes, fileThresholdBytes);
  }

  /** Returns these options with the given commit durability. */
  public StoreOptions withSyncWrites(boolean sync) {
    return new StoreOptions(readOnly, sync, chunkSizeBytes, fileThresholdBytes);
  }

  /** Returns these options with the given chunk size. */
  public StoreOptions withChunkSizeBytes(int size) {
    return new StoreOptions(readOnly, syncWrites, size, fileThresholdBytes);
  }

  /** Returns these options with the given file threshold. */
  public StoreOptions withFileThresholdBytes(long bytes) {
    return new StoreOptions(readOnly, syncWrites, chunkSizeBytes, bytes);
  }
}
