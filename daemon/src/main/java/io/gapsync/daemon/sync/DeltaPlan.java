package io.gapsync.daemon.sync;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryEntry;
import java.util.List;

/**
 * What a site lacks to hold a set of images: the layer-level delta. The manifests and blobs listed
 * are exactly those the site's inventory does not list; tag updates are the tags whose target
 * differs at the site.
 *
 * @param siteId the site the plan is for
 * @param manifests manifests to send, sorted by digest
 * @param blobs blobs to send, sorted by digest
 * @param tags tag updates the site needs
 * @param manifestsPresent manifests the images use that the site holds already
 * @param blobsPresent blobs the images use that the site holds already
 * @param bytesPresent the bytes of those blobs (what the delta saves)
 */
public record DeltaPlan(
    String siteId,
    List<InventoryEntry> manifests,
    List<InventoryEntry> blobs,
    List<TagUpdate> tags,
    long manifestsPresent,
    long blobsPresent,
    long bytesPresent) {

  /** Copies the lists. */
  public DeltaPlan {
    manifests = List.copyOf(manifests);
    blobs = List.copyOf(blobs);
    tags = List.copyOf(tags);
  }

  /** Returns the bytes of the missing blobs. */
  public long blobBytes() {
    return blobs.stream().mapToLong(InventoryEntry::size).sum();
  }

  /** Returns the bytes of the missing manifests. */
  public long manifestBytes() {
    return manifests.stream().mapToLong(InventoryEntry::size).sum();
  }

  /** Returns true if the site lacks nothing. */
  public boolean isEmpty() {
    return manifests.isEmpty() && blobs.isEmpty() && tags.isEmpty();
  }

  /**
   * A tag the site must set or move.
   *
   * @param repository the repository
   * @param tag the tag
   * @param from what the site's tag points at now, or null if it has no such tag
   * @param to what it must point at
   */
  public record TagUpdate(String repository, String tag, Digest from, Digest to) {}
}
