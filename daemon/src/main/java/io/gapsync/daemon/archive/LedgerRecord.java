package io.gapsync.daemon.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.archive.ArchiveEntry;
import io.gapsync.protocol.archive.ArchiveStatement;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import java.time.Instant;
import java.util.List;

/**
 * What one exported archive sent, as the export ledger keeps it (docs/FORMAT.md section 4.12):
 * enough to plan the next archive as if this one had arrived, and to find what it carried that a
 * later returned inventory lacks.
 *
 * @param archiveId the archive's id
 * @param producerId its producer
 * @param sequence its sequence number
 * @param siteId the site it was computed for
 * @param inventory the sha256 of the returned inventory it was computed against
 * @param baseWatermark that inventory's watermark for the producer (0 if none)
 * @param createdAt when it was written
 * @param entries what it carried: digest, kind, size
 * @param tags its tag updates
 * @param files the names of the files written (the index last if split)
 */
public record LedgerRecord(
    String archiveId,
    String producerId,
    long sequence,
    String siteId,
    Digest inventory,
    long baseWatermark,
    Instant createdAt,
    List<Sent> entries,
    List<TagUpdate> tags,
    List<String> files) {

  /**
   * One entry an archive carried.
   *
   * @param digest its digest
   * @param kind blob or manifest
   * @param size its size in bytes
   */
  public record Sent(Digest digest, EntryKind kind, long size) {}

  /** Validates the fields and copies the lists. */
  public LedgerRecord {
    if (archiveId == null || !archiveId.matches("[0-9a-f]{32}")) {
      throw new IllegalArgumentException("archive id '" + archiveId + "' is not 32 hex digits");
    }
    if (producerId == null || !producerId.matches(InventoryHeader.SITE_ID_GRAMMAR)) {
      throw new IllegalArgumentException("producer id '" + producerId + "' is invalid");
    }
    if (siteId == null || !siteId.matches(InventoryHeader.SITE_ID_GRAMMAR)) {
      throw new IllegalArgumentException("site id '" + siteId + "' is invalid");
    }
    if (sequence < 1 || baseWatermark < 0) {
      throw new IllegalArgumentException(
          "sequence " + sequence + " or base watermark " + baseWatermark + " is out of range");
    }
    if (inventory == null || createdAt == null) {
      throw new IllegalArgumentException("inventory digest and creation time are required");
    }
    entries = List.copyOf(entries);
    tags = List.copyOf(tags);
    files = List.copyOf(files);
  }

  /**
   * The record of an archive just written.
   *
   * @param s its statement
   * @param baseWatermark the watermark of the inventory it was planned from
   * @param files the names of the files written
   * @return the record
   */
  public static LedgerRecord of(ArchiveStatement s, long baseWatermark, List<String> files) {
    return new LedgerRecord(
        s.archiveId(),
        s.producerId(),
        s.sequence(),
        s.siteId(),
        s.inventoryDigest(),
        baseWatermark,
        s.createdAt(),
        s.entries().stream().map(LedgerRecord::sent).toList(),
        s.tags(),
        files);
  }

  private static Sent sent(ArchiveEntry e) {
    return new Sent(e.digest(), e.kind(), e.size());
  }
}
