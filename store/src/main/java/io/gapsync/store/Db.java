package io.gapsync.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB instance, its column families and its lifecycle. Owns every native handle and
 * closes them in reverse order. Checks the store format version at open (STYLE rule 7).
 *
 * <p>Column families (docs/FORMAT.md, "Store layout"): {@code default} (meta), {@code blobs},
 * {@code chunks}, {@code manifests}, {@code tags}, {@code refs}, {@code referrers}, {@code
 * uploads}.
 *
 * <p>Closing: a native handle used after {@link RocksDB#close()} crashes the JVM, so every use of a
 * handle happens between {@link #enter} and {@link #exit} (a shared lock), and {@link #close} takes
 * the lock exclusively. Open iterators and uploads register as {@link Dependent}s and are released
 * before the database closes, as RocksDB requires.
 */
final class Db implements AutoCloseable {

  /** File descriptors a read-write instance keeps open for table files at most. */
  static final int MAX_OPEN_FILES_DEFAULT = 512;

  /**
   * How often a read-only open is tried when a file it is loading vanishes (the read-write instance
   * compacted it away meanwhile).
   */
  static final int READ_ONLY_OPEN_ATTEMPTS = 10;

  /**
   * The store format this code writes: 2 adds blob files (docs/FORMAT.md, "Blob files"), which a
   * format-1 binary would take for damaged records and never collect, so it must refuse the store.
   */
  static final int FORMAT_VERSION = 2;

  /**
   * The oldest store format this code reads; read-write opens migrate it ({@link Migration1To2}).
   */
  static final int FORMAT_VERSION_OLDEST = 1;

  static final byte[] META_FORMAT_VERSION = Keys.utf8("format-version");
  static final byte[] META_SITE_ID = Keys.utf8("site-id");
  static final byte[] META_CREATED_AT = Keys.utf8("created-at");
  static final byte[] META_MARKER = Keys.utf8("gapsync-store");

  private static final List<String> FAMILIES =
      List.of("blobs", "chunks", "manifests", "tags", "refs", "referrers", "uploads");

  static {
    RocksDB.loadLibrary();
  }

  /** Something holding native resources of this database that must go before it closes. */
  interface Dependent {
    /** Releases native resources; called with the database lock held exclusively. */
    void release();
  }

  final Path dir;
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
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Set<Dependent> dependents = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private Db(Path dir, StoreOptions options) throws RocksDBException {
    this.dir = dir;
    this.readOnly = options.readOnly();
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(!readOnly)
            .setCreateMissingColumnFamilies(!readOnly)
            .setKeepLogFileNum(3)
            // A read-only instance may run while the daemon holds the store read-write: it must
            // open every table file now, or one the daemon's compaction deletes meanwhile could
            // no longer be opened by a later read (RocksDB wiki, "Read-only and Secondary
            // instances"). The read-write instance bounds its descriptors.
            .setMaxOpenFiles(readOnly ? -1 : MAX_OPEN_FILES_DEFAULT);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf(false)));
    for (String name : FAMILIES) {
      descriptors.add(new ColumnFamilyDescriptor(Keys.utf8(name), cf(name.equals("chunks"))));
    }
    try {
      this.db =
          readOnly
              ? RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, handles)
              : RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      // Nothing native is owned yet but the options: free them before reporting.
      dbOptions.close();
      cfOptions.forEach(ColumnFamilyOptions::close);
      throw e;
    }
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
      // and do not try to compress layers that are already compressed. Deleted chunks free their
      // blob files only once compaction has dropped every key that points into them, which is
      // why GarbageCollector compacts the ranges it deletes.
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
            "Tried to open the store at "
                + dir
                + " read-only but failed because there is no "
                + "store there: create one by adding content (gapsync add) or check --store");
      }
      if (Files.exists(dir) && !isEmptyDir(dir)) {
        throw new StoreException(
            StoreException.Code.NOT_A_STORE,
            "Tried to create a store at "
                + dir
                + " but failed because it is not an empty folder "
                + "and holds no store: choose an empty or new folder with --store");
      }
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new StoreException(
            StoreException.Code.IO,
            "Tried to create the store folder "
                + dir
                + " but failed because "
                + e
                + ": check the path and its permissions",
            e);
      }
    } else {
      checkFamilies(dir);
    }
    Db d = null;
    for (int attempt = 1; d == null; attempt++) {
      try {
        d = new Db(dir, options);
      } catch (RocksDBException e) {
        if (!(options.readOnly() && vanishedWhileOpening(e) && attempt < READ_ONLY_OPEN_ATTEMPTS)) {
          throw translateOpen(dir, e);
        }
        // The read-write instance (a running daemon) compacted a file away while this read-only
        // instance was loading the file list: the list is newer now, so open again.
        pause(attempt);
      }
    }
    try {
      d.checkFormat(exists, siteId);
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** Returns true if a read-only open failed because a file named in the MANIFEST was gone. */
  private static boolean vanishedWhileOpening(RocksDBException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("No such file or directory") || m.contains("PathNotFound");
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(10L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          StoreException.Code.IO, "Interrupted while opening the store read-only", e);
    }
  }

  /**
   * Refuses a RocksDB database that lacks gapsync's column families before opening it, so that a
   * read-write open does not add them to someone else's database.
   */
  private static void checkFamilies(Path dir) {
    List<byte[]> present;
    try (Options o = new Options()) {
      present = RocksDB.listColumnFamilies(o, dir.toString());
    } catch (RocksDBException e) {
      throw translateOpen(dir, e);
    }
    List<String> names = present.stream().map(Keys::string).toList();
    List<String> missing = FAMILIES.stream().filter(f -> !names.contains(f)).toList();
    if (!missing.isEmpty()) {
      throw new StoreException(
          StoreException.Code.NOT_A_STORE,
          "Tried to open "
              + dir
              + " as a gapsync store but failed because it is a RocksDB "
              + "database without the column families "
              + missing
              + ": point --store at a gapsync store");
    }
  }

  private void checkFormat(boolean existed, String siteId) {
    try {
      byte[] marker = db.get(meta, META_MARKER);
      byte[] version = db.get(meta, META_FORMAT_VERSION);
      if (marker == null || version == null) {
        if (existed) {
          throw new StoreException(
              StoreException.Code.NOT_A_STORE,
              "Tried to open "
                  + dir
                  + " as a gapsync store but failed because it is a RocksDB "
                  + "database without gapsync's format marker: point --store at a gapsync store");
        }
        try (WriteBatch batch = new WriteBatch()) {
          batch.put(meta, META_MARKER, Keys.utf8("1"));
          batch.put(meta, META_FORMAT_VERSION, Keys.utf8(Integer.toString(FORMAT_VERSION)));
          batch.put(
              meta, META_SITE_ID, Keys.utf8(siteId != null ? siteId : "site-" + UUID.randomUUID()));
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
      if (found >= FORMAT_VERSION_OLDEST && found < FORMAT_VERSION) {
        if (!readOnly) {
          Migration1To2.apply(this);
        }
        return;
      }
      if (found != FORMAT_VERSION) {
        throw new StoreException(
            StoreException.Code.FORMAT_VERSION,
            "Tried to open the store at "
                + dir
                + " but failed because it has format version "
                + Keys.string(version)
                + " and this gapsync reads version "
                + FORMAT_VERSION
                + " (and upgrades version "
                + FORMAT_VERSION_OLDEST
                + ")"
                + ": "
                + (found > FORMAT_VERSION
                    ? "upgrade gapsync"
                    : "migrate the store with the gapsync release that matches it"));
      }
    } catch (RocksDBException e) {
      throw new StoreException(
          StoreException.Code.IO,
          "Tried to read the format version of "
              + dir
              + " but failed because "
              + e.getMessage()
              + ": check the disk",
          e);
    }
  }

  private static boolean isEmptyDir(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static StoreException translateOpen(Path dir, RocksDBException e) {
    Status s = e.getStatus();
    String msg = String.valueOf(e.getMessage());
    if (s != null && s.getCode() == Status.Code.IOError && msg.contains("LOCK")) {
      // RocksDB's own text differs: "lock hold by current process" when this JVM has the store
      // open already, "While lock file: ... Resource temporarily unavailable" for another process.
      boolean thisProcess = msg.contains("current process");
      return new StoreException(
          StoreException.Code.LOCKED,
          "Tried to open the store at "
              + dir
              + " but failed because "
              + (thisProcess
                  ? "this process has it open already: share the open Store instead of opening "
                      + "it twice"
                  : "another process holds it (a running 'gapsync serve'?): stop that process, "
                      + "or run read-only queries with --read-only"),
          e);
    }
    if (msg.contains("Column famil") || msg.contains("column famil")) {
      return new StoreException(
          StoreException.Code.NOT_A_STORE,
          "Tried to open "
              + dir
              + " as a gapsync store but failed because its column families "
              + "do not match ("
              + msg
              + "): point --store at a gapsync store",
          e);
    }
    return new StoreException(
        StoreException.Code.IO,
        "Tried to open the store at "
            + dir
            + " but failed because RocksDB reported: "
            + msg
            + ": check the folder, its permissions and free space",
        e);
  }

  /** Wraps a RocksDB failure with what was being done. */
  static StoreException io(String what, RocksDBException e) {
    return new StoreException(
        StoreException.Code.IO,
        "Tried to "
            + what
            + " but failed because the store reported: "
            + e.getMessage()
            + ": check the disk, then run gapsync fsck",
        e);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Takes the shared lifecycle lock; pair with {@link #exit()} in a finally block.
   *
   * @param what what is about to be done, for the message
   * @throws StoreException CLOSED if the database is closed (the lock is not held then)
   */
  void enter(String what) {
    if (!tryEnter()) {
      throw new StoreException(
          StoreException.Code.CLOSED,
          "Tried to "
              + what
              + " but failed because the store at "
              + dir
              + " is closed: open it "
              + "again");
    }
  }

  /**
   * Takes the shared lifecycle lock if the database is open; returns false (lock not held) if not.
   */
  boolean tryEnter() {
    lifecycle.readLock().lock();
    if (closed) {
      lifecycle.readLock().unlock();
      return false;
    }
    return true;
  }

  /** Releases the shared lifecycle lock taken by {@link #enter} or {@link #tryEnter}. */
  void exit() {
    lifecycle.readLock().unlock();
  }

  /** Registers something to release before the database closes. */
  void track(Dependent d) {
    dependents.add(d);
  }

  /** Forgets a dependent that released its resources itself. */
  void untrack(Dependent d) {
    dependents.remove(d);
  }

  /** Returns true once {@link #close()} has begun. */
  boolean isClosed() {
    return closed;
  }

  /**
   * Closes the database once: waits for operations in progress, releases open iterators and
   * uploads, then frees every native handle. Safe to call more than once.
   *
   * @throws IllegalStateException if called from inside a store operation (a visitor callback)
   */
  /**
   * Flushes every column family's memtable, so the write-ahead log can be dropped: without it the
   * log (which holds whole chunks) stays on disk after close and every later open replays it, so a
   * store just given a 300 MB image held 300 MB of log and read-only commands took a second longer.
   * A failed flush only costs that replay, never data: it is reported on stderr.
   */
  private void flushAll() {
    try (org.rocksdb.FlushOptions options = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(options, handles);
    } catch (RocksDBException e) {
      System.err.println(
          "gapsync: warning: could not flush the store at " + dir + " on close: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (lifecycle.getReadHoldCount() > 0) {
      throw new IllegalStateException(
          "Tried to close the store at "
              + dir
              + " but failed because this thread is inside a "
              + "store operation (a visitor callback?): close it after the operation returns");
    }
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (Dependent d : List.copyOf(dependents)) {
        d.release();
      }
      dependents.clear();
      if (!readOnly) {
        flushAll();
      }
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
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
