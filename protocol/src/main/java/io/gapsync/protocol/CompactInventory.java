package io.gapsync.protocol;

import java.util.SortedMap;

/**
 * An inventory held compactly, for stores with millions of blobs: the header as is, the manifests
 * and blobs as {@link DigestSet}s (digest and size, about 40 bytes per sha256 entry; manifest media
 * types are not kept). Read with {@link InventoryReader#readCompact}.
 *
 * @param header the header: version, site, creation time, tags, watermarks
 * @param manifests the manifests
 * @param blobs the blobs
 */
public record CompactInventory(InventoryHeader header, DigestSet manifests, DigestSet blobs) {

  /** Validates the fields: every tag points at a listed manifest. */
  public CompactInventory {
    if (header == null || manifests == null || blobs == null) {
      throw new ProtocolException(
          ProtocolException.Code.INVENTORY_INVALID, "Compact inventory parts must not be null");
    }
    for (SortedMap<String, Digest> repoTags : header.tags().values()) {
      for (Digest target : repoTags.values()) {
        if (!manifests.contains(target)) {
          throw new ProtocolException(
              ProtocolException.Code.INVENTORY_INVALID,
              "Tried to create a compact inventory of site "
                  + header.siteId()
                  + " but failed because a tag points at manifest "
                  + target
                  + ", which 'manifests' does not list");
        }
      }
    }
  }

  /** Builds the compact form of an inventory. */
  public static CompactInventory of(Inventory inventory) {
    return new CompactInventory(
        inventory.header(), toSet(inventory.manifests()), toSet(inventory.blobs()));
  }

  /** Returns the site id. */
  public String siteId() {
    return header.siteId();
  }

  /** Returns repository to tag to manifest digest. */
  public SortedMap<String, SortedMap<String, Digest>> tags() {
    return header.tags();
  }

  private static DigestSet toSet(Iterable<InventoryEntry> entries) {
    DigestSet.Builder b = DigestSet.builder();
    for (InventoryEntry e : entries) {
      b.add(e.digest(), e.size());
    }
    return b.build();
  }
}
