package io.gapsync.daemon.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.archive.ArchiveEntry;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.archive.ArchiveReader;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.archive.AssumedPresent;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.IngestLease;
import io.gapsync.store.PutResult;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import io.gapsync.store.TagMove;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Applies one signed archive to the store, in this order (docs/FORMAT.md section 4, "Importing"):
 *
 * <ol>
 *   <li>verify the signatures (threshold of trusted keys), then the expiry, before any entry is
 *       read ({@link ArchiveReader#open});
 *   <li>an archive recorded as applied is reported and changes nothing;
 *   <li>refuse an archive for another site, one whose assumed-present digests are missing (naming
 *       them), and one whose tag updates would move a tag back (rollback rule below);
 *   <li>stream every entry, verifying it: blobs into the store with their expected digest and size
 *       (pinned by an {@link IngestLease}); manifests are held (bounded) until every entry and the
 *       trailer verified;
 *   <li>store the manifests (children first), then, in one atomic write ({@link Store#moveTags}),
 *       move the tags (each only if it still points where the plan saw it) and record the archive,
 *       its watermark and which sequence set each tag.
 * </ol>
 *
 * <p>On any failure before that write the content this import created is discarded, so the store is
 * as before; the write itself lands whole or not at all, so no tag is ever moved without its
 * record. Rollback rule: a tag update applies if the tag points at its {@code from} (or at its
 * {@code to}: nothing to do); otherwise only if the tag's current target was set by an earlier
 * archive of the same producer (a lower sequence) and not moved since, which lets two archives
 * computed against the same stale inventory apply in order but never lets an older archive undo a
 * newer one.
 */
public final class ArchiveImporter {

  /** Largest total of manifest bytes held in memory while an archive is verified. */
  public static final long MANIFEST_BYTES_MAX = 256L * 1024 * 1024;

  /** Largest manifest accepted (the manifest parser's limit). */
  public static final int MANIFEST_SIZE_MAX = 4 * 1024 * 1024;

  public static final String APPLIED_PREFIX = "import/archive/";
  public static final String WATERMARK_PREFIX = "import/watermark/";
  public static final String TAG_PREFIX = "import/tag/";

  /**
   * What importing one archive did.
   *
   * @param archive the archive's name
   * @param statement its statement
   * @param alreadyApplied true if it had been applied before (nothing changed)
   * @param blobsAdded blobs stored that the store lacked
   * @param bytesAdded their bytes
   * @param blobsPresent blobs the store held already
   * @param manifestsAdded manifests stored that the store lacked
   * @param tagsMoved tags set or moved
   * @param tagsKept tag updates not applied because a newer archive of the same producer already
   *     set the tag (rollback protection: the content arrived, the tag stays)
   */
  public record Result(
      String archive,
      ArchiveStatement statement,
      boolean alreadyApplied,
      long blobsAdded,
      long bytesAdded,
      long blobsPresent,
      long manifestsAdded,
      List<TagUpdate> tagsMoved,
      List<TagUpdate> tagsKept) {}

  private final Store store;
  private final TrustPolicy trust;
  private final Instant now;
  private final ProgressListener progress;

  /**
   * Creates an importer for one or more archives.
   *
   * @param store the store, open read-write (not closed by this class)
   * @param trust the trusted producer keys
   * @param now the time expiry is checked against and records carry
   * @param progress where the bytes read are reported
   */
  public ArchiveImporter(Store store, TrustPolicy trust, Instant now, ProgressListener progress) {
    this.store = store;
    this.trust = trust;
    this.now = now;
    this.progress = progress;
  }

  /**
   * The highest archive sequence imported from each producer, as imports recorded them (the
   * inventory's {@code watermarks}, docs/FORMAT.md section 3).
   *
   * @param store the store (open)
   * @return producer id to its highest applied sequence
   */
  public static SortedMap<String, Long> watermarks(Store store) {
    SortedMap<String, Long> out = new TreeMap<>();
    store
        .metaWithPrefix(WATERMARK_PREFIX)
        .forEach((k, v) -> out.put(k.substring(WATERMARK_PREFIX.length()), Long.parseLong(v)));
    return out;
  }

  /**
   * Imports one archive.
   *
   * @param archive the archive (single file or volumes)
   * @return what was done
   * @throws io.gapsync.protocol.ProtocolException or ArchiveRefusedException when refused (the
   *     store is unchanged); {@link MissingContentException} (an ArchiveRefusedException) when it
   *     assumes content the site lacks
   * @throws IOException if reading fails (the store is unchanged)
   */
  public Result run(ArchiveFiles.Located archive) throws IOException {
    String name = archive.describe();
    try (InputStream in = ArchiveFiles.open(archive)) {
      ArchiveReader reader = ArchiveReader.open(in, name, trust, now);
      ArchiveStatement s = reader.statement();
      Optional<String> applied = store.meta(APPLIED_PREFIX + s.archiveId());
      if (applied.isPresent()) {
        if (!applied.get().contains(reader.statementDigest().toString())) {
          throw new ArchiveRefusedException(
              "Tried to import archive "
                  + name
                  + " but an archive with the same id "
                  + s.archiveId()
                  + " and a different statement was applied before: refusing a reused archive id");
        }
        return new Result(name, s, true, 0, 0, 0, 0, List.of(), List.of());
      }
      if (!s.siteId().equals(store.siteId())) {
        throw new ArchiveRefusedException(
            "Tried to import archive "
                + name
                + " but it was computed for site "
                + s.siteId()
                + " and this store is site "
                + store.siteId()
                + ": import it at the site whose inventory it was made from");
      }
      checkAssumedPresent(name, s);
      TagPlan tags = planTags(name, s);
      long manifestBytes =
          s.entries().stream()
              .filter(e -> e.kind() == EntryKind.MANIFEST)
              .mapToLong(ArchiveEntry::size)
              .sum();
      if (manifestBytes > MANIFEST_BYTES_MAX) {
        throw new ArchiveRefusedException(
            "Tried to import archive "
                + name
                + " but its manifests total "
                + manifestBytes
                + " bytes, over the limit of "
                + MANIFEST_BYTES_MAX);
      }
      return apply(name, reader, tags);
    }
  }

  private void checkAssumedPresent(String name, ArchiveStatement s) {
    List<String> missing = new ArrayList<>();
    for (AssumedPresent a : s.assumedPresent()) {
      boolean held =
          a.kind() == EntryKind.BLOB ? store.hasBlob(a.digest()) : store.hasManifest(a.digest());
      if (!held) {
        missing.add(a.kind().wire() + " " + a.digest());
      }
    }
    if (!missing.isEmpty()) {
      String highest = store.meta(WATERMARK_PREFIX + s.producerId()).orElse("none");
      throw new MissingContentException(
          tried(name, s)
              + " but it assumes this site holds "
              + missing.size()
              + " digests it lacks: "
              + String.join(", ", missing.subList(0, Math.min(10, missing.size())))
              + (missing.size() > 10 ? ", ..." : "")
              + ": import the earlier archives of this producer first (highest applied: "
              + highest
              + "), or export again against a fresh inventory",
          s.producerId(),
          s.sequence(),
          highest,
          missing);
    }
  }

  /**
   * The tag updates of an archive that move something, and the compare-and-set moves that apply
   * them (each expecting the target seen now).
   *
   * @param updates the updates that move a tag, in statement order
   * @param moves one move per update
   */
  private record TagPlan(List<TagUpdate> updates, List<TagMove> moves, List<TagUpdate> kept) {}

  /** The tag updates that move something; refuses rollbacks. */
  private TagPlan planTags(String name, ArchiveStatement s) {
    List<TagUpdate> updates = new ArrayList<>();
    List<TagMove> moves = new ArrayList<>();
    List<TagUpdate> kept = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (TagUpdate t : s.tags()) {
      Digest current = store.resolveTag(t.repository(), t.tag()).orElse(null);
      if (t.to().equals(current)) {
        continue;
      }
      if (java.util.Objects.equals(current, t.from()) || setByEarlierArchive(s, t, current)) {
        updates.add(t);
        moves.add(new TagMove(t.repository(), t.tag(), current, t.to()));
      } else if (setByLaterArchive(s, t, current)) {
        // A newer archive of this producer moved the tag already: never move it back, but let
        // the rest of this (late) archive apply.
        kept.add(t);
      } else {
        refused.add(
            t.reference()
                + " points at "
                + (current == null ? "nothing" : current)
                + ", not at "
                + (t.from() == null ? "nothing" : t.from())
                + " as the archive expects");
      }
    }
    if (!refused.isEmpty()) {
      throw new ArchiveRefusedException(
          tried(name, s)
              + " but its tag updates would move tags that changed since its inventory was taken: "
              + String.join("; ", refused)
              + ": the site moved them itself (or another producer did); export again against a fresh"
              + " inventory");
    }
    return new TagPlan(updates, moves, kept);
  }

  /** True if the tag's current target was set by an earlier archive of the same producer. */
  private boolean setByEarlierArchive(ArchiveStatement s, TagUpdate t, Digest current) {
    return setterSequence(s, t, current).map(seq -> seq < s.sequence()).orElse(false);
  }

  /** True if the tag's current target was set by a later archive of the same producer. */
  private boolean setByLaterArchive(ArchiveStatement s, TagUpdate t, Digest current) {
    return setterSequence(s, t, current).map(seq -> seq > s.sequence()).orElse(false);
  }

  /**
   * The sequence of this producer's archive that set the tag to its current target, if one did and
   * the tag has not moved since.
   */
  private Optional<Long> setterSequence(ArchiveStatement s, TagUpdate t, Digest current) {
    if (current == null) {
      return Optional.empty();
    }
    Optional<String> rec = store.meta(tagKey(s.producerId(), t));
    if (rec.isEmpty()) {
      return Optional.empty();
    }
    String[] parts = rec.get().split(" ");
    return parts.length == 2 && parts[1].equals(current.toString())
        ? Optional.of(Long.parseLong(parts[0]))
        : Optional.empty();
  }

  /** The start of every refusal that names the archive and where it sits in its series. */
  private static String tried(String name, ArchiveStatement s) {
    return "Tried to import archive "
        + name
        + " (producer "
        + s.producerId()
        + ", sequence "
        + s.sequence()
        + ")";
  }

  public static String tagKey(String producer, TagUpdate t) {
    return TAG_PREFIX + producer + "/" + t.repository() + ":" + t.tag();
  }

  private Result apply(String name, ArchiveReader reader, TagPlan tags) throws IOException {
    ArchiveStatement s = reader.statement();
    List<Digest> created = new ArrayList<>();
    Map<Integer, byte[]> manifests = new LinkedHashMap<>();
    long[] counts = new long[4];
    boolean committed = false;
    // The lease closes before an undo, so that discard can remove what it pinned; it stays open
    // until the tags that reach the new content have landed, so a concurrent gc keeps it.
    try {
      try (IngestLease lease = store.lease();
          ProgressListener.Meter meter = progress.begin("Importing " + name, s.storedBytes())) {
        reader.readEntries(
            (i, e, content) -> {
              if (e.kind() == EntryKind.BLOB) {
                lease.pin(e.digest());
                PutResult r = store.putBlob(content, e.digest(), e.size(), lease);
                if (r.created()) {
                  created.add(r.digest());
                  counts[0]++;
                  counts[1] += r.size();
                } else {
                  counts[2]++;
                }
              } else {
                if (e.size() > MANIFEST_SIZE_MAX) {
                  throw new ArchiveRefusedException(
                      "Tried to import manifest "
                          + e.digest()
                          + " from archive "
                          + name
                          + " but it is "
                          + e.size()
                          + " bytes, over the limit of "
                          + MANIFEST_SIZE_MAX);
                }
                manifests.put(i, content.readNBytes((int) e.size()));
              }
              meter.advance(e.storedSize());
            });
        // Every entry and the trailer verified: now the manifests, children first as listed.
        for (Map.Entry<Integer, byte[]> m : manifests.entrySet()) {
          ArchiveEntry e = s.entries().get(m.getKey());
          PutResult r = store.putManifest(m.getValue(), e.mediaType(), lease);
          if (r.created()) {
            created.add(r.digest());
            counts[3]++;
          }
        }
        commit(name, reader, tags);
        committed = true;
      }
    } catch (IOException | RuntimeException e) {
      if (!committed) {
        // Nothing of this archive is tagged or recorded: drop the content it created. If that
        // fails too (a full disk), gc removes the unreferenced content later.
        try {
          store.discard(created);
        } catch (RuntimeException d) {
          e.addSuppressed(d);
        }
      }
      if (DiskFullException.isDiskFull(e)) {
        throw DiskFullException.of(name, store.path(), e);
      }
      throw e;
    }
    return new Result(
        name, s, false, counts[0], counts[1], counts[2], counts[3], tags.updates(), tags.kept());
  }

  /**
   * Moves the tags and records the archive, its watermark and which sequence set each tag, in one
   * atomic write: a crash leaves both or neither.
   *
   * @throws ArchiveRefusedException if a tag moved since the plan was made (nothing changed)
   */
  private void commit(String name, ArchiveReader reader, TagPlan tags) {
    ArchiveStatement s = reader.statement();
    Map<String, String> record = new LinkedHashMap<>();
    for (TagUpdate t : tags.updates()) {
      record.put(tagKey(s.producerId(), t), s.sequence() + " " + t.to());
    }
    long watermark = store.meta(WATERMARK_PREFIX + s.producerId()).map(Long::parseLong).orElse(0L);
    record.put(WATERMARK_PREFIX + s.producerId(), Long.toString(Math.max(watermark, s.sequence())));
    record.put(
        APPLIED_PREFIX + s.archiveId(),
        "sequence="
            + s.sequence()
            + " producer="
            + s.producerId()
            + " statement="
            + reader.statementDigest()
            + " at="
            + now);
    try {
      store.moveTags(tags.moves(), record);
    } catch (StoreException e) {
      if (e.code() != StoreException.Code.TAG_CONFLICT) {
        throw e;
      }
      throw new ArchiveRefusedException(
          tried(name, s)
              + " but a tag changed while it was being imported: "
              + e.getMessage()
              + " (import it again)",
          e);
    }
  }
}
