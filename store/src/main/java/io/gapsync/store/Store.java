package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;

/**
 * The content-addressed gapsync store: blobs, manifests (exact bytes), tags, the reverse index
 * (content to the manifests that reference it) and the referrers index (subject to referrers), kept
 * in one RocksDB database; blobs of at least {@link StoreOptions#fileThresholdBytes()} keep their
 * bytes in immutable files under {@code blobs/} in the store folder, which RocksDB indexes.
 *
 * <p>Thread-safe. Writes of content are idempotent and atomic: a blob or manifest becomes visible
 * in one RocksDB write batch once verified, and storing what is already present succeeds. {@link
 * #gc()} excludes concurrent writers for its duration. Content stored but not yet tagged is
 * unreferenced: an ingest pins each digest in an {@link IngestLease} before storing it (or passes
 * the lease to the put), so a concurrent gc keeps it.
 *
 * <p>The caller closes the store. {@link #close()} waits for operations in progress, releases
 * streams from {@link #openBlob} (their reads then fail) and abandons open uploads (the next open
 * discards their chunks). Visitor callbacks must not close the store. RocksDB allows one read-write
 * open per folder: a second, from this or another process, gets {@link StoreException.Code#LOCKED};
 * read-only opens see the store as it was when they opened.
 */
public final class Store implements AutoCloseable {

  private final Path dir;
  private final StoreOptions options;
  private final Db db;
  private final String siteId;
  private final ManifestIndex manifests;
  private final TagIndex tags;
  private final BlobIndex blobs;
  private final MetaIndex meta;
  private final StoreLocks locks;
  private final Set<IngestLease> leases = ConcurrentHashMap.newKeySet();

  private Store(Path dir, StoreOptions options, Db db) {
    this.dir = dir;
    this.options = options;
    this.db = db;
    this.locks = new StoreLocks(db);
    this.blobs = new BlobIndex(db, new BlobFiles(dir, options.syncWrites()));
    this.meta = new MetaIndex(db);
    this.manifests = new ManifestIndex(db, this);
    this.tags = new TagIndex(db, manifests);
    try {
      this.siteId = Keys.string(db.db.get(db.meta, Db.META_SITE_ID));
    } catch (RocksDBException e) {
      throw Db.io("read the site id of " + dir, e);
    }
  }

  /**
   * Opens the store in a folder, creating it if the folder is empty or absent (and not read-only).
   *
   * @param dir the folder
   * @param options how to open it
   * @return the open store; the caller closes it
   * @throws StoreException NOT_A_STORE, FORMAT_VERSION, LOCKED or IO
   */
  public static Store open(Path dir, StoreOptions options) {
    return open(dir, options, null);
  }

  /**
   * Opens the store, giving a new store the site id provided. Discards the chunks of uploads a
   * crash cut short (read-write opens only).
   *
   * @param dir the folder
   * @param options how to open it
   * @param newSiteId the site id recorded if the store is created, or null for a random one
   * @return the open store; the caller closes it
   * @throws StoreException NOT_A_STORE, FORMAT_VERSION, LOCKED or IO
   */
  public static Store open(Path dir, StoreOptions options, String newSiteId) {
    Db db = Db.open(dir, options, newSiteId);
    try {
      Store s = new Store(dir, options, db);
      if (!options.readOnly()) {
        s.locks.guarded(
            "discard uploads cut short by a crash",
            () -> {
              s.blobs.files().create();
              s.blobs.discardStaleUploads();
              return null;
            });
      }
      return s;
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
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
    return locks.guarded("look up blob " + digest, () -> blobs.record(digest).isPresent());
  }

  /** Returns the size of a blob, if held. */
  public Optional<Long> blobSize(Digest digest) {
    return locks.guarded("look up blob " + digest, () -> blobSizeUnguarded(digest));
  }

  Optional<Long> blobSizeUnguarded(Digest digest) {
    return blobs.record(digest).map(Keys.BlobRecord::size);
  }

  /** Returns a blob's record; the caller holds the lifecycle lock. For the package and tests. */
  Optional<Keys.BlobRecord> blobRecord(Digest digest) {
    return blobs.record(digest);
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
   * @throws StoreException BLOB_UNKNOWN if absent, CORRUPT if its chunks are damaged
   * @throws IllegalArgumentException if the offset is outside the blob
   */
  public InputStream openBlob(Digest digest, long offset) {
    return locks.guarded(
        "read blob " + digest, () -> BlobStream.open(db, blobs.files(), digest, offset));
  }

  /**
   * Opens part of a blob as a channel, for serving it. For a blob in chunk rows, a read into a
   * direct buffer with room for a whole chunk ({@link StoreOptions#chunkSizeBytes()} when the blob
   * was stored, 1 MiB by default) copies the chunk from RocksDB straight into the buffer, with no
   * heap array in between; other reads copy through one array per channel. A blob kept in a file is
   * read from the file (see also {@link #openBlobFile}).
   *
   * @param digest the blob
   * @param offset the first byte to read, 0 to size
   * @param length the bytes to read at most (the channel ends after them, or at the blob's end)
   * @return a channel the caller must close
   * @throws StoreException BLOB_UNKNOWN if absent, CORRUPT if its chunks are damaged
   * @throws IllegalArgumentException if the offset is outside the blob or the length is negative
   */
  public ReadableByteChannel openBlobChannel(Digest digest, long offset, long length) {
    if (length < 0) {
      throw new IllegalArgumentException(
          "Tried to read "
              + length
              + " bytes of blob "
              + digest
              + " but failed because the length is negative: give a length of 0 or more");
    }
    BlobStream in =
        locks.guarded(
            "read blob " + digest, () -> BlobStream.open(db, blobs.files(), digest, offset));
    in.limit(length);
    return in;
  }

  /**
   * Opens part of a blob kept in a file, for zero-copy serving (sendfile): the file, open for
   * reading, and the region of it to send. Blobs below {@link StoreOptions#fileThresholdBytes()}
   * when they were stored (and every blob of a store written before files existed) are kept in
   * chunk rows: then the result is empty, use {@link #openBlobChannel}.
   *
   * <p>The channel belongs to the caller, who closes it; closing the store does not. The file is
   * immutable, and stays readable after a concurrent gc unlinks it. Its content is not re-hashed
   * here ({@link #fsck()} does): like distribution, serving trusts the content-addressed file that
   * was verified before it was published.
   *
   * @param digest the blob
   * @param offset the first byte, 0 to size
   * @param length the bytes wanted at most (the region ends after them, or at the blob's end)
   * @return the region, or empty if the blob is held in chunk rows
   * @throws StoreException BLOB_UNKNOWN if absent, CORRUPT if its file is missing or of the wrong
   *     size
   * @throws IllegalArgumentException if the offset is outside the blob or the length is negative
   */
  public Optional<BlobFileRegion> openBlobFile(Digest digest, long offset, long length) {
    return locks.guarded(
        "read blob " + digest,
        () -> {
          Keys.BlobRecord r = BlobStream.record(db, null, digest);
          if (!r.inFile()) {
            return Optional.empty();
          }
          if (offset < 0 || offset > r.size() || length < 0) {
            throw new IllegalArgumentException(
                "Tried to read "
                    + length
                    + " bytes of blob "
                    + digest
                    + " from offset "
                    + offset
                    + " but failed because the blob has "
                    + r.size()
                    + " bytes: give an offset from 0 to the size and a length of 0 or more");
          }
          return Optional.of(
              new BlobFileRegion(
                  FileBlobStream.openChecked(db, blobs.files(), digest, r),
                  offset,
                  Math.min(length, r.size() - offset)));
        });
  }

  /**
   * Starts a streamed blob write. The caller writes the content, then commits with the expected
   * digest, and closes the upload in every case.
   *
   * @return the upload
   * @throws StoreException READ_ONLY, CLOSED
   */
  public BlobUpload beginUpload() {
    checkWritable("store a blob");
    return locks.guarded(
        "start a blob upload", () -> new BlobUpload(this, db, blobs.files(), options));
  }

  /**
   * Stores a blob from a stream, verifying it. If {@code expected} is given and already held, the
   * stream is not read and the result says it was not created.
   *
   * @param in the content; read to its end, not closed
   * @param expected the digest the content must have, or null to accept what it hashes to
   * @param expectedSize the size it must have, or -1
   * @return the result
   * @throws IOException if reading the stream fails (nothing is stored)
   * @throws StoreException DIGEST_MISMATCH if the content does not match (nothing is stored)
   */
  public PutResult putBlob(InputStream in, Digest expected, long expectedSize) throws IOException {
    return putBlob(in, expected, expectedSize, null);
  }

  /**
   * Stores a blob like {@link #putBlob(InputStream, Digest, long)} and pins it in {@code lease}
   * atomically with respect to {@link #gc()}, so it survives until the lease closes.
   *
   * @param in the content; read to its end, not closed
   * @param expected the digest the content must have, or null to accept what it hashes to
   * @param expectedSize the size it must have, or -1
   * @param lease the lease to pin the blob in, or null
   * @return the result
   * @throws IOException if reading the stream fails (nothing is stored)
   * @throws StoreException DIGEST_MISMATCH if the content does not match (nothing is stored)
   */
  public PutResult putBlob(InputStream in, Digest expected, long expectedSize, IngestLease lease)
      throws IOException {
    checkWritable("store a blob");
    if (expected != null) {
      Optional<PutResult> present =
          locks.gcShared(
              "look up blob " + expected,
              () -> {
                Optional<Keys.BlobRecord> r = blobs.record(expected);
                if (r.isPresent() && lease != null) {
                  lease.pin(expected);
                }
                return r.map(x -> new PutResult(expected, x.size(), false));
              });
      if (present.isPresent()) {
        return present.get();
      }
    }
    try (BlobUpload up = beginUpload()) {
      in.transferTo(up);
      return up.commit(expected, expectedSize, lease);
    }
  }

  /** Visits every blob, in digest order. The visitor must not close the store. */
  public void forEachBlob(Consumer<BlobInfo> visitor) {
    locks.guarded(
        "list blobs",
        () -> {
          blobs.forEach(visitor);
          return null;
        });
  }

  /** Publishes a verified upload; called by {@link BlobUpload#commit}. */
  PutResult publishBlob(
      Digest digest, Keys.BlobRecord record, byte[] contentId, IngestLease lease) {
    return locks.gcShared(
        "publish blob " + digest, () -> blobs.publish(digest, record, contentId, lease));
  }

  /** The blob records, chunks and uploads. */
  BlobIndex blobs() {
    return blobs;
  }

  // ---------------------------------------------------------------- manifests

  /**
   * Stores a manifest as its exact bytes after checking that everything it references is held: the
   * config and layers of an image manifest (with the sizes it gives), the children of an index. The
   * subject of an OCI 1.1 artifact need not be present (referrers may arrive first). Updates the
   * reverse and referrers indexes in the same atomic write.
   *
   * @param bytes the exact bytes
   * @param declaredMediaType the media type the source declared, or null
   * @return the result (digest is sha256 of the bytes)
   * @throws ProtocolException if the bytes are not a valid manifest
   * @throws StoreException MANIFEST_REFERENCE_UNKNOWN naming the missing digests
   */
  public PutResult putManifest(byte[] bytes, String declaredMediaType) {
    return putManifest(bytes, declaredMediaType, null);
  }

  /**
   * Stores a manifest like {@link #putManifest(byte[], String)} and pins it in {@code lease}
   * atomically with respect to {@link #gc()}.
   *
   * @param bytes the exact bytes
   * @param declaredMediaType the media type the source declared, or null
   * @param lease the lease to pin the manifest in, or null
   * @return the result (digest is sha256 of the bytes)
   * @throws ProtocolException if the bytes are not a valid manifest
   * @throws StoreException MANIFEST_REFERENCE_UNKNOWN naming the missing digests
   */
  public PutResult putManifest(byte[] bytes, String declaredMediaType, IngestLease lease) {
    checkWritable("store a manifest");
    Manifest m =
        ManifestParser.parse(bytes, declaredMediaType, "manifest " + Digest.sha256Of(bytes));
    return locks.gcShared(
        "store manifest " + m.digest(),
        () -> {
          if (lease != null) {
            lease.pin(m.digest());
          }
          return manifests.put(m);
        });
  }

  /** Returns true if the store holds the manifest. */
  public boolean hasManifest(Digest digest) {
    return locks.guarded("look up manifest " + digest, () -> manifests.has(digest));
  }

  /**
   * Returns a manifest, parsed, with its exact bytes.
   *
   * @param digest the manifest digest
   * @return the manifest, or empty if not held
   */
  public Optional<Manifest> manifest(Digest digest) {
    return locks.guarded("read manifest " + digest, () -> manifests.get(digest));
  }

  /**
   * Returns a manifest that the caller reached through a tag or a reference, so it must be held.
   *
   * @param digest the manifest digest
   * @return the manifest, parsed, with its exact bytes
   * @throws StoreException MANIFEST_UNKNOWN if the store does not hold it (a damaged store)
   */
  public Manifest requireManifest(Digest digest) {
    return manifest(digest)
        .orElseThrow(
            () ->
                new StoreException(
                    StoreException.Code.MANIFEST_UNKNOWN,
                    "Tried to read manifest "
                        + digest
                        + " from the store at "
                        + dir
                        + " but the store does not hold it though something references it:"
                        + " run gapsync fsck"));
  }

  /** Returns a manifest's media type and size without parsing it. */
  public Optional<ManifestInfo> manifestInfo(Digest digest) {
    return locks.guarded("read manifest " + digest, () -> manifests.info(digest));
  }

  /** Visits every manifest, in digest order. The visitor must not close the store. */
  public void forEachManifest(Consumer<ManifestInfo> visitor) {
    locks.guarded(
        "list manifests",
        () -> {
          manifests.forEach(visitor);
          return null;
        });
  }

  /**
   * Returns the manifests that reference a blob or manifest directly (the reverse index): image
   * manifests for a layer or config, indexes for a platform manifest.
   */
  public List<Digest> referencedBy(Digest child) {
    return locks.guarded("look up the users of " + child, () -> manifests.referencedBy(child));
  }

  /** Returns the manifests that name {@code subject} as their subject (OCI 1.1 referrers). */
  public List<Referrer> referrers(Digest subject) {
    return locks.guarded("look up the referrers of " + subject, () -> manifests.referrers(subject));
  }

  // ---------------------------------------------------------------- tags

  /**
   * Points {@code repository:tag} at a manifest the store holds, replacing what it pointed at.
   *
   * @throws StoreException MANIFEST_UNKNOWN if the manifest is not held, NAME_INVALID
   */
  public void tag(String repository, String tag, Digest manifest) {
    checkWritable("tag " + repository + ":" + tag);
    locks.gcShared(
        "tag " + repository + ":" + tag,
        () -> {
          tags.tag(repository, tag, manifest);
          return null;
        });
  }

  /**
   * Moves several tags at once, each only if it points where its move expects (compare-and-set), in
   * one atomic, synced write: either every move lands or none does.
   *
   * @param moves the moves; each tag at most once; may be empty
   * @throws StoreException TAG_CONFLICT naming each tag that is not at its expected target (with
   *     the expected and the actual target; nothing changed), MANIFEST_UNKNOWN if a target manifest
   *     is not held (nothing changed), READ_ONLY, CLOSED, IO
   * @throws IllegalArgumentException if a tag appears twice
   */
  public void moveTags(List<TagMove> moves) {
    moveTags(moves, Map.of());
  }

  /**
   * Moves several tags like {@link #moveTags(List)} and records metadata (as {@link #putMeta}) in
   * the same atomic write, so that a crash leaves either the moves and the record, or neither.
   *
   * @param moves the moves; each tag at most once; may be empty
   * @param metadata key to value (or null to remove), written only if every move applies
   * @throws StoreException TAG_CONFLICT, MANIFEST_UNKNOWN, READ_ONLY, CLOSED, IO (nothing changed)
   * @throws IllegalArgumentException if a tag appears twice, a metadata key is malformed or a value
   *     too large (nothing changed)
   */
  public void moveTags(List<TagMove> moves, Map<String, String> metadata) {
    checkWritable("move " + moves.size() + " tags");
    List<TagMove> copy = List.copyOf(moves);
    Map<String, String> records = new LinkedHashMap<>(metadata);
    locks.gcShared(
        "move " + copy.size() + " tags",
        () -> {
          tags.move(copy, records, meta);
          return null;
        });
  }

  /** Removes a tag; returns false if it did not exist. Content stays until {@link #gc()}. */
  public boolean untag(String repository, String tag) {
    checkWritable("remove tag " + repository + ":" + tag);
    return locks.guarded("remove tag " + repository + ":" + tag, () -> tags.untag(repository, tag));
  }

  /** Resolves a tag to its manifest digest. */
  public Optional<Digest> resolveTag(String repository, String tag) {
    return locks.guarded("resolve " + repository + ":" + tag, () -> tags.resolve(repository, tag));
  }

  /** Returns every tag, sorted by repository then tag. */
  public List<TagInfo> tags() {
    return locks.guarded("list tags", tags::all);
  }

  /** Returns the tags of one repository, sorted. */
  public List<TagInfo> tags(String repository) {
    return locks.guarded("list the tags of " + repository, () -> tags.of(repository));
  }

  /** Returns the repositories that have at least one tag, sorted. */
  public List<String> repositories() {
    return locks.guarded("list repositories", tags::repositories);
  }

  // ---------------------------------------------------------------- metadata

  /**
   * Returns a small metadata value recorded with {@link #putMeta}.
   *
   * @param key the key, matching {@code [A-Za-z0-9._:/-]{1,512}}
   * @return the value, or empty
   * @throws IllegalArgumentException if the key is malformed
   */
  public Optional<String> meta(String key) {
    return locks.guarded("read metadata " + key, () -> meta.get(key));
  }

  /**
   * Records small metadata values (at most 64 KiB each) in one atomic, synced write; a null value
   * removes its key. Kept apart from the store's own metadata (key prefix {@code x/}); neither gc
   * nor fsck looks at them.
   *
   * @param entries key to value (or null to remove)
   * @throws IllegalArgumentException if a key is malformed or a value too large
   * @throws StoreException READ_ONLY, CLOSED, IO
   */
  public void putMeta(java.util.Map<String, String> entries) {
    checkWritable("write metadata");
    locks.guarded(
        "write metadata",
        () -> {
          meta.put(entries);
          return null;
        });
  }

  /** Returns every metadata key starting with {@code prefix}, with its value, sorted by key. */
  public java.util.SortedMap<String, String> metaWithPrefix(String prefix) {
    return locks.guarded("list metadata " + prefix, () -> meta.withPrefix(prefix));
  }

  /**
   * Increments a persistent counter and returns its new value: 1 the first time, then 2, 3, ... The
   * increment is synced before it returns, so a value is never handed out twice (a crash may skip
   * one). Used for the per-producer archive sequence.
   *
   * @param counter the counter's metadata key, e.g. {@code archive-sequence/depot-1}
   * @return the new value
   * @throws StoreException READ_ONLY, CLOSED, IO
   */
  public long nextSequence(String counter) {
    checkWritable("advance counter " + counter);
    return locks.guarded("advance counter " + counter, () -> meta.next(counter));
  }

  // ---------------------------------------------------------------- maintenance

  /** Starts an ingest lease that protects what it pins from {@link #gc()}; close it when done. */
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
   * @throws StoreException READ_ONLY, CLOSED, IO
   */
  public GcReport gc() {
    checkWritable("collect garbage");
    return locks.gcExclusive(
        "collect garbage", () -> new GarbageCollector(this, db, manifests, null).run());
  }

  /**
   * Removes the given blobs and manifests (those an ingest created before it failed) unless a tag,
   * a kept manifest or a lease still reaches them. Nothing else is touched.
   *
   * @param digests blob and manifest digests
   * @return what was removed
   * @throws StoreException READ_ONLY, CLOSED, IO
   */
  public GcReport discard(Collection<Digest> digests) {
    checkWritable("discard content");
    Set<Digest> candidates = Set.copyOf(digests);
    return locks.gcExclusive(
        "discard content", () -> new GarbageCollector(this, db, manifests, candidates).run());
  }

  /** Re-hashes every blob and manifest and checks every reference, tag and index entry. */
  public FsckReport fsck() {
    return fsck(null);
  }

  /**
   * Re-hashes every blob and manifest and checks every reference, tag and index entry. Runs with gc
   * excluded (other writers proceed), so it sees no half-collected state.
   *
   * @param progress called with (bytes checked, total blob bytes) as blobs are re-hashed; may be
   *     null
   * @return the report; it lists every problem found
   */
  public FsckReport fsck(BiConsumer<Long, Long> progress) {
    return locks.gcShared(
        "check the store", () -> new StoreChecker(this, db, manifests, progress).run());
  }

  /** Counts what the store holds. */
  public StoreStats stats() {
    long[] b = new long[2];
    forEachBlob(
        i -> {
          b[0]++;
          b[1] += i.size();
        });
    long[] m = new long[2];
    forEachManifest(
        i -> {
          m[0]++;
          m[1] += i.size();
        });
    List<TagInfo> t = tags();
    long repos = t.stream().map(TagInfo::repository).distinct().count();
    return new StoreStats(b[0], b[1], m[0], m[1], t.size(), repos);
  }

  /** Counts the content ids that have chunks, orphans included (for tests and diagnostics). */
  long chunkSetCount() {
    return locks.guarded("count chunk sets", blobs::chunkSetCount);
  }

  /** The database, for package-private helpers and tests that must reach RocksDB directly. */
  Db db() {
    return db;
  }

  private void checkWritable(String what) {
    if (options.readOnly()) {
      throw new StoreException(
          StoreException.Code.READ_ONLY,
          "Tried to "
              + what
              + " but failed because the store at "
              + dir
              + " is open read-only: "
              + "open it read-write (stop the process that holds it)");
    }
  }

  /**
   * Closes the store: waits for operations in progress, releases open blob streams, abandons open
   * uploads, then closes RocksDB. Safe to call more than once; later calls on the store fail with
   * CLOSED.
   *
   * @throws IllegalStateException if called from a visitor callback
   */
  @Override
  public void close() {
    db.close();
  }
}
