package io.gapsync.cli;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.IngestLease;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where {@link Importer} writes: the store itself ({@link Local}), or the daemon that holds it,
 * through the registry API on its admin socket ({@link ThroughDaemon}). Either way content is
 * pinned against gc from the moment it is looked up until the import's tags are set, blobs stream
 * (bounded memory) and are verified against their digest before they are published, and manifests
 * go in after what they reference. Not thread-safe; close it when the import ends.
 */
interface IngestTarget extends AutoCloseable {

  /** Describes the target for messages. */
  String describe();

  /** Pins a blob for this import and returns true if it is held already. */
  boolean pinHeld(String repository, Digest digest);

  /**
   * Streams a blob in, verified against {@code d}; returns true if it was new.
   *
   * @throws io.gapsync.store.StoreException DIGEST_MISMATCH (local) or {@link
   *     DaemonClient.DaemonException} DIGEST_INVALID (daemon) if the content is not {@code d}
   */
  boolean putBlob(String repository, Descriptor d, InputStream content) throws IOException;

  /** Stores a manifest (pinned); returns true if it was new. */
  boolean putManifest(String repository, Manifest m);

  /** Pins a stored top manifest until the import ends. */
  void pinTop(Digest digest);

  /** Points a tag at a stored manifest. */
  void tag(String repository, String tag, Manifest top);

  /** Removes what this import created, unless something else reaches it. */
  void discard(Collection<Digest> created);

  /** Releases the import's pins. Safe to call more than once. */
  @Override
  void close();

  /** The store, opened read-write by this process. */
  final class Local implements IngestTarget {
    private final Store store;
    private final IngestLease lease;

    Local(Store store) {
      this.store = store;
      this.lease = store.lease();
    }

    @Override
    public String describe() {
      return "the store at " + store.path();
    }

    @Override
    public boolean pinHeld(String repository, Digest digest) {
      // Pin before looking, so a concurrent gc cannot take a blob between the look and the use.
      lease.pin(digest);
      return store.hasBlob(digest);
    }

    @Override
    public boolean putBlob(String repository, Descriptor d, InputStream content)
        throws IOException {
      PutResult r = store.putBlob(content, d.digest(), d.size(), lease);
      return r.created();
    }

    @Override
    public boolean putManifest(String repository, Manifest m) {
      return store.putManifest(m.bytes(), m.mediaType(), lease).created();
    }

    @Override
    public void pinTop(Digest digest) {
      lease.pin(digest);
    }

    @Override
    public void tag(String repository, String tag, Manifest top) {
      store.tag(repository, tag, top.digest());
    }

    @Override
    public void discard(Collection<Digest> created) {
      store.discard(created);
    }

    @Override
    public void close() {
      lease.close(); // idempotent
    }
  }

  /**
   * The daemon holding the store, through the registry API on its admin socket. Blobs and manifests
   * go into a private repository of this import ({@code gapsync-admin/import-<random>}; the store
   * is one content-addressed space, so a digest is found from any repository), whose push lease
   * pins them against gc: a blob is mounted if held, else uploaded in one streamed PUT that the
   * daemon verifies, and manifests are put by digest after their content. Tags come last, by
   * putting the top manifest under its tag in its repository. {@link #close()} releases the private
   * lease and the tag puts' pins, so afterwards gc sees exactly what it sees after an import into
   * the store itself; a failed import asks the daemon to discard what it created.
   */
  final class ThroughDaemon implements IngestTarget {
    private final DaemonClient daemon;
    private final String staging;
    private final java.util.Map<String, Set<Digest>> tagged = new java.util.LinkedHashMap<>();
    private String pendingUpload;
    private Digest pendingDigest;

    ThroughDaemon(DaemonClient daemon) {
      this.daemon = daemon;
      this.staging =
          "gapsync-admin/import-"
              + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
    }

    @Override
    public String describe() {
      return "the gapsync daemon at " + daemon.socket();
    }

    @Override
    public boolean pinHeld(String repository, Digest digest) {
      String location = daemon.mountOrStartUpload(staging, digest);
      if (location != null) {
        // Not held: the session the mount opened takes the upload (spec end-11).
        pendingUpload = location;
        pendingDigest = digest;
        return false;
      }
      return true;
    }

    @Override
    public boolean putBlob(String repository, Descriptor d, InputStream content)
        throws IOException {
      String location =
          d.digest().equals(pendingDigest)
              ? pendingUpload
              : daemon.mountOrStartUpload(staging, d.digest());
      pendingUpload = null;
      pendingDigest = null;
      if (location == null) {
        return false;
      }
      daemon.finishUpload(location, d.digest(), content, d.size());
      return true;
    }

    @Override
    public boolean putManifest(String repository, Manifest m) {
      boolean held = daemon.hasManifest(staging, m.digest());
      daemon.putManifest(staging, m.digest().toString(), m.bytes(), m.mediaType());
      return !held;
    }

    @Override
    public void pinTop(Digest digest) {
      // Putting the manifest pinned it in the private repository's lease.
    }

    @Override
    public void tag(String repository, String tag, Manifest top) {
      tagged.computeIfAbsent(repository, r -> new LinkedHashSet<>()).add(top.digest());
      daemon.putManifest(repository, tag, top.bytes(), top.mediaType());
    }

    @Override
    public void discard(Collection<Digest> created) {
      releasePins();
      if (!created.isEmpty()) {
        daemon.discard(created);
      }
    }

    @Override
    public void close() {
      releasePins();
    }

    private boolean released;

    private void releasePins() {
      if (released) {
        return;
      }
      released = true;
      daemon.release(staging);
      tagged.forEach(daemon::unpin);
      tagged.clear();
    }
  }
}
