package io.gapsync.cli;

import io.gapsync.cli.registry.RegistryClient;
import io.gapsync.cli.registry.RegistryRef;
import io.gapsync.cli.registry.RegistrySource;
import io.gapsync.cli.sync.SyncSet;
import io.gapsync.cli.transport.ImageSource;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.Platform;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs a sync set against the store: resolves every entry to tags and digests, imports what the
 * store lacks (only missing blobs are downloaded, through {@link Importer}), moves tags that
 * changed upstream, and reports each change.
 *
 * <p>A no-change run is cheap: for each tag it sends one {@code HEAD} and compares the upstream
 * digest with the one recorded (store metadata {@code sync.upstream/REPO:TAG}) when the tag was
 * last synced with the same platform choice; nothing else is fetched. A dry run resolves the same
 * way and downloads no blob.
 */
final class Syncer {

  /** Store metadata prefix recording, per synced tag, the upstream digest and platform choice. */
  static final String META_PREFIX = "sync.upstream/";

  /** What happened to one tag. */
  enum Kind {
    /** The tag did not exist in the store. */
    NEW,
    /** The tag pointed at other content and was moved. */
    UPDATED,
    /** Nothing changed upstream. */
    UNCHANGED,
    /** A repository filter matched no tag. */
    NO_MATCH
  }

  /**
   * One line of the report.
   *
   * @param kind what happened
   * @param target the store reference, e.g. {@code mirror/app:1.2.0}
   * @param source the upstream reference or URL
   * @param before the digest the tag had, or null
   * @param after the digest it has now (in a dry run: the upstream digest), or null
   * @param what {@code image}, {@code chart}, {@code referrer} or {@code file}
   */
  record Change(
      Kind kind, String target, String source, Digest before, Digest after, String what) {}

  /**
   * What a run did.
   *
   * @param dryRun true if nothing was stored
   * @param changes one per tag, in sync set order
   * @param blobsAdded blobs downloaded and stored
   * @param blobsPresent blobs the store already held
   * @param bytesAdded bytes of the new blobs
   * @param manifestsAdded manifests stored
   * @param requests HTTP requests sent to registries
   */
  record Report(
      boolean dryRun,
      List<Change> changes,
      long blobsAdded,
      long blobsPresent,
      long bytesAdded,
      long manifestsAdded,
      long requests) {}

  private final Store store;
  private final DaemonClient daemon;
  private final RegistryClient client;
  private final boolean dryRun;
  private final FileFetcher files;
  private final List<Change> changes = new ArrayList<>();
  private long blobsAdded;
  private long blobsPresent;
  private long bytesAdded;
  private long manifestsAdded;

  /**
   * Creates a syncer.
   *
   * @param store the store (read-only for a dry run, and when {@code daemon} is not null: then it
   *     only answers which tags and manifests are held)
   * @param daemon the daemon that holds the store, through which every write goes; null when this
   *     process holds the store itself
   * @param client the registry client, built with the sync set's rewrite rules
   * @param dryRun resolve and report only
   */
  Syncer(Store store, DaemonClient daemon, RegistryClient client, boolean dryRun) {
    this.store = store;
    this.daemon = daemon;
    this.client = client;
    this.dryRun = dryRun;
    this.files = new FileFetcher(client.options());
  }

  /**
   * Runs the sync set. Entries are processed in order; a failure stops the run with what was tried
   * (entries done before it stay done: each is an atomic import).
   *
   * @param set the sync set
   * @return the report
   * @throws IOException if a registry or file cannot be read, or content is wrong
   */
  Report run(SyncSet set) throws IOException {
    for (SyncSet.ImageEntry e : set.images()) {
      syncEntry(e);
    }
    for (SyncSet.FileEntry f : set.files()) {
      syncFile(f);
    }
    return new Report(
        dryRun,
        List.copyOf(changes),
        blobsAdded,
        blobsPresent,
        bytesAdded,
        manifestsAdded,
        client.requests());
  }

  private void syncEntry(SyncSet.ImageEntry e) throws IOException {
    String what = e.chart() ? "chart" : "image";
    if (e.pinned()) {
      String tag = e.targetTag() != null ? e.targetTag() : e.ref().tag();
      syncTag(e, e.ref(), new Reference(e.targetRepository(), tag, null), what);
      return;
    }
    List<String> tags = e.tags().apply(client.tags(e.ref()));
    if (tags.isEmpty()) {
      changes.add(
          new Change(Kind.NO_MATCH, e.targetRepository(), e.ref().toString(), null, null, what));
      return;
    }
    for (String tag : tags) {
      syncTag(e, e.ref().withTag(tag), new Reference(e.targetRepository(), tag, null), what);
    }
  }

  private void syncTag(SyncSet.ImageEntry e, RegistryRef src, Reference target, String what)
      throws IOException {
    String choice =
        e.platforms().isEmpty()
            ? "all"
            : e.platforms().stream()
                .map(Platform::toString)
                .sorted()
                .collect(Collectors.joining(","));
    String metaKey = META_PREFIX + target.repository() + ":" + target.tag();
    Optional<Digest> before = store.resolveTag(target.repository(), target.tag());
    Digest upstream = src.digest() != null ? src.digest() : client.manifestDigest(src).orElse(null);
    Optional<String> recorded = daemon != null ? daemon.meta(metaKey) : store.meta(metaKey);
    boolean unchanged =
        upstream != null
            && before.isPresent()
            && store.hasManifest(before.get())
            && recorded.equals(Optional.of(upstream + " " + choice));
    if (unchanged) {
      changes.add(
          new Change(
              Kind.UNCHANGED, target.toString(), src.toString(), before.get(), before.get(), what));
    } else if (dryRun) {
      changes.add(
          new Change(
              before.isEmpty() ? Kind.NEW : Kind.UPDATED,
              target.toString(),
              src.toString(),
              before.orElse(null),
              upstream,
              what));
    } else {
      Digest after;
      Digest upstreamRoot;
      try (RegistrySource rs = RegistrySource.open(client, src);
          ImageSource source = PlatformSubset.of(rs, e.platforms())) {
        upstreamRoot = rs.roots().get(0).descriptor().digest();
        Importer.Result r = importInto(source, target);
        blobsAdded += r.blobsAdded();
        blobsPresent += r.blobsPresent();
        bytesAdded += r.bytesAdded();
        manifestsAdded += r.manifestsAdded();
        after = r.images().get(0).digest();
      }
      if (daemon != null) {
        daemon.putMeta(metaKey, upstreamRoot + " " + choice);
      } else {
        store.putMeta(java.util.Map.of(metaKey, upstreamRoot + " " + choice));
      }
      Kind kind =
          before.isEmpty() ? Kind.NEW : before.get().equals(after) ? Kind.UNCHANGED : Kind.UPDATED;
      changes.add(
          new Change(kind, target.toString(), src.toString(), before.orElse(null), after, what));
      upstream = upstreamRoot;
    }
    if (e.referrers() && upstream != null) {
      syncReferrers(src, upstream, target.repository());
    }
  }

  /** Imports one image into the store, or through the daemon that holds it. */
  private Importer.Result importInto(ImageSource source, Reference target) throws IOException {
    IngestTarget into =
        daemon != null ? new IngestTarget.ThroughDaemon(daemon) : new IngestTarget.Local(store);
    try {
      return new Importer(into, PlatformChoice.ALL).run(source, target);
    } finally {
      into.close();
    }
  }

  private void syncReferrers(RegistryRef src, Digest subject, String repository)
      throws IOException {
    RegistryRef repo = src.withTag(null);
    for (RegistryRef r : client.referrers(repo, subject)) {
      String tag = r.tag() != null ? r.tag() : "sha256-" + r.digest().hex() + ".ref";
      Reference target = new Reference(repository, tag, null);
      Optional<Digest> before = store.resolveTag(repository, tag);
      Digest upstream = r.digest() != null ? r.digest() : client.manifestDigest(r).orElse(null);
      if (before.isPresent() && before.get().equals(upstream)) {
        changes.add(
            new Change(
                Kind.UNCHANGED, target.toString(), r.toString(), upstream, upstream, "referrer"));
        continue;
      }
      if (dryRun) {
        changes.add(
            new Change(
                before.isEmpty() ? Kind.NEW : Kind.UPDATED,
                target.toString(),
                r.toString(),
                before.orElse(null),
                upstream,
                "referrer"));
        continue;
      }
      try (RegistrySource rs = RegistrySource.open(client, r)) {
        Importer.Result res = importInto(rs, target);
        blobsAdded += res.blobsAdded();
        blobsPresent += res.blobsPresent();
        bytesAdded += res.bytesAdded();
        manifestsAdded += res.manifestsAdded();
        Digest after = res.images().get(0).digest();
        changes.add(
            new Change(
                before.isEmpty() ? Kind.NEW : Kind.UPDATED,
                target.toString(),
                r.toString(),
                before.orElse(null),
                after,
                "referrer"));
      }
    }
  }

  private void syncFile(SyncSet.FileEntry f) throws IOException {
    Reference target = f.target();
    Optional<Digest> before = store.resolveTag(target.repository(), target.tag());
    String source = f.url() != null ? f.url().toString() : f.path().toString();
    if (dryRun) {
      changes.add(
          new Change(
              before.isEmpty() ? Kind.NEW : Kind.UPDATED,
              target.toString(),
              source,
              before.orElse(null),
              null,
              "file"));
      return;
    }
    String type = f.artifactType() != null ? f.artifactType() : MediaTypes.GAPSYNC_FILE_ARTIFACT;
    Digest after =
        files.add(
            f,
            type,
            (file, artifactType, ref) ->
                daemon != null
                    ? Artifacts.add(daemon, file, artifactType, ref)
                    : Artifacts.add(store, file, artifactType, ref));
    Kind kind =
        before.isEmpty() ? Kind.NEW : before.get().equals(after) ? Kind.UNCHANGED : Kind.UPDATED;
    changes.add(new Change(kind, target.toString(), source, before.orElse(null), after, "file"));
  }
}
