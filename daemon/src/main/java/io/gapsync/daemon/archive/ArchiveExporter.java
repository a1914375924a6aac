package io.gapsync.daemon.archive;

import io.gapsync.daemon.sync.DeltaPlan;
import io.gapsync.daemon.sync.DeltaPlanner;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryEntry;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.archive.ArchiveEntry;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.archive.ArchiveWriter;
import io.gapsync.protocol.archive.AssumedPresent;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import io.gapsync.protocol.archive.VolumeWriter;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import io.gapsync.store.TagInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the signed diff archive for a site: plans the delta against its inventory ({@link
 * DeltaPlanner}), takes the sequence number the caller got from the {@link ExportLedger}, orders
 * the entries (blobs by digest, then manifests children first, so an importer can store each as it
 * arrives), prepares each entry's encoding and stored digest, then signs and writes the archive,
 * split into volumes if asked. Memory stays bounded: content streams from {@link Store#openBlob}.
 */
public final class ArchiveExporter {

  /**
   * Key prefix of the per-producer sequence counters older versions kept in the store's metadata;
   * the export ledger continues from them ({@link ExportLedger#nextSequence}).
   */
  public static final String SEQUENCE_KEY_PREFIX = "archive-sequence/";

  /**
   * What an export wrote.
   *
   * @param statement the signed statement
   * @param files the files written (the index last if split)
   * @param archiveBytes the archive's size
   * @param plan the delta plan
   */
  public record Result(
      ArchiveStatement statement, List<Path> files, long archiveBytes, DeltaPlan plan) {}

  private final Store store;
  private final int level;
  private final ProgressListener progress;

  /**
   * Creates an exporter.
   *
   * @param store the store to read (not closed by this class)
   * @param level the zstd level (1..19)
   * @param progress where the bytes written are reported
   */
  public ArchiveExporter(Store store, int level, ProgressListener progress) {
    this.store = store;
    this.level = level;
    this.progress = progress;
  }

  /**
   * Plans the delta against a site's inventory (docs/FORMAT.md section 1, "The delta plan").
   *
   * @param site the inventory to plan against (the returned one, corrected by the ledger)
   * @param tags the tags to bring to the site (all when empty)
   * @return the plan; {@link DeltaPlan#isEmpty()} when the site lacks nothing
   */
  public DeltaPlan plan(CompactInventory site, List<TagInfo> tags) {
    return new DeltaPlanner(store).plan(site, tags);
  }

  /**
   * Writes the archive of a plan.
   *
   * @param plan the plan ({@link #plan})
   * @param siteId the site the plan is for
   * @param inventoryDigest the sha256 of the inventory file the plan started from
   * @param keys the signing keys
   * @param producerId the producer id
   * @param sequence the producer's sequence number for this archive (from the ledger)
   * @param now the creation time
   * @param expiresIn how long the archive stays valid
   * @param outDir the output folder
   * @param volumeSize the volume size, or 0 for one file
   * @return what was written
   * @throws IOException if reading the store or writing fails
   */
  public Result export(
      DeltaPlan plan,
      String siteId,
      Digest inventoryDigest,
      List<SigningKey> keys,
      String producerId,
      long sequence,
      Instant now,
      Duration expiresIn,
      Path outDir,
      long volumeSize)
      throws IOException {
    Map<Digest, Manifest> manifests = new TreeMap<>();
    for (InventoryEntry m : plan.manifests()) {
      manifests.put(m.digest(), manifest(m.digest()));
    }
    Set<Digest> blobsSent = new LinkedHashSet<>();
    plan.blobs().forEach(b -> blobsSent.add(b.digest()));
    ArchiveWriter writer =
        new ArchiveWriter(
            (digest, kind) ->
                kind == EntryKind.BLOB
                    ? store.openBlob(digest)
                    : (InputStream) new ByteArrayInputStream(manifest(digest).bytes()),
            level);
    Map<Digest, String> mediaTypes = blobMediaTypes(manifests.values());
    List<ArchiveEntry> entries = new ArrayList<>();
    for (InventoryEntry b : plan.blobs()) {
      String mt = mediaTypes.get(b.digest());
      if (mt == null) {
        mt = mediaTypeFromParents(b.digest());
      }
      entries.add(writer.prepare(b.digest(), b.size(), mt, EntryKind.BLOB));
    }
    for (Manifest m : childrenFirst(manifests)) {
      entries.add(writer.prepare(m.digest(), m.size(), m.mediaType(), EntryKind.MANIFEST));
    }
    List<AssumedPresent> assumed = new ArrayList<>();
    Set<Digest> seen = new LinkedHashSet<>();
    for (Manifest m : manifests.values()) {
      for (Descriptor d : m.blobReferences()) {
        if (!blobsSent.contains(d.digest()) && seen.add(d.digest())) {
          assumed.add(new AssumedPresent(d.digest(), EntryKind.BLOB));
        }
      }
      for (Descriptor d : m.manifestReferences()) {
        if (!manifests.containsKey(d.digest()) && seen.add(d.digest())) {
          assumed.add(new AssumedPresent(d.digest(), EntryKind.MANIFEST));
        }
      }
    }
    // Tag targets the site holds already (only the tag moves) are assumed present too.
    for (DeltaPlan.TagUpdate t : plan.tags()) {
      if (!manifests.containsKey(t.to()) && seen.add(t.to())) {
        assumed.add(new AssumedPresent(t.to(), EntryKind.MANIFEST));
      }
    }
    assumed.sort((a, b) -> a.digest().compareTo(b.digest()));
    List<TagUpdate> updates =
        plan.tags().stream()
            .map(t -> new TagUpdate(t.repository(), t.tag(), t.from(), t.to()))
            .toList();
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    ArchiveStatement statement =
        new ArchiveStatement(
            ArchiveStatement.FORMAT_VERSION,
            producerId,
            HexFormat.of().formatHex(id),
            sequence,
            siteId,
            inventoryDigest,
            now,
            now.plus(expiresIn),
            entries,
            updates,
            assumed);
    String name = String.format(Locale.ROOT, "gapsync-%s-%06d.gsa", producerId, sequence);
    try (VolumeWriter out = new VolumeWriter(outDir, name, volumeSize);
        ProgressListener.Meter meter =
            progress.begin("Exporting " + name, statement.storedBytes())) {
      writer.write(statement, keys, new ProgressStream(out, meter));
      List<Path> files = out.finish();
      return new Result(statement, files, out.size(), plan);
    }
  }

  private Manifest manifest(Digest d) {
    return store
        .manifest(d)
        .orElseThrow(
            () ->
                new StoreException(
                    StoreException.Code.MANIFEST_UNKNOWN,
                    "Tried to export manifest "
                        + d
                        + " but the store does not hold it: run gapsync fsck"));
  }

  /** The media type each blob has in the manifests sent. */
  private static Map<Digest, String> blobMediaTypes(Iterable<Manifest> manifests) {
    Map<Digest, String> out = new HashMap<>();
    for (Manifest m : manifests) {
      for (Descriptor d : m.blobReferences()) {
        out.putIfAbsent(d.digest(), d.mediaType());
      }
    }
    return out;
  }

  /** A blob whose manifests the site holds already: its media type from any manifest using it. */
  private String mediaTypeFromParents(Digest blob) {
    for (Digest parent : store.referencedBy(blob)) {
      for (Descriptor d : manifest(parent).blobReferences()) {
        if (d.digest().equals(blob)) {
          return d.mediaType();
        }
      }
    }
    return "application/octet-stream";
  }

  /** Orders manifests so that each comes after the manifests it references (index children). */
  private static List<Manifest> childrenFirst(Map<Digest, Manifest> manifests) {
    Map<Digest, Manifest> out = new LinkedHashMap<>();
    for (Manifest m : manifests.values()) {
      visit(m, manifests, out, 0);
    }
    return new ArrayList<>(out.values());
  }

  private static void visit(
      Manifest m, Map<Digest, Manifest> all, Map<Digest, Manifest> out, int depth) {
    if (out.containsKey(m.digest()) || depth > 16) {
      return;
    }
    for (Descriptor child : m.manifestReferences()) {
      Manifest c = all.get(child.digest());
      if (c != null) {
        visit(c, all, out, depth + 1);
      }
    }
    out.put(m.digest(), m);
  }

  /** Advances progress as archive bytes are written; closing it does not close the target. */
  private static final class ProgressStream extends java.io.FilterOutputStream {
    private final ProgressListener.Meter progress;

    ProgressStream(java.io.OutputStream out, ProgressListener.Meter progress) {
      super(out);
      this.progress = progress;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      progress.advance(len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
