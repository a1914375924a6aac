package io.gapsync.daemon.archive;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestSet;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an export plans against: the site's returned inventory, corrected by the export ledger
 * (docs/FORMAT.md section 4.12, "Planning with the ledger").
 *
 * <p>The returned inventory carries the site's watermark {@code W} for this producer: the highest
 * sequence it applied. An archive of this producer with sequence {@code S <= W} is
 * <em>reflected</em>: the inventory was taken after the site reached it, so whatever that archive
 * carried and the inventory lacks did not arrive (or the site lost it) and is planned again. An
 * archive with {@code S > W} is <em>in flight</em>: with {@code assumeDelivered} its entries and
 * tag updates are added to the inventory, as if it had arrived, so the next archive carries only
 * what is new (and assumes the rest present; the site's import daemon holds it in quarantine until
 * the earlier archive arrives). Without {@code assumeDelivered} the plan starts from the returned
 * inventory alone, so an archive in flight is sent again.
 *
 * @param inventory the inventory to plan against
 * @param watermark the returned inventory's watermark for the producer (0 if none)
 * @param inFlight the archives added as delivered (empty without assume-delivered)
 * @param lost the content reflected archives carried that the returned inventory lacks
 */
public record PlanningInventory(
    CompactInventory inventory, long watermark, List<LedgerRecord> inFlight, List<Lost> lost) {

  /**
   * Content an archive sent that the site does not hold although its inventory reflects the
   * archive.
   *
   * @param sequence the archive's sequence
   * @param archiveId the archive's id
   * @param entry what it carried
   */
  public record Lost(long sequence, String archiveId, LedgerRecord.Sent entry) {}

  /** Copies the lists. */
  public PlanningInventory {
    inFlight = List.copyOf(inFlight);
    lost = List.copyOf(lost);
  }

  /**
   * Corrects a returned inventory with the ledger.
   *
   * @param returned the returned inventory
   * @param producerId the producer exporting
   * @param records the ledger's records for this site and producer, any order
   * @param assumeDelivered whether archives in flight count as arrived
   * @return the inventory to plan against
   */
  public static PlanningInventory of(
      CompactInventory returned,
      String producerId,
      List<LedgerRecord> records,
      boolean assumeDelivered) {
    long w = returned.header().watermarks().getOrDefault(producerId, 0L);
    List<LedgerRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparingLong(LedgerRecord::sequence));
    List<LedgerRecord> inFlight = new ArrayList<>();
    List<Lost> lost = new ArrayList<>();
    for (LedgerRecord r : sorted) {
      if (!r.siteId().equals(returned.siteId()) || !r.producerId().equals(producerId)) {
        continue;
      }
      if (r.sequence() > w) {
        if (assumeDelivered) {
          inFlight.add(r);
        }
        continue;
      }
      for (LedgerRecord.Sent e : r.entries()) {
        DigestSet held = e.kind() == EntryKind.BLOB ? returned.blobs() : returned.manifests();
        if (!held.contains(e.digest())) {
          lost.add(new Lost(r.sequence(), r.archiveId(), e));
        }
      }
    }
    if (inFlight.isEmpty()) {
      return new PlanningInventory(returned, w, inFlight, lost);
    }
    DigestSet manifests = merge(returned.manifests(), inFlight, EntryKind.MANIFEST);
    DigestSet blobs = merge(returned.blobs(), inFlight, EntryKind.BLOB);
    SortedMap<String, SortedMap<String, Digest>> tags = new TreeMap<>();
    returned.tags().forEach((repo, t) -> tags.put(repo, new TreeMap<>(t)));
    for (LedgerRecord r : inFlight) {
      for (TagUpdate t : r.tags()) {
        // A target the site holds nowhere (its archive was lost) is left for the planner to send.
        if (manifests.contains(t.to())) {
          tags.computeIfAbsent(t.repository(), k -> new TreeMap<>()).put(t.tag(), t.to());
        }
      }
    }
    InventoryHeader h = returned.header();
    InventoryHeader header =
        new InventoryHeader(h.formatVersion(), h.siteId(), h.createdAt(), tags, h.watermarks());
    return new PlanningInventory(new CompactInventory(header, manifests, blobs), w, inFlight, lost);
  }

  /** The set plus every entry of the given kind the records carried, in digest order. */
  private static DigestSet merge(DigestSet base, List<LedgerRecord> records, EntryKind kind) {
    TreeMap<Digest, Long> extra = new TreeMap<>();
    for (LedgerRecord r : records) {
      for (LedgerRecord.Sent e : r.entries()) {
        if (e.kind() == kind && !base.contains(e.digest())) {
          extra.put(e.digest(), e.size());
        }
      }
    }
    if (extra.isEmpty()) {
      return base;
    }
    DigestSet.Builder b = DigestSet.builder();
    int i = 0;
    int n = base.size();
    for (var e : extra.entrySet()) {
      while (i < n && base.digestAt(i).compareTo(e.getKey()) < 0) {
        b.add(base.digestAt(i), base.sizeAt(i));
        i++;
      }
      b.add(e.getKey(), e.getValue());
    }
    for (; i < n; i++) {
      b.add(base.digestAt(i), base.sizeAt(i));
    }
    return b.build();
  }
}
