package io.gapsync.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.IntBinaryOperator;
import java.util.function.IntConsumer;

/**
 * What differs between two inventories, A and B: the blobs and manifests only one of them holds,
 * and the tags added, removed or moved going from A to B. With A the inventory of the receiving
 * site and B that of the sender, {@link #blobsOnlyInB()} and {@link #manifestsOnlyInB()} are what a
 * layer-level delta must carry.
 *
 * <p>Lists are sorted (entries by digest, tag changes by repository then tag). A digest listed in
 * both with different sizes is not counted as missing on either side but reported in {@link
 * #sizeConflicts()}: content-addressed sizes cannot differ, so one of the inventories is corrupt.
 *
 * @param blobsOnlyInA blobs A holds and B does not
 * @param blobsOnlyInB blobs B holds and A does not
 * @param manifestsOnlyInA manifests A holds and B does not
 * @param manifestsOnlyInB manifests B holds and A does not (media type null when computed from
 *     compact inventories)
 * @param tagChanges tags added, removed or moved from A to B
 * @param sizeConflicts digests listed in both with different sizes, manifests then blobs
 */
public record InventoryDiff(
    List<InventoryEntry> blobsOnlyInA,
    List<InventoryEntry> blobsOnlyInB,
    List<InventoryEntry> manifestsOnlyInA,
    List<InventoryEntry> manifestsOnlyInB,
    List<TagChange> tagChanges,
    List<Digest> sizeConflicts) {

  /** Copies the lists. */
  public InventoryDiff {
    blobsOnlyInA = List.copyOf(blobsOnlyInA);
    blobsOnlyInB = List.copyOf(blobsOnlyInB);
    manifestsOnlyInA = List.copyOf(manifestsOnlyInA);
    manifestsOnlyInB = List.copyOf(manifestsOnlyInB);
    tagChanges = List.copyOf(tagChanges);
    sizeConflicts = List.copyOf(sizeConflicts);
  }

  /**
   * One tag that differs between A and B.
   *
   * @param repository the repository
   * @param tag the tag
   * @param before the manifest it points at in A, or null if A lacks it
   * @param after the manifest it points at in B, or null if B lacks it
   */
  public record TagChange(String repository, String tag, Digest before, Digest after) {

    /** How a tag changed. */
    public enum Kind {
      /** Only B has the tag. */
      ADDED,
      /** Only A has the tag. */
      REMOVED,
      /** Both have it, pointing at different manifests. */
      MOVED
    }

    /** Validates the fields. */
    public TagChange {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(tag, "tag");
      if (Objects.equals(before, after)) {
        throw new IllegalArgumentException("A tag change needs different before and after");
      }
    }

    /** Returns how the tag changed. */
    public Kind kind() {
      return before == null ? Kind.ADDED : after == null ? Kind.REMOVED : Kind.MOVED;
    }

    /** Returns e.g. {@code moved library/nginx:1.27 sha256:aaa... -> sha256:bbb...}. */
    @Override
    public String toString() {
      return switch (kind()) {
        case ADDED -> "added " + repository + ":" + tag + " -> " + after;
        case REMOVED -> "removed " + repository + ":" + tag + " (was " + before + ")";
        case MOVED -> "moved " + repository + ":" + tag + " " + before + " -> " + after;
      };
    }
  }

  /**
   * Compares two inventories.
   *
   * @param a the first, e.g. the receiving site's
   * @param b the second, e.g. the sender's
   * @return the differences
   */
  public static InventoryDiff compute(Inventory a, Inventory b) {
    Entries blobs = mergeLists(a.blobs(), b.blobs());
    Entries manifests = mergeLists(a.manifests(), b.manifests());
    return result(manifests, blobs, tagChanges(a.tags(), b.tags()));
  }

  /**
   * Compares two compact inventories, without creating objects for entries they share. Manifest
   * entries in the result have no media type.
   *
   * @param a the first, e.g. the receiving site's
   * @param b the second, e.g. the sender's
   * @return the differences
   */
  public static InventoryDiff compute(CompactInventory a, CompactInventory b) {
    Entries blobs = mergeSets(a.blobs(), b.blobs());
    Entries manifests = mergeSets(a.manifests(), b.manifests());
    return result(manifests, blobs, tagChanges(a.tags(), b.tags()));
  }

  /** Returns true if the inventories hold the same content and tags. */
  public boolean isEmpty() {
    return blobsOnlyInA.isEmpty()
        && blobsOnlyInB.isEmpty()
        && manifestsOnlyInA.isEmpty()
        && manifestsOnlyInB.isEmpty()
        && tagChanges.isEmpty()
        && sizeConflicts.isEmpty();
  }

  /** Returns the bytes of the blobs and manifests only B holds: the payload of a delta A to B. */
  public long bytesOnlyInB() {
    return sum(blobsOnlyInB) + sum(manifestsOnlyInB);
  }

  private static InventoryDiff result(Entries manifests, Entries blobs, List<TagChange> tags) {
    List<Digest> conflicts = new ArrayList<>(manifests.conflicts);
    conflicts.addAll(blobs.conflicts);
    return new InventoryDiff(
        blobs.onlyInA, blobs.onlyInB, manifests.onlyInA, manifests.onlyInB, tags, conflicts);
  }

  private static long sum(List<InventoryEntry> entries) {
    long total = 0;
    for (InventoryEntry e : entries) {
      total += e.size();
    }
    return total;
  }

  /** The outcome of merging one section. */
  private static final class Entries {
    final List<InventoryEntry> onlyInA = new ArrayList<>();
    final List<InventoryEntry> onlyInB = new ArrayList<>();
    final List<Digest> conflicts = new ArrayList<>();
  }

  private static Entries mergeLists(List<InventoryEntry> a, List<InventoryEntry> b) {
    Entries out = new Entries();
    merge(
        a.size(),
        b.size(),
        (i, j) -> a.get(i).digest().compareTo(b.get(j).digest()),
        i -> out.onlyInA.add(a.get(i)),
        j -> out.onlyInB.add(b.get(j)),
        (i, j) -> {
          if (a.get(i).size() != b.get(j).size()) {
            out.conflicts.add(a.get(i).digest());
          }
        });
    return out;
  }

  private static Entries mergeSets(DigestSet a, DigestSet b) {
    Entries out = new Entries();
    merge(
        a.size(),
        b.size(),
        (i, j) -> a.compareAt(i, b, j),
        i -> out.onlyInA.add(new InventoryEntry(a.digestAt(i), a.sizeAt(i), null)),
        j -> out.onlyInB.add(new InventoryEntry(b.digestAt(j), b.sizeAt(j), null)),
        (i, j) -> {
          if (a.sizeAt(i) != b.sizeAt(j)) {
            out.conflicts.add(a.digestAt(i));
          }
        });
    return out;
  }

  /** Receives the indexes of an entry both sides hold. */
  private interface Both {
    void accept(int indexInA, int indexInB);
  }

  /** Walks two ascending sequences once, like the merge step of merge sort. */
  private static void merge(
      int sizeA,
      int sizeB,
      IntBinaryOperator compare,
      IntConsumer onlyA,
      IntConsumer onlyB,
      Both both) {
    int i = 0;
    int j = 0;
    while (i < sizeA && j < sizeB) {
      int c = compare.applyAsInt(i, j);
      if (c < 0) {
        onlyA.accept(i++);
      } else if (c > 0) {
        onlyB.accept(j++);
      } else {
        both.accept(i++, j++);
      }
    }
    while (i < sizeA) {
      onlyA.accept(i++);
    }
    while (j < sizeB) {
      onlyB.accept(j++);
    }
  }

  private static List<TagChange> tagChanges(
      SortedMap<String, SortedMap<String, Digest>> a,
      SortedMap<String, SortedMap<String, Digest>> b) {
    List<TagChange> out = new ArrayList<>();
    TreeSet<String> repos = new TreeSet<>(a.keySet());
    repos.addAll(b.keySet());
    for (String repo : repos) {
      Map<String, Digest> tagsA = a.getOrDefault(repo, Collections.emptySortedMap());
      Map<String, Digest> tagsB = b.getOrDefault(repo, Collections.emptySortedMap());
      TreeSet<String> tags = new TreeSet<>(tagsA.keySet());
      tags.addAll(tagsB.keySet());
      for (String tag : tags) {
        Digest before = tagsA.get(tag);
        Digest after = tagsB.get(tag);
        if (!Objects.equals(before, after)) {
          out.add(new TagChange(repo, tag, before, after));
        }
      }
    }
    return out;
  }
}
