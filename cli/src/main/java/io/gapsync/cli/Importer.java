package io.gapsync.cli;

import io.gapsync.cli.transport.ImageSource;
import io.gapsync.cli.transport.SourceImage;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.Reference;
import io.gapsync.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Copies images from an {@link ImageSource} into the store: reads and verifies every manifest first
 * (so a malformed source fails before any byte is stored), then streams each missing blob into the
 * store, verifying its digest and size on the way, then stores the manifests bottom-up and finally
 * moves the tags. Content is pinned (an {@code IngestLease}, or the daemon's push lease) until
 * tagged, so a concurrent gc cannot take it. Writes go to an {@link IngestTarget}: the store, or
 * the daemon that holds it.
 *
 * <p>On failure, the content this import created is removed again ({@link Store#discard}), so the
 * store is as it was before.
 */
final class Importer {

  /**
   * One image added.
   *
   * @param reference the repository:tag it was stored as
   * @param digest the manifest digest the tag points at
   * @param mediaType the manifest media type
   */
  record Added(String reference, Digest digest, String mediaType) {}

  /**
   * What an import did.
   *
   * @param images the images added, in source order
   * @param blobsAdded blobs the store did not hold before
   * @param blobsPresent blobs it held already
   * @param bytesAdded bytes of the new blobs
   * @param manifestsAdded manifests the store did not hold before
   */
  record Result(
      List<Added> images,
      long blobsAdded,
      long blobsPresent,
      long bytesAdded,
      long manifestsAdded) {}

  /** A root image resolved to what will be stored: its tag and its top manifest. */
  private record Plan(Reference target, Manifest top, List<Manifest> manifests) {}

  private final IngestTarget target;
  private final PlatformChoice platforms;
  private final List<Digest> created = new ArrayList<>();
  private long blobsAdded;
  private long blobsPresent;
  private long bytesAdded;
  private long manifestsAdded;

  /** An importer writing into a store this process holds. */
  Importer(Store store, PlatformChoice platforms) {
    this(new IngestTarget.Local(store), platforms);
  }

  /**
   * An importer writing into a target (the store, or the daemon that holds it). The importer closes
   * the target when {@link #run} ends; run it once.
   */
  Importer(IngestTarget target, PlatformChoice platforms) {
    this.target = target;
    this.platforms = platforms;
  }

  /**
   * Imports every root image of a source.
   *
   * @param source the source
   * @param as the repository:tag to store a single image as, or null to use the source's names
   * @return what was done
   * @throws IOException if the source cannot be read or its content is wrong (nothing is kept)
   */
  Result run(ImageSource source, Reference as) throws IOException {
    return run(source, as, null);
  }

  /**
   * Imports every root image of a source into one repository, each under the tag it has in the
   * source ({@code add oci:DIR --as REPO}).
   *
   * @param source the source
   * @param as the repository:tag to store a single image as, or null
   * @param asRepository the repository to store every image in under its source tag, or null
   * @return what was done
   * @throws IOException if the source cannot be read or its content is wrong (nothing is kept)
   */
  Result run(ImageSource source, Reference as, String asRepository) throws IOException {
    List<SourceImage> roots = source.roots();
    if (roots.isEmpty()) {
      throw new CliException(
          "Tried to add images from " + source.describe() + " but it holds none that match");
    }
    if (as != null && roots.size() > 1) {
      throw new CliException(
          "Tried to add "
              + source.describe()
              + " as "
              + as
              + " but the source holds "
              + roots.size()
              + " images ("
              + roots.stream()
                  .map(r -> String.valueOf(r.refName()))
                  .collect(Collectors.joining(", "))
              + "): select one with a :REF suffix on the source");
    }
    // Phase 1: read and verify every manifest; nothing touches the store yet.
    List<Plan> plans = new ArrayList<>();
    for (SourceImage root : roots) {
      Reference target = as != null ? as : targetOf(source, root, asRepository);
      Map<Digest, Manifest> manifests = new LinkedHashMap<>();
      Manifest top = walk(source, root.descriptor(), manifests, 0);
      if (top.isIndex() && !platforms.all()) {
        top = selectPlatform(source, top, manifests);
      }
      plans.add(new Plan(target, top, new ArrayList<>(manifests.values())));
    }
    long total = 0;
    for (Plan p : plans) {
      for (Manifest m : p.manifests()) {
        for (Descriptor d : m.blobReferences()) {
          total += d.size();
        }
      }
    }
    // Phase 2: blobs, manifests bottom-up, tags.
    List<Added> added = new ArrayList<>();
    try (IngestTarget lease = target;
        Progress progress = Progress.onTerminal("Adding " + source.describe(), total)) {
      for (Plan p : plans) {
        storeManifestTree(source, p.target().repository(), p.top(), p.manifests(), progress);
      }
      for (Plan p : plans) {
        lease.tag(p.target().repository(), p.target().tag(), p.top());
        added.add(
            new Added(
                p.target().repository() + ":" + p.target().tag(),
                p.top().digest(),
                p.top().mediaType()));
      }
    } catch (IOException | RuntimeException e) {
      discardAfter(e);
      throw e;
    }
    return new Result(added, blobsAdded, blobsPresent, bytesAdded, manifestsAdded);
  }

  private Reference targetOf(ImageSource source, SourceImage root, String asRepository) {
    String name = root.refName();
    if (name == null) {
      throw new CliException(
          "Tried to add an image from "
              + source.describe()
              + " but it has no name there: "
              + "give one with --as REPO:TAG");
    }
    if (asRepository != null) {
      String tag = name.matches(Reference.TAG_GRAMMAR) ? name : tagPart(name);
      if (tag == null) {
        throw new CliException(
            "Tried to add '"
                + name
                + "' from "
                + source.describe()
                + " into "
                + asRepository
                + " but its name has no usable tag: add it alone with :REF and --as REPO:TAG");
      }
      return Reference.parse(asRepository + ":" + tag);
    }
    try {
      Reference r = Reference.parse(name);
      if (r.tag() == null) {
        throw new CliException(
            "Tried to add "
                + source.describe()
                + " but its name '"
                + name
                + "' has no tag: use --as REPO:TAG");
      }
      return r;
    } catch (io.gapsync.protocol.ProtocolException e) {
      throw new CliException(
          "Tried to add "
              + source.describe()
              + " but its name '"
              + name
              + "' is not a REPO:TAG "
              + "gapsync can store: give one with --as REPO:TAG, or --as REPO to keep the source's tags");
    }
  }

  private static String tagPart(String name) {
    try {
      return Reference.parse(name).tag();
    } catch (io.gapsync.protocol.ProtocolException e) {
      int colon = name.lastIndexOf(':');
      String t = colon < 0 || colon < name.lastIndexOf('/') ? null : name.substring(colon + 1);
      return t != null && t.matches(Reference.TAG_GRAMMAR) ? t : null;
    }
  }

  private Manifest walk(ImageSource source, Descriptor d, Map<Digest, Manifest> out, int depth)
      throws IOException {
    if (depth > 4) {
      throw new CliException(
          "Tried to read " + source.describe() + " but its indexes nest deeper than 4 levels");
    }
    byte[] bytes = source.readManifest(d);
    Manifest m =
        ManifestParser.parse(
            bytes, d.mediaType(), "manifest " + d.digest() + " in " + source.describe());
    if (m.isIndex()) {
      for (Descriptor child : m.manifestReferences()) {
        if (platforms.all()
            || platformOf(child) == null
            || platforms.platform().selects(platformOf(child))) {
          walk(source, child, out, depth + 1);
        }
      }
    }
    out.put(m.digest(), m);
    return m;
  }

  private static io.gapsync.protocol.Platform platformOf(Descriptor d) {
    return d.platform();
  }

  private Manifest selectPlatform(
      ImageSource source, Manifest index, Map<Digest, Manifest> manifests) {
    for (Descriptor child : index.manifests()) {
      if (child.platform() != null
          && platforms.platform().selects(child.platform())
          && MediaTypes.IMAGE_MANIFESTS.contains(child.mediaType())) {
        manifests.remove(index.digest());
        // Keep only the chosen manifest (and nothing else the walk visited).
        Manifest chosen = manifests.get(child.digest());
        manifests.keySet().retainAll(List.of(child.digest()));
        return chosen;
      }
    }
    String available =
        index.manifests().stream()
            .map(c -> c.platform() == null ? "?" : c.platform().toString())
            .collect(Collectors.joining(", "));
    throw new CliException(
        "Tried to add "
            + source.describe()
            + " for platform "
            + platforms.platform()
            + " but its index "
            + index.digest()
            + " lists only: "
            + available);
  }

  /** Removes what the failed import created; a failure to do so is added to the import's. */
  private void discardAfter(Exception failure) {
    try {
      target.discard(created);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private void storeManifestTree(
      ImageSource source,
      String repository,
      Manifest top,
      List<Manifest> manifests,
      Progress progress)
      throws IOException {
    for (Manifest m : manifests) {
      for (Descriptor d : m.blobReferences()) {
        storeBlob(source, repository, d, progress);
      }
    }
    // The walk lists children before parents: store in that order.
    for (Manifest m : manifests) {
      if (target.putManifest(repository, m)) {
        created.add(m.digest());
        manifestsAdded++;
      }
    }
    target.pinTop(top.digest());
  }

  private void storeBlob(ImageSource source, String repository, Descriptor d, Progress progress)
      throws IOException {
    if (target.pinHeld(repository, d.digest())) {
      blobsPresent++;
      progress.advance(d.size());
      return;
    }
    try (InputStream raw = source.openBlob(d)) {
      // The target hashes while it writes and publishes only if digest and size match.
      if (target.putBlob(repository, d, new CountingStream(raw, progress))) {
        created.add(d.digest());
        blobsAdded++;
        bytesAdded += d.size();
      } else {
        blobsPresent++;
      }
    } catch (DaemonClient.DaemonException e) {
      if ("DIGEST_INVALID".equals(e.code())) {
        throw new CliException(
            e.getMessage()
                + " (a "
                + d.mediaType()
                + " of "
                + source.describe()
                + "; nothing was added)",
            e);
      }
      throw e;
    } catch (io.gapsync.store.StoreException e) {
      if (e.code() == io.gapsync.store.StoreException.Code.DIGEST_MISMATCH) {
        // The store's message says what was tried and found; add where it came from.
        throw new CliException(
            e.getMessage()
                + " (a "
                + d.mediaType()
                + " of "
                + source.describe()
                + "; nothing was added)",
            e);
      }
      throw e;
    }
  }

  /** Advances progress as bytes pass. */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final Progress progress;

    CountingStream(InputStream in, Progress progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        progress.advance(n);
      }
      return n;
    }
  }
}
