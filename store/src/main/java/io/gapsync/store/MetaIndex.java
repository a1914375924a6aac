package io.gapsync.store;

import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Small named values of the {@code default} column family under the key prefix {@code x/}, apart
 * from the store's own metadata (docs/FORMAT.md, "Store layout"): archive sequence counters,
 * imported-archive records, watermarks. Callers ({@link Store}) hold the lifecycle lock.
 */
final class MetaIndex {

  /** Prefix of every key this index writes; the store's own keys never start with it. */
  static final String PREFIX = "x/";

  /** Grammar of a key (after the prefix). */
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:/-]{1,512}");

  /** Largest value, in UTF-8 bytes. */
  static final int VALUE_MAX_BYTES = 64 * 1024;

  private final Db db;
  private final Object counterLock = new Object();

  MetaIndex(Db db) {
    this.db = db;
  }

  static void checkKey(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "metadata key '" + key + "' does not match " + KEY.pattern());
    }
  }

  Optional<String> get(String key) {
    checkKey(key);
    try {
      byte[] v = db.db.get(db.meta, Keys.utf8(PREFIX + key));
      return v == null ? Optional.empty() : Optional.of(Keys.string(v));
    } catch (RocksDBException e) {
      throw Db.io("read metadata " + key, e);
    }
  }

  void put(Map<String, String> entries) {
    try (WriteBatch batch = new WriteBatch()) {
      addTo(batch, entries);
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("write metadata " + entries.keySet(), e);
    }
  }

  /**
   * Adds metadata writes to a batch another index commits (so that they land atomically with it); a
   * null value removes its key. Checks every key and value; nothing is written until the caller
   * writes the batch.
   *
   * @throws IllegalArgumentException if a key is malformed or a value too large
   */
  void addTo(WriteBatch batch, Map<String, String> entries) throws RocksDBException {
    for (Map.Entry<String, String> e : entries.entrySet()) {
      checkKey(e.getKey());
      byte[] k = Keys.utf8(PREFIX + e.getKey());
      if (e.getValue() == null) {
        batch.delete(db.meta, k);
      } else {
        byte[] v = Keys.utf8(e.getValue());
        if (v.length > VALUE_MAX_BYTES) {
          throw new IllegalArgumentException(
              "metadata value of " + e.getKey() + " is over " + VALUE_MAX_BYTES + " bytes");
        }
        batch.put(db.meta, k, v);
      }
    }
  }

  SortedMap<String, String> withPrefix(String prefix) {
    String full = PREFIX + prefix;
    SortedMap<String, String> out = new TreeMap<>();
    try (RocksIterator it = db.db.newIterator(db.meta)) {
      for (it.seek(Keys.utf8(full)); it.isValid(); it.next()) {
        String k = Keys.string(it.key());
        if (!k.startsWith(full)) {
          break;
        }
        out.put(k.substring(PREFIX.length()), Keys.string(it.value()));
      }
    }
    return out;
  }

  long next(String counter) {
    synchronized (counterLock) {
      long current = get(counter).map(Long::parseLong).orElse(0L);
      long next = Math.addExact(current, 1);
      put(Map.of(counter, Long.toString(next)));
      return next;
    }
  }
}
