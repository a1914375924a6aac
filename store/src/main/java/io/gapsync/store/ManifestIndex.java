package io.gapsync.store;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The {@code manifests} column family (exact bytes and media type) with its two indexes: {@code
 * refs} (child digest SEP parent manifest) and {@code referrers} (subject SEP referrer). Callers
 * (the {@link Store}) hold the database lifecycle lock; writes also hold the gc lock's read side.
 */
final class ManifestIndex {

  private final Db db;
  private final Store store;

  ManifestIndex(Db db, Store store) {
    this.db = db;
    this.store = store;
  }

  /**
   * Stores a parsed manifest after checking that what it references is held; the caller holds the
   * gc lock's read side, so nothing checked present can be collected before the write.
   *
   * @return the result
   * @throws StoreException MANIFEST_REFERENCE_UNKNOWN naming every missing or mismatched digest
   */
  PutResult put(Manifest m) {
    if (has(m.digest())) {
      return new PutResult(m.digest(), m.size(), false);
    }
    List<String> missing = new ArrayList<>();
    for (Descriptor d : m.blobReferences()) {
      Optional<Long> size = store.blobSizeUnguarded(d.digest());
      if (size.isEmpty()) {
        missing.add("blob " + d.digest() + " (" + d.mediaType() + ")");
      } else if (size.get() != d.size()) {
        missing.add(
            "blob "
                + d.digest()
                + " ("
                + d.mediaType()
                + ") of "
                + d.size()
                + " bytes, where the stored blob has "
                + size.get());
      }
    }
    // Entries of an index that are not manifests are blobs (OCI 1.1), checked above.
    for (Descriptor d : m.manifestReferences()) {
      if (!has(d.digest())) {
        missing.add("manifest " + d.digest() + " (" + d.mediaType() + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException(
          StoreException.Code.MANIFEST_REFERENCE_UNKNOWN,
          "Tried to store manifest "
              + m.digest()
              + " but failed because the store lacks what it "
              + "references: "
              + String.join(", ", missing)
              + ": store the referenced content "
              + "first");
    }
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(
          db.manifests, Keys.digest(m.digest()), Keys.manifestRecord(m.mediaType(), m.bytes()));
      for (Digest child : children(m)) {
        batch.put(db.refs, Keys.pair(child.toString(), m.digest().toString()), new byte[0]);
      }
      if (m.subject() != null) {
        batch.put(
            db.referrers,
            Keys.pair(m.subject().digest().toString(), m.digest().toString()),
            new byte[0]);
      }
      db.db.write(db.commitWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("store manifest " + m.digest(), e);
    }
    return new PutResult(m.digest(), m.size(), true);
  }

  /** Returns every digest a manifest references directly (blobs and children), deduplicated. */
  static Set<Digest> children(Manifest m) {
    Set<Digest> out = new LinkedHashSet<>();
    m.blobReferences().forEach(d -> out.add(d.digest()));
    m.manifests().forEach(d -> out.add(d.digest()));
    return out;
  }

  boolean has(Digest digest) {
    return raw(digest) != null;
  }

  /** Returns the stored record, or null. */
  byte[] raw(Digest digest) {
    try {
      return db.db.get(db.manifests, Keys.digest(digest));
    } catch (RocksDBException e) {
      throw Db.io("look up manifest " + digest, e);
    }
  }

  Optional<Manifest> get(Digest digest) {
    byte[] v = raw(digest);
    if (v == null) {
      return Optional.empty();
    }
    return Optional.of(
        ManifestParser.parse(
            Keys.manifestBytes(digest, v),
            Keys.manifestMediaType(digest, v),
            "stored manifest " + digest));
  }

  Optional<ManifestInfo> info(Digest digest) {
    byte[] v = raw(digest);
    return v == null
        ? Optional.empty()
        : Optional.of(
            new ManifestInfo(
                digest, Keys.manifestMediaType(digest, v), Keys.manifestSize(digest, v)));
  }

  void forEach(Consumer<ManifestInfo> visitor) {
    try (RocksIterator it = db.db.newIterator(db.manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        byte[] v = it.value();
        visitor.accept(new ManifestInfo(d, Keys.manifestMediaType(d, v), Keys.manifestSize(d, v)));
      }
    }
  }

  List<Digest> referencedBy(Digest child) {
    List<Digest> out = new ArrayList<>();
    scanPairs(db, db.refs, child.toString(), (p, v) -> out.add(Digest.parse(p)));
    return out;
  }

  List<Referrer> referrers(Digest subject) {
    List<Referrer> out = new ArrayList<>();
    scanPairs(
        db,
        db.referrers,
        subject.toString(),
        (p, v) -> {
          Digest d = Digest.parse(p);
          get(d)
              .ifPresent(m -> out.add(new Referrer(d, m.mediaType(), m.artifactType(), m.size())));
        });
    return out;
  }

  /**
   * Visits the keys {@code first SEP second} of a column family in order, giving the second part
   * and the value.
   */
  static void scanPairs(
      Db db, ColumnFamilyHandle cf, String first, BiConsumer<String, byte[]> visitor) {
    byte[] start = Keys.prefixStart(first);
    byte[] end = Keys.prefixEnd(first);
    try (RocksIterator it = db.db.newIterator(cf)) {
      for (it.seek(start); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (Arrays.compareUnsigned(k, end) >= 0) {
          break;
        }
        visitor.accept(Keys.split(k)[1], it.value());
      }
    }
  }
}
