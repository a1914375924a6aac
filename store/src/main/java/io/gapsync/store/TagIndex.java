package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The {@code tags} column family: {@code repository SEP tag} to a manifest digest. Callers (the
 * {@link Store}) hold the database lifecycle lock; tagging also holds the gc lock's read side so
 * that a manifest checked present cannot be collected before the tag lands. Every write of a tag
 * ({@link #tag}, {@link #untag}, {@link #move}) also holds this index's write monitor, taken after
 * both store locks, so that a compare-and-set in {@link #move} sees no other tag write between its
 * check and its batch.
 */
final class TagIndex {

  /** OCI distribution spec tag grammar. */
  private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

  /** Longest repository name accepted, in characters (the distribution spec suggests 255). */
  private static final int REPOSITORY_MAX_CHARS = 255;

  private final Db db;
  private final ManifestIndex manifests;
  private final Object writeLock = new Object();

  TagIndex(Db db, ManifestIndex manifests) {
    this.db = db;
    this.manifests = manifests;
  }

  /**
   * Checks a repository and tag name. Repositories are checked loosely (a registry host with a port
   * is allowed), but never contain what would break the key encoding.
   *
   * @throws StoreException NAME_INVALID
   */
  static void checkNames(String repository, String tag) {
    String why = null;
    if (repository == null || repository.isEmpty()) {
      why = "the repository name is empty";
    } else if (repository.length() > REPOSITORY_MAX_CHARS) {
      why = "the repository name is longer than " + REPOSITORY_MAX_CHARS + " characters";
    } else if (repository.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '@')) {
      why = "the repository name contains a space, a control character or '@'";
    } else if (tag == null || !TAG.matcher(tag).matches()) {
      why = "the tag must match " + TAG.pattern() + " (OCI distribution spec)";
    }
    if (why != null) {
      throw new StoreException(
          StoreException.Code.NAME_INVALID,
          "Tried to tag "
              + repository
              + ":"
              + tag
              + " but failed because "
              + why
              + ": choose a valid REPO:TAG");
    }
  }

  /** Points the tag at a manifest; the caller holds the gc lock's read side. */
  void tag(String repository, String tag, Digest manifest) {
    checkNames(repository, tag);
    synchronized (writeLock) {
      checkHeld(repository, tag, manifest);
      try {
        db.db.put(db.tags, db.commitWrite, Keys.pair(repository, tag), Keys.digest(manifest));
      } catch (RocksDBException e) {
        throw Db.io("tag " + repository + ":" + tag, e);
      }
    }
  }

  /**
   * Applies tag moves and metadata writes in one atomic, synced batch if every tag points at what
   * its move expects and every target manifest is held; otherwise writes nothing. The caller holds
   * the gc lock's read side.
   *
   * @param moves the moves; a tag at most once
   * @param metadata metadata written in the same batch ({@link MetaIndex#addTo})
   * @throws StoreException TAG_CONFLICT naming every tag that is not where its move expects it,
   *     MANIFEST_UNKNOWN if a target is not held
   * @throws IllegalArgumentException if a tag appears twice, or a metadata key or value is bad
   */
  void move(List<TagMove> moves, Map<String, String> metadata, MetaIndex meta) {
    Set<String> seen = new HashSet<>();
    for (TagMove m : moves) {
      if (!seen.add(m.reference())) {
        throw new IllegalArgumentException("tag " + m.reference() + " is moved twice in one batch");
      }
    }
    synchronized (writeLock) {
      List<String> conflicts = new ArrayList<>();
      for (TagMove m : moves) {
        Digest actual = resolve(m.repository(), m.tag()).orElse(null);
        if (!Objects.equals(actual, m.expected())) {
          conflicts.add(
              m.reference()
                  + " points at "
                  + (actual == null ? "nothing" : actual)
                  + ", not at "
                  + (m.expected() == null ? "nothing" : m.expected())
                  + " as expected");
        }
      }
      if (!conflicts.isEmpty()) {
        throw new StoreException(
            StoreException.Code.TAG_CONFLICT,
            "Tried to move "
                + moves.size()
                + " tags at once but failed because "
                + String.join("; ", conflicts)
                + ": nothing was changed; read the tags again and retry");
      }
      for (TagMove m : moves) {
        checkHeld(m.repository(), m.tag(), m.target());
      }
      try (WriteBatch batch = new WriteBatch()) {
        for (TagMove m : moves) {
          batch.put(db.tags, Keys.pair(m.repository(), m.tag()), Keys.digest(m.target()));
        }
        meta.addTo(batch, metadata);
        db.db.write(db.commitWrite, batch);
      } catch (RocksDBException e) {
        throw Db.io("move tags " + moves.stream().map(TagMove::reference).toList(), e);
      }
    }
  }

  private void checkHeld(String repository, String tag, Digest manifest) {
    if (!manifests.has(manifest)) {
      throw new StoreException(
          StoreException.Code.MANIFEST_UNKNOWN,
          "Tried to tag "
              + repository
              + ":"
              + tag
              + " as "
              + manifest
              + " but failed because "
              + "the store does not hold that manifest: store the manifest first");
    }
  }

  /** Removes a tag; returns false if it did not exist. */
  boolean untag(String repository, String tag) {
    synchronized (writeLock) {
      if (resolve(repository, tag).isEmpty()) {
        return false;
      }
      try {
        db.db.delete(db.tags, db.commitWrite, Keys.pair(repository, tag));
        return true;
      } catch (RocksDBException e) {
        throw Db.io("remove tag " + repository + ":" + tag, e);
      }
    }
  }

  /** Resolves a tag to its manifest digest. */
  Optional<Digest> resolve(String repository, String tag) {
    try {
      byte[] v = db.db.get(db.tags, Keys.pair(repository, tag));
      return v == null ? Optional.empty() : Optional.of(Digest.parse(Keys.string(v)));
    } catch (RocksDBException e) {
      throw Db.io("resolve " + repository + ":" + tag, e);
    }
  }

  /** Returns every tag, sorted by repository then tag. */
  List<TagInfo> all() {
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
  List<TagInfo> of(String repository) {
    List<TagInfo> out = new ArrayList<>();
    ManifestIndex.scanPairs(
        db,
        db.tags,
        repository,
        (t, v) -> out.add(new TagInfo(repository, t, Digest.parse(Keys.string(v)))));
    return out;
  }

  /** Returns the repositories that have at least one tag, sorted. */
  List<String> repositories() {
    TreeSet<String> out = new TreeSet<>();
    all().forEach(t -> out.add(t.repository()));
    return new ArrayList<>(out);
  }
}
