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

  /** Releases the import's pins. */
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
      lease.close();
    }
  }

  /**
   * The daemon holding the store, through the registry API on its admin socket: a blob is mounted
   * if held (which pins it in the repository's push lease), else uploaded in one streamed PUT that
   * the daemon verifies; manifests are put by digest after their content, and tags last by putting
   * the top manifest under its tag. A failed import asks the daemon to discard what it created.
   */
  final class ThroughDaemon implements IngestTarget {
    private final DaemonClient daemon;
    private final Set<String> repositories = new LinkedHashSet<>();

    ThroughDaemon(DaemonClient daemon) {
      this.daemon = daemon;
    }

    @Override
    public String describe() {
      return "the gapsync daemon at " + daemon.socket();
    }

    @Override
    public boolean pinHeld(String repository, Digest digest) {
      repositories.add(repository);
      String location = daemon.mountOrStartUpload(repository, digest);
      if (location != null) {
        pendingUpload = location;
        pendingDigest = digest;
        return false;
      }
      return true;
    }

    private String pendingUpload;
    private Digest pendingDigest;

    @Override
    public boolean putBlob(String repository, Descriptor d, InputStream content)
        throws IOException {
      repositories.add(repository);
      String location =
          d.digest().equals(pendingDigest)
              ? pendingUpload
              : daemon.mountOrStartUpload(repository, d.digest());
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
      repositories.add(repository);
      boolean held = daemon.hasManifest(repository, m.digest());
      daemon.putManifest(repository, m.digest().toString(), m.bytes(), m.mediaType());
      return !held;
    }

    @Override
    public void pinTop(Digest digest) {
      // Putting the manifest pinned it in the repository's push lease.
    }

    @Override
    public void tag(String repository, String tag, Manifest top) {
      daemon.putManifest(repository, tag, top.bytes(), top.mediaType());
    }

    @Override
    public void discard(Collection<Digest> created) {
      if (created.isEmpty()) {
        return;
      }
      for (String repository : repositories) {
        daemon.discard(repository, created);
      }
    }

    @Override
    public void close() {
      // The push leases expire on the daemon's own schedule.
    }
  }
}
