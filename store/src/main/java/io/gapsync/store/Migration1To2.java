package io.gapsync.store;

import org.rocksdb.RocksDBException;

/**
 * Upgrades a format-1 store (every blob in chunk rows) to format 2 (large blobs may be files,
 * docs/FORMAT.md "Blob files"). Nothing is rewritten: chunk-row blobs stay where they are and are
 * read, verified, exported and collected as before. Only the recorded version changes, so that a
 * format-1 binary refuses the store from now on instead of misreading file records. Runs on the
 * first read-write open by a format-2 binary; read-only opens read format 1 as it is.
 */
final class Migration1To2 {

  private Migration1To2() {}

  /** Records format version 2 (synced). The caller has checked that the store is at version 1. */
  static void apply(Db db) {
    try {
      db.db.put(
          db.meta,
          db.commitWrite,
          Db.META_FORMAT_VERSION,
          Keys.utf8(Integer.toString(Db.FORMAT_VERSION)));
    } catch (RocksDBException e) {
      throw Db.io("upgrade the store at " + db.dir + " from format 1 to 2", e);
    }
  }
}
