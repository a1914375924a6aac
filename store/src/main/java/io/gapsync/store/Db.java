package io.gapsync.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB instance and its column families. Owns every native handle and closes them in
 * reverse order. Checks the store format version at open (STYLE rule 7).
 *
 * <p>Column families (docs/FORMAT.md, "Store layout"): {@code default} (meta), {@code blobs},
 * {@code chunks}, {@code manifests}, {@code tags}, {@code refs}, {@code referrers}, {@code
 * uploads}.
 */
final class Db implements AutoCloseable {

  /** The store format this code writes and reads. */
  static final int FORMAT_VERSION = 1;

  static final byte[] META_FORMAT_VERSION = Keys.utf8("format-version");
  static final byte[] META_SITE_ID = Keys.utf8("site-id");
  static final byte[] META_CREATED_AT = Keys.utf8("created-at");
  static final byte[] META_MARKER = Keys.utf8("gapsync-store");

  private static final List<String> FAMILIES =
      List.of("blobs", "chunks", "manifests", "tags", "refs", "referrers", "uploads");

  static {
    RocksDB.loadLibrary();
  }

  final RocksDB db;
  final ColumnFamilyHandle meta;
  final ColumnFamilyHandle blobs;
  final ColumnFamilyHandle chunks;
  final ColumnFamilyHandle manifests;
  final ColumnFamilyHandle tags;
  final ColumnFamilyHandle refs;
  final ColumnFamilyHandle referrers;
  final ColumnFamilyHandle uploads;
  final WriteOptions commitWrite;
  final WriteOptions bulkWrite;
  final boolean readOnly;

  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();

  private Db(Path dir, StoreOptions options) throws RocksDBException {
    this.readOnly = options.readOnly();
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(!readOnly)
            .setCreateMissingColumnFamilies(!readOnly)
            .setKeepLogFileNum(3)
            .setMaxOpenFiles(512);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf(false)));
    for (String name : FAMILIES) {
      descriptors.add(new ColumnFamilyDescriptor(Keys.utf8(name), cf(name.equals("chunks"))));
    }
    RocksDB opened =
        readOnly
            ? RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, handles)
            : RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    this.db = opened;
    meta = handles.get(0);
    blobs = handles.get(1);
    chunks = handles.get(2);
    manifests = handles.get(3);
    tags = handles.get(4);
    refs = handles.get(5);
    referrers = handles.get(6);
    uploads = handles.get(7);
    commitWrite = new WriteOptions().setSync(options.syncWrites());
    bulkWrite = new WriteOptions();
  }

  private ColumnFamilyOptions cf(boolean chunkFamily) {
    ColumnFamilyOptions o = new ColumnFamilyOptions();
    if (chunkFamily) {
      // Large, write-once values: keep them in blob files so compaction does not rewrite them,
      // and do not try to compress layers that are already compressed.
      o.setEnableBlobFiles(true)
          .setMinBlobSize(4096)
          .setBlobCompressionType(CompressionType.NO_COMPRESSION)
          .setCompressionType(CompressionType.NO_COMPRESSION)
          .setEnableBlobGarbageCollection(true)
          .setWriteBufferSize(64L * 1024 * 1024);
    } else {
      o.setCompressionType(CompressionType.LZ4_COMPRESSION);
    }
    cfOptions.add(o);
    return o;
  }

  /**
   * Opens or creates a store.
   *
   * @param dir the store folder
   * @param options how to open it
   * @param siteId the site id to record if the store is new, or null for a random one
   * @return the open instance
   * @throws StoreException NOT_A_STORE, FORMAT_VERSION, LOCKED or IO
   */
  static Db open(Path dir, StoreOptions options, String siteId) {
    boolean exists = Files.exists(dir.resolve("CURRENT"));
    if (!exists) {
      if (options.readOnly()) {
        throw new StoreException(
            StoreException.Code.NOT_A_STORE,
            "Tried to open the store at " + dir + " read-only but there is no store there: "
                + "create one by adding content (gapsync add) or check --store");
      }
      if (Files.isDirectory(dir) && !isEmptyDir(dir)) {
        throw new StoreException(
            StoreException.Code.NOT_A_STORE,
            "Tried to create a store at " + dir + " but the folder is not empty and holds no "
                + "store: choose an empty or new folder with --store");
      }
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new StoreException(
            StoreException.Code.IO, "Tried to create the store folder " + dir + " but failed: " + e, e);
      }
    }
    Db d;
    try {
      d = new Db(dir, options);
    } catch (RocksDBException e) {
      throw translateOpen(dir, e);
    }
    try {
      d.checkFormat(dir, exists, siteId);
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  private void checkFormat(Path dir, boolean existed, String siteId) {
    try {
      byte[] marker = db.get(meta, META_MARKER);
      byte[] version = db.get(meta, META_FORMAT_VERSION);
      if (marker == null || version == null) {
        if (existed) {
          throw new StoreException(
              StoreException.Code.NOT_A_STORE,
              "Tried to open " + dir + " as a gapsync store but it is a RocksDB database without "
                  + "gapsync's format marker: point --store at a gapsync store");
        }
        try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
          batch.put(meta, META_MARKER, Keys.utf8("1"));
          batch.put(meta, META_FORMAT_VERSION, Keys.utf8(Integer.toString(FORMAT_VERSION)));
          batch.put(meta, META_SITE_ID, Keys.utf8(siteId != null ? siteId : "site-" + UUID.randomUUID()));
          batch.put(meta, META_CREATED_AT, Keys.utf8(Instant.now().toString()));
          db.write(commitWrite, batch);
        }
        return;
      }
      int found;
      try {
        found = Integer.parseInt(Keys.string(version));
      } catch (NumberFormatException e) {
        found = -1;
      }
      if (found != FORMAT_VERSION) {
        throw new StoreException(
            StoreException.Code.FORMAT_VERSION,
            "Tried to open the store at " + dir + " but it has format version " + Keys.string(version)
                + " and this gapsync reads version " + FORMAT_VERSION + ": "
                + (found > FORMAT_VERSION ? "upgrade gapsync" : "migrate the store"));
      }
    } catch (RocksDBException e) {
      throw new StoreException(
          StoreException.Code.IO, "Tried to read the format version of " + dir + " but failed: " + e, e);
    }
  }

  private static boolean isEmptyDir(Path dir) {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static StoreException translateOpen(Path dir, RocksDBException e) {
    Status s = e.getStatus();
    String msg = String.valueOf(e.getMessage());
    if (s != null && s.getCode() == Status.Code.IOError && msg.contains("lock")) {
      return new StoreException(
          StoreException.Code.LOCKED,
          "Tried to open the store at " + dir + " but another process holds it (a running "
              + "'gapsync serve'?): stop that process, or run read-only queries with --read-only",
          e);
    }
    if (msg.contains("Column famil") || msg.contains("Invalid column family")) {
      return new StoreException(
          StoreException.Code.NOT_A_STORE,
          "Tried to open " + dir + " as a gapsync store but its column families do not match: " + msg,
          e);
    }
    return new StoreException(
        StoreException.Code.IO, "Tried to open the store at " + dir + " but RocksDB failed: " + msg, e);
  }

  /** Wraps a RocksDB failure with what was being done. */
  static StoreException io(String what, RocksDBException e) {
    return new StoreException(
        StoreException.Code.IO, "Tried to " + what + " but the store failed: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    commitWrite.close();
    bulkWrite.close();
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    dbOptions.close();
    for (ColumnFamilyOptions o : cfOptions) {
      o.close();
    }
  }
}
