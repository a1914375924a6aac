package io.gapsync.store;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The content-addressed gapsync store: blobs, manifests (exact bytes), tags, the reverse index
 * (content to the manifests that reference it) and the referrers index (subject to referrers),
 * kept in one RocksDB database.
 *
 * <p>Thread-safe. Writes of content are idempotent and atomic: a blob or manifest becomes
 * visible in one RocksDB write batch once verified, and storing what is already present
 * succeeds. {@link #gc()} excludes concurrent writers for its duration; ingests that need
 * content to survive between steps hold an {@link IngestLease}.
 *
 * <p>The caller closes the store; streams from {@link #openBlob} must be closed first. RocksDB
 * allows one process to open a store read-write: a second gets {@link StoreException.Code#LOCKED}.
 */
public final class Store implements AutoCloseable {

  private final Path dir;
  private final StoreOptions options;
  private final Db db;
  private final String siteId;
  private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
  private final Object commitLock = new Object();
  private final Set<IngestLease> leases = ConcurrentHashMap.newKeySet();
  private final Set<String> activeUploads = ConcurrentHashMap.newKeySet();

  private Store(Path dir, StoreOptions options, Db db) {
    this.dir = dir;
    this.options = options;
    this.db = db;
    try {
      this.siteId = Keys.string(db.db.get(db.meta, Db.META_SITE_ID));
    } catch (RocksDBException e) {
      throw Db.io("read the site id of " + dir, e);
    }
  }

  /**
   * Opens the store in a folder, creating it if the folder is empty or absent (and not
   * read-only).
   *
   * @param dir the folder
   * @param options how to open it
   * @return the open store
   * @throws StoreException NOT_A_STORE, FORMAT_VERSION, LOCKED or IO
   */
  public static Store open(Path dir, StoreOptions options) {
    return open(dir, options, null);
  }

  /**
   * Opens the store, giving a new store the site id provided.
   *
   * @param dir the folder
   * @param options how to open it
   * @param newSiteId the site id recorded if the store is created, or null for a random one
   * @return the open store
   */
  public static Store open(Path dir, StoreOptions options, String newSiteId) {
    Store s = new Store(dir, options, Db.open(dir, options, newSiteId));
    if (!options.readOnly()) {
      s.discardStaleUploads();
    }
    return s;
  }

  /** Returns the store folder. */
  public Path path() {
    return dir;
  }

  /** Returns the site id recorded when the store was created. */
  public String siteId() {
    return siteId;
  }

  /** Returns true if opened read-only. */
  public boolean readOnly() {
    return options.readOnly();
  }

  // ---------------------------------------------------------------- blobs

  /** Returns true if the store holds the blob. */
  public boolean hasBlob(Digest digest) {
    return blobRecord(digest).isPresent();
  }

  /** Returns the size of a blob, if held. */
  public Optional<Long> blobSize(Digest digest) {
    return blobRecord(digest).map(Keys.BlobRecord::size);
  }

  Optional<Keys.BlobRecord> blobRecord(Digest digest) {
    try {
      byte[] v = db.db.get(db.blobs, Keys.digest(digest));
      return v == null ? Optional.empty() : Optional.of(Keys.BlobRecord.decode(digest, v));
    } catch (RocksDBException e) {
      throw Db.io("look up blob " + digest, e);
    }
  }

  /**
   * Opens a blob for reading from its start.
   *
   * @param digest the blob
   * @return a stream the caller must close
   * @throws StoreException BLOB_UNKNOWN if absent
   */
  public InputStream openBlob(Digest digest) {
    return openBlob(digest, 0);
  }

  /**
   * Opens a blob for reading from an offset (HTTP range requests, resumed transfers).
   *
   * @param digest the blob
   * @param offset the first byte to read, 0 to size
   * @return a stream the caller must close
   * @throws StoreException BLOB_UNKNOWN if absent
   */
  public InputStream openBlob(Digest digest, long offset) {
    Keys.BlobRecord r =
        blobRecord(digest)
            .orElseThrow(
                () ->
                    new StoreException(
                        StoreException.Code.BLOB_UNKNOWN,
                        "Tried to read blob " + digest + " but the store at " + dir + " does not hold it"));
    if (offset < 0 || offset > r.size()) {
      throw new IllegalArgumentException("offset " + offset + " outside blob of " + r.size() + " bytes");
    }
    return new ChunkInputStream(db, digest, r, offset);
  }

  /**
   * Starts a streamed blob write. The caller writes the content, then commits with the expected
   * digest, and closes the upload in every case.
   *
   * @return the upload
   */
  public BlobUpload beginUpload() {
    checkWritable("store a blob");
    return new BlobUpload(this, db, options.chunkSizeBytes());
  }

  /**
   * Stores a blob from a stream, verifying it. If {@code expected} is given and already held,
   * the stream is not read and the result says it was not created.
   *
   * @param in the content; read to its end, not closed
   * @param expected the digest the content must have, or null to accept what it hashes to
   * @param expectedSize the size it must have, or -1
   * @return the result
   * @throws IOException if reading the stream fails (nothing is stored)
   * @throws StoreException DIGEST_MISMATCH if the content does not match (nothing is stored)
   */
  public PutResult putBlob(InputStream in, Digest expected, long expectedSize) throws IOException {
    if (expected != null) {
      Optional<Long> have = blobSize(expected);
      if (have.isPresent()) {
        return new PutResult(expected, have.get(), false);
      }
    }
    try (BlobUpload up = beginUpload()) {
      in.transferTo(up);
      return up.commit(expected, expectedSize);
    }
  }

  /** Visits every blob, in digest order. */
  public void forEachBlob(Consumer<BlobInfo> visitor) {
    try (RocksIterator it = db.db.newIterator(db.blobs)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        visitor.accept(new BlobInfo(d, Keys.BlobRecord.decode(d, it.value()).size()));
      }
    }
  }

  PutResult publishBlob(Digest digest, Keys.BlobRecord record) {
    gcLock.readLock().lock();
    try {
      synchronized (commitLock) {
        Optional<Keys.BlobRecord> existing = blobRecord(digest);
        if (existing.isPresent()) {
          discardContent(record.contentId());
          return new PutResult(digest, existing.get().size(), false);
        }
        try (WriteBatch batch = new WriteBatch()) {
          batch.put(db.blobs, Keys.digest(digest), record.encode());
          batch.delete(db.uploads, record.contentId());
          db.db.write(db.commitWrite, batch);
        } catch (RocksDBException e) {
          throw Db.io("publish blob " + digest, e);
        }
        activeUploads.remove(hex(record.contentId()));
        return new PutResult(digest, record.size(), true);
      }
    } finally {
      gcLock.readLock().unlock();
    }
  }

  void registerUpload(byte[] contentId) {
    activeUploads.add(hex(contentId));
  }

  void discardContent(byte[] contentId) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.deleteRange(db.chunks, Keys.chunk(contentId, 0), Keys.chunkEnd(contentId));
      batch.delete(db.uploads, contentId);
      db.db.write(db.bulkWrite, batch);
    } catch (RocksDBException e) {
      throw Db.io("discard an unfinished blob upload", e);
    } finally {
      activeUploads.remove(hex(contentId));
    }
  }

  boolean isActiveUpload(byte[] contentId) {
    return activeUploads.contains(hex(contentId));
  }

  private void discardStaleUploads() {
    // Uploads recorded in the store but not in this process were cut short by a crash.
    List<byte[]> stale = new ArrayList<>();
    try (RocksIterator it = db.db.newIterator(db.uploads)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        stale.add(it.key());
      }
    }
    for (byte[] id : stale) {
      discardContent(id);
    }
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }

  // ---------------------------------------------------------------- manifests

  /**
   * Stores a manifest as its exact bytes after checking that everything it references is held:
   * the config and layers of an image manifest, the child manifests of an index. The subject of
   * an OCI 1.1 artifact need not be present (referrers may arrive first). Updates the reverse
   * and referrers indexes in the same atomic write.
   *
   * @param bytes the exact bytes
   * @param declaredMediaType the media type the source declared, or null
   * @return the result (digest is sha256 of the bytes)
   * @throws ProtocolException if the bytes are not a valid manifest
   * @throws StoreException MANIFEST_REFERENCE_UNKNOWN naming the missing digests
   */
  public PutResult putManifest(byte[] bytes, String declaredMediaType) {
    checkWritable("store a manifest");
    Manifest m = ManifestParser.parse(bytes, declaredMediaType, "manifest " + Digest.sha256Of(bytes));
    gcLock.readLock().lock();
    try {
      if (hasManifest(m.digest())) {
        return new PutResult(m.digest(), bytes.length, false);
      }
      List<String> missing = new ArrayList<>();
      for (Descriptor d : m.blobReferences()) {
        if (!hasBlob(d.digest())) {
          missing.add("blob " + d.digest() + " (" + d.mediaType() + ")");
        }
      }
      for (Descriptor d : m.manifests()) {
        if (!hasManifest(d.digest())) {
          missing.add("manifest " + d.digest() + " (" + d.mediaType() + ")");
        }
      }
      if (!missing.isEmpty()) {
        throw new StoreException(
            StoreException.Code.MANIFEST_REFERENCE_UNKNOWN,
            "Tried to store manifest " + m.digest() + " but the store lacks what it references: "
                + String.join(", ", missing) + ". Store the referenced content first");
      }
      try (WriteBatch batch = new WriteBatch()) {
        batch.put(db.manifests, Keys.digest(m.digest()), Keys.manifestRecord(m.mediaType(), bytes));
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
      return new PutResult(m.digest(), bytes.length, true);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /** Returns every digest a manifest references directly (blobs and child manifests), deduplicated. */
  static Set<Digest> children(Manifest m) {
    Set<Digest> out = new LinkedHashSet<>();
    m.blobReferences().forEach(d -> out.add(d.digest()));
    m.manifests().forEach(d -> out.add(d.digest()));
    return out;
  }

  /** Returns true if the store holds the manifest. */
  public boolean hasManifest(Digest digest) {
    return rawManifest(digest) != null;
  }

  byte[] rawManifest(Digest digest) {
    try {
      return db.db.get(db.manifests, Keys.digest(digest));
    } catch (RocksDBException e) {
      throw Db.io("look up manifest " + digest, e);
    }
  }

  /**
   * Returns a manifest, parsed, with its exact bytes.
   *
   * @param digest the manifest digest
   * @return the manifest, or empty if not held
   */
  public Optional<Manifest> manifest(Digest digest) {
    byte[] v = rawManifest(digest);
    if (v == null) {
      return Optional.empty();
    }
    return Optional.of(
        ManifestParser.parse(
            Keys.manifestBytes(digest, v), Keys.manifestMediaType(digest, v), "stored manifest " + digest));
  }

  /** Returns a manifest's media type and size without parsing it. */
  public Optional<ManifestInfo> manifestInfo(Digest digest) {
    byte[] v = rawManifest(digest);
    return v == null
        ? Optional.empty()
        : Optional.of(
            new ManifestInfo(digest, Keys.manifestMediaType(digest, v), Keys.manifestSize(digest, v)));
  }

  /** Visits every manifest, in digest order. */
  public void forEachManifest(Consumer<ManifestInfo> visitor) {
    try (RocksIterator it = db.db.newIterator(db.manifests)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Digest d = Digest.parse(Keys.string(it.key()));
        byte[] v = it.value();
        visitor.accept(new ManifestInfo(d, Keys.manifestMediaType(d, v), Keys.manifestSize(d, v)));
      }
    }
  }

  /**
   * Returns the manifests that reference a blob or manifest directly (the reverse index): image
   * manifests for a layer or config, indexes for a platform manifest.
   */
  public List<Digest> referencedBy(Digest child) {
    List<Digest> out = new ArrayList<>();
    scanPairs(db.refs, child.toString(), p -> out.add(Digest.parse(p)));
    return out;
  }

  /** Returns the manifests that name {@code subject} as their subject (OCI 1.1 referrers). */
  public List<Referrer> referrers(Digest subject) {
    List<Referrer> out = new ArrayList<>();
    scanPairs(
        db.referrers,
        subject.toString(),
        p -> {
          Digest d = Digest.parse(p);
          manifest(d)
              .ifPresent(m -> out.add(new Referrer(d, m.mediaType(), m.artifactType(), m.size())));
        });
    return out;
  }

  void scanPairs(org.rocksdb.ColumnFamilyHandle cf, String first, Consumer<String> second) {
    byte[] start = Keys.prefixStart(first);
    byte[] end = Keys.prefixEnd(first);
    try (RocksIterator it = db.db.newIterator(cf)) {
      for (it.seek(start); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (java.util.Arrays.compareUnsigned(k, end) >= 0) {
          break;
        }
        second.accept(Keys.split(k)[1]);
      }
    }
  }

  // ---------------------------------------------------------------- tags

  /**
   * Points {@code repository:tag} at a manifest the store holds, replacing what it pointed at.
   *
   * @throws StoreException MANIFEST_UNKNOWN if the manifest is not held
   */
  public void tag(String repository, String tag, Digest manifest) {
    checkWritable("tag " + repository + ":" + tag);
    gcLock.readLock().lock();
    try {
      if (!hasManifest(manifest)) {
        throw new StoreException(
            StoreException.Code.MANIFEST_UNKNOWN,
            "Tried to tag " + repository + ":" + tag + " as " + manifest
                + " but the store does not hold that manifest");
      }
      db.db.put(db.tags, db.commitWrite, Keys.pair(repository, tag), Keys.digest(manifest));
    } catch (RocksDBException e) {
      throw Db.io("tag " + repository + ":" + tag, e);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /** Removes a tag; returns false if it did not exist. Content stays until {@link #gc()}. */
  public boolean untag(String repository, String tag) {
    checkWritable("remove tag " + repository + ":" + tag);
    if (resolveTag(repository, tag).isEmpty()) {
      return false;
    }
    try {
      db.db.delete(db.tags, db.commitWrite, Keys.pair(repository, tag));
      return true;
    } catch (RocksDBException e) {
      throw Db.io("remove tag " + repository + ":" + tag, e);
    }
  }

  /** Resolves a tag to its manifest digest. */
  public Optional<Digest> resolveTag(String repository, String tag) {
    try {
      byte[] v = db.db.get(db.tags, Keys.pair(repository, tag));
      return v == null ? Optional.empty() : Optional.of(Digest.parse(Keys.string(v)));
    } catch (RocksDBException e) {
      throw Db.io("resolve " + repository + ":" + tag, e);
    }
  }

  /** Returns every tag, sorted by repository then tag. */
  public List<TagInfo> tags() {
    List<TagInfo> out = new ArrayList<>();
    try (RocksIterator it = db.db.newIterator(db.tags)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String[] p = Keys.split(it.key());
        out.add(new TagInfo(p[0], p[1], Digest.parse(Keys.string(it.value()))));
      }
    }
    return out;
  }

  /** Returns the tags of one repository, sorted. */
  public List<TagInfo> tags(String repository) {
    List<TagInfo> out = new ArrayList<>();
    scanPairs(
        db.tags,
        repository,
        t -> resolveTag(repository, t).ifPresent(d -> out.add(new TagInfo(repository, t, d))));
    return out;
  }

  /** Returns the repositories that have at least one tag, sorted. */
  public List<String> repositories() {
    Set<String> out = new TreeSet<>();
    tags().forEach(t -> out.add(t.repository()));
    return new ArrayList<>(out);
  }

  // ---------------------------------------------------------------- maintenance

  /** Starts an ingest lease that protects what it pins from {@link #gc()}. */
  public IngestLease lease() {
    IngestLease l = new IngestLease(this);
    leases.add(l);
    return l;
  }

  void releaseLease(IngestLease lease) {
    leases.remove(lease);
  }

  Set<Digest> pinnedDigests() {
    Set<Digest> out = new LinkedHashSet<>();
    leases.forEach(l -> out.addAll(l.pinned()));
    return out;
  }

  /**
   * Removes manifests no tag reaches (directly, through an index, or as a referrer of a kept
   * manifest) and no lease pins, then blobs no kept manifest references, then chunks of failed
   * uploads. Writers wait while it runs.
   *
   * @return what was removed
   */
  public GcReport gc() {
    checkWritable("collect garbage");
    gcLock.writeLock().lock();
    try {
      return new GarbageCollector(this, db).run();
    } finally {
      gcLock.writeLock().unlock();
    }
  }

  /**
   * Re-hashes every blob and manifest and checks every reference, tag and index entry.
   *
   * @param progress called with (bytes checked, total blob bytes) as blobs are re-hashed; may be
   *     null
   * @return the report; it lists every problem found
   */
  public FsckReport fsck(java.util.function.BiConsumer<Long, Long> progress) {
    return new StoreChecker(this, db, progress).run();
  }

  /** Counts what the store holds. */
  public StoreStats stats() {
    long[] b = new long[2];
    forEachBlob(i -> {
      b[0]++;
      b[1] += i.size();
    });
    long[] m = new long[2];
    forEachManifest(i -> {
      m[0]++;
      m[1] += i.size();
    });
    List<TagInfo> t = tags();
    long repos = t.stream().map(TagInfo::repository).distinct().count();
    return new StoreStats(b[0], b[1], m[0], m[1], t.size(), repos);
  }

  private void checkWritable(String what) {
    if (options.readOnly()) {
      throw new StoreException(
          StoreException.Code.READ_ONLY,
          "Tried to " + what + " but the store at " + dir + " is open read-only");
    }
  }

  @Override
  public void close() {
    gcLock.writeLock().lock();
    try {
      db.close();
    } finally {
      gcLock.writeLock().unlock();
    }
  }
}
