package io.gapsync.protocol;

import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;

/**
 * The inventory manifest: what one site's store holds (blobs, manifests and tags), and the basis of
 * the layer-level delta. The document format is specified in {@code docs/FORMAT.md} ("Inventory");
 * {@link InventoryWriter} writes it canonically and {@link InventoryReader} reads it, either into
 * this class or, for stores of millions of blobs, into a {@link CompactInventory}.
 *
 * <p>Validated once, at creation: entries sorted strictly ascending by digest string (so without
 * duplicates), blobs without and manifests with a media type, and every tag pointing at a listed
 * manifest. This class holds every entry as an object (about 150 bytes each); prefer the compact
 * form past a few hundred thousand entries.
 *
 * @param formatVersion the format version, always {@link #FORMAT_VERSION}
 * @param siteId the site the inventory describes
 * @param createdAt when the inventory was taken, whole seconds, UTC
 * @param blobs the blobs, sorted by digest
 * @param manifests the manifests, sorted by digest
 * @param tags repository to tag to manifest digest
 * @param watermarks producer id to highest archive sequence applied (reserved; may be empty)
 */
public record Inventory(
    int formatVersion,
    String siteId,
    Instant createdAt,
    List<InventoryEntry> blobs,
    List<InventoryEntry> manifests,
    SortedMap<String, SortedMap<String, Digest>> tags,
    SortedMap<String, Long> watermarks) {

  /** The value of the document's {@code format} field. */
  public static final String FORMAT = "gapsync.inventory";

  /** The only format version this gapsync writes and reads. */
  public static final int FORMAT_VERSION = 1;

  private static final Comparator<InventoryEntry> BY_DIGEST =
      Comparator.comparing(InventoryEntry::digest);

  /** Validates the fields and copies the collections. */
  public Inventory {
    InventoryHeader header =
        new InventoryHeader(formatVersion, siteId, createdAt, tags, watermarks);
    createdAt = header.createdAt();
    tags = header.tags();
    watermarks = header.watermarks();
    blobs = List.copyOf(blobs);
    manifests = List.copyOf(manifests);
    checkEntries(blobs, "blobs", false);
    checkEntries(manifests, "manifests", true);
    for (SortedMap<String, Digest> repoTags : tags.values()) {
      for (Digest target : repoTags.values()) {
        if (Collections.binarySearch(manifests, InventoryEntry.blob(target, 0), BY_DIGEST) < 0) {
          throw invalid("a tag points at manifest " + target + ", which 'manifests' does not list");
        }
      }
    }
  }

  /**
   * Creates an inventory from a header and the two lists.
   *
   * @param header the header
   * @param manifests the manifests, sorted by digest
   * @param blobs the blobs, sorted by digest
   * @return the inventory
   */
  public static Inventory of(
      InventoryHeader header, List<InventoryEntry> manifests, List<InventoryEntry> blobs) {
    return new Inventory(
        header.formatVersion(),
        header.siteId(),
        header.createdAt(),
        blobs,
        manifests,
        header.tags(),
        header.watermarks());
  }

  /** Returns the header fields (everything but the two lists). */
  public InventoryHeader header() {
    return new InventoryHeader(formatVersion, siteId, createdAt, tags, watermarks);
  }

  private static void checkEntries(List<InventoryEntry> entries, String section, boolean typed) {
    Digest previous = null;
    for (int i = 0; i < entries.size(); i++) {
      InventoryEntry e = entries.get(i);
      if (typed != (e.mediaType() != null)) {
        throw invalid(
            "entry "
                + (i + 1)
                + " of '"
                + section
                + "' ("
                + e.digest()
                + ") "
                + (typed ? "has no media type" : "has a media type, which only manifests carry"));
      }
      if (previous != null && previous.compareTo(e.digest()) >= 0) {
        throw invalid(
            "entry "
                + (i + 1)
                + " of '"
                + section
                + "' ("
                + e.digest()
                + ") is not sorted after "
                + previous
                + ": entries must be strictly ascending by digest, without duplicates");
      }
      previous = e.digest();
    }
  }

  private static ProtocolException invalid(String why) {
    return new ProtocolException(
        ProtocolException.Code.INVENTORY_INVALID,
        "Tried to create an inventory but failed because " + why);
  }
}
