package io.gapsync.daemon.sync;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryEntry;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.Referrer;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import io.gapsync.store.TagInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.SortedMap;

/**
 * Computes the layer-level delta: for chosen tags of this store, which manifests and blobs the site
 * described by an inventory lacks. Walks each tag's manifest, its index children, its config and
 * layers, and the referrers (signatures, SBOMs) of every manifest it reaches, since a site that
 * receives an image should receive what vouches for it.
 *
 * <p>The inventory is held in its compact form ({@link CompactInventory}): lookups are binary
 * searches over packed digests, so a million-entry inventory costs tens of megabytes of heap.
 */
public final class DeltaPlanner {

  private final Store store;

  /**
   * Creates a planner over a store.
   *
   * @param store the connected side's store
   */
  public DeltaPlanner(Store store) {
    this.store = store;
  }

  /**
   * Plans the delta.
   *
   * @param site the other site's inventory
   * @param tags the tags to bring to the site; all of the store's when empty
   * @return the plan
   * @throws StoreException MANIFEST_UNKNOWN if the store is missing a manifest it references
   */
  public DeltaPlan plan(CompactInventory site, List<TagInfo> tags) {
    // The same tag named twice plans (and updates) once.
    List<TagInfo> chosen =
        new ArrayList<>(new java.util.LinkedHashSet<>(tags.isEmpty() ? store.tags() : tags));
    SeenDigests seenManifests = new SeenDigests();
    SeenDigests seenBlobs = new SeenDigests();
    List<InventoryEntry> manifests = new ArrayList<>();
    List<InventoryEntry> blobs = new ArrayList<>();
    long[] present = new long[3];
    Deque<Digest> queue = new ArrayDeque<>();
    for (TagInfo t : chosen) {
      queue.add(t.digest());
    }
    while (!queue.isEmpty()) {
      Digest d = queue.poll();
      if (!seenManifests.add(d)) {
        continue;
      }
      Manifest m = store.requireManifest(d);
      if (site.manifests().contains(d)) {
        present[0]++;
      } else {
        manifests.add(InventoryEntry.manifest(d, m.size(), m.mediaType()));
      }
      for (Descriptor b : m.blobReferences()) {
        if (!seenBlobs.add(b.digest())) {
          continue;
        }
        if (site.blobs().contains(b.digest())) {
          present[1]++;
          present[2] += b.size();
        } else {
          blobs.add(InventoryEntry.blob(b.digest(), b.size()));
        }
      }
      for (Descriptor child : m.manifestReferences()) {
        queue.add(child.digest());
      }
      for (Referrer r : store.referrers(d)) {
        queue.add(r.digest());
      }
    }
    manifests.sort(Comparator.comparing(InventoryEntry::digest));
    blobs.sort(Comparator.comparing(InventoryEntry::digest));
    List<DeltaPlan.TagUpdate> updates = new ArrayList<>();
    SortedMap<String, SortedMap<String, Digest>> siteTags = site.tags();
    for (TagInfo t : chosen) {
      Digest there =
          siteTags
              .getOrDefault(t.repository(), java.util.Collections.emptySortedMap())
              .get(t.tag());
      if (!t.digest().equals(there)) {
        updates.add(new DeltaPlan.TagUpdate(t.repository(), t.tag(), there, t.digest()));
      }
    }
    return new DeltaPlan(
        site.siteId(), manifests, blobs, updates, present[0], present[1], present[2]);
  }
}
