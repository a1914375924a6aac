package io.gapsync.daemon.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestSet;
import io.gapsync.protocol.InventoryHeader;
import io.gapsync.protocol.archive.EntryKind;
import io.gapsync.protocol.archive.TagUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger folder on a real file system, and planning with it against a compact inventory. */
class ExportLedgerTest {

  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private static final Digest BASE = Digest.sha256Of("base layer");
  private static final Digest APP1 = Digest.sha256Of("app layer 1");
  private static final Digest M1 = Digest.sha256Of("manifest 1");
  private static final Digest APP2 = Digest.sha256Of("app layer 2");
  private static final Digest M2 = Digest.sha256Of("manifest 2");

  @TempDir Path tmp;

  private static LedgerRecord record(long seq, List<LedgerRecord.Sent> sent, List<TagUpdate> tags) {
    return new LedgerRecord(
        String.format("%032x", seq),
        "depot-1",
        seq,
        "site-a",
        Digest.sha256Of("inventory"),
        0,
        NOW,
        sent,
        tags,
        List.of("gapsync-depot-1-00000" + seq + ".gsa"));
  }

  private static LedgerRecord.Sent blob(Digest d) {
    return new LedgerRecord.Sent(d, EntryKind.BLOB, 100);
  }

  private static LedgerRecord.Sent manifest(Digest d) {
    return new LedgerRecord.Sent(d, EntryKind.MANIFEST, 10);
  }

  private static DigestSet set(Digest... digests) {
    TreeMap<Digest, Long> sorted = new TreeMap<>();
    for (Digest d : digests) {
      sorted.put(d, 100L);
    }
    DigestSet.Builder b = DigestSet.builder();
    sorted.forEach(b::add);
    return b.build();
  }

  private static CompactInventory inventory(long watermark, DigestSet manifests, DigestSet blobs) {
    SortedMap<String, Long> w = new TreeMap<>();
    if (watermark > 0) {
      w.put("depot-1", watermark);
    }
    return new CompactInventory(
        InventoryHeader.of("site-a", NOW, new TreeMap<>(), w), manifests, blobs);
  }

  @Test
  void recordsRoundTripAndSequencesContinueFromTheStoreCounterOnce() throws Exception {
    try (ExportLedger ledger = ExportLedger.open(tmp.resolve("l"))) {
      assertThat(ledger.nextSequence("depot-1", OptionalLong.of(4))).isEqualTo(5);
      assertThat(ledger.nextSequence("depot-1", OptionalLong.of(40))).isEqualTo(6);
      LedgerRecord r =
          record(
              6,
              List.of(blob(BASE), manifest(M1)),
              List.of(new TagUpdate("apps/web", "v1", null, M1)));
      ledger.record(r);
      assertThat(ledger.records("site-a", "depot-1")).containsExactly(r);
      assertThat(ledger.records("site-b", "depot-1")).isEmpty();
    }
    // A lost counter file: the next number still comes after every recorded archive.
    Files.delete(tmp.resolve("l/sequence/depot-1"));
    try (ExportLedger ledger = ExportLedger.open(tmp.resolve("l"))) {
      assertThat(ledger.nextSequence("depot-1", OptionalLong.empty())).isEqualTo(7);
    }
    try (var s = Files.walk(tmp.resolve("l"))) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
    }
  }

  @Test
  void aSecondOpenIsRefusedWhileTheFirstHoldsTheLock() throws Exception {
    try (ExportLedger first = ExportLedger.open(tmp.resolve("l"))) {
      assertThatThrownBy(() -> ExportLedger.open(tmp.resolve("l")))
          .isInstanceOf(ArchiveRefusedException.class)
          .hasMessageContaining("Tried to lock the export ledger " + tmp.resolve("l"))
          .hasMessageContaining("another export holds it");
      assertThat(first.path()).isEqualTo(tmp.resolve("l"));
    }
    ExportLedger.open(tmp.resolve("l")).close();
  }

  @Test
  void aLedgerOrRecordOfAnotherVersionIsRefusedNamingBoth() throws Exception {
    Path l = tmp.resolve("l");
    try (ExportLedger ledger = ExportLedger.open(l)) {
      ledger.record(record(1, List.of(blob(BASE)), List.of()));
    }
    Path rec = l.resolve("records/site-a/depot-1/000000000001.json");
    Files.writeString(
        rec, Files.readString(rec).replace("\"formatVersion\":1", "\"formatVersion\":2"));
    try (ExportLedger ledger = ExportLedger.open(l)) {
      assertThatThrownBy(() -> ledger.records("site-a", "depot-1"))
          .isInstanceOf(ArchiveRefusedException.class)
          .hasMessageContaining(rec.toString())
          .hasMessageContaining("format version 2 is not the version this gapsync reads (1)");
    }
    Files.writeString(
        l.resolve("ledger.json"), "{\"format\":\"gapsync.ledger\",\"formatVersion\":9}\n");
    assertThatThrownBy(() -> ExportLedger.open(l))
        .isInstanceOf(ArchiveRefusedException.class)
        .hasMessageContaining("\"formatVersion\":9")
        .hasMessageContaining("version 1");
  }

  @Test
  void archivesAboveTheWatermarkAreInFlightAndThoseAtOrBelowItAreCheckedForLostContent() {
    LedgerRecord one =
        record(
            1,
            List.of(blob(BASE), blob(APP1), manifest(M1)),
            List.of(new TagUpdate("apps/web", "v1", null, M1)));
    LedgerRecord two =
        record(
            2,
            List.of(blob(APP2), manifest(M2)),
            List.of(new TagUpdate("apps/web", "latest", null, M2)));

    // Nothing applied yet: both in flight; the planning inventory holds their content and tags.
    PlanningInventory fresh =
        PlanningInventory.of(inventory(0, set(), set()), "depot-1", List.of(two, one), true);
    assertThat(fresh.inFlight()).extracting(LedgerRecord::sequence).containsExactly(1L, 2L);
    assertThat(fresh.inventory().blobs().size()).isEqualTo(3);
    assertThat(fresh.inventory().blobs().contains(APP2)).isTrue();
    assertThat(fresh.inventory().tags())
        .isEqualTo(Map.of("apps/web", new TreeMap<>(Map.of("v1", M1, "latest", M2))));
    assertThat(fresh.lost()).isEmpty();

    // Without assume-delivered the inventory is used as it came.
    PlanningInventory plain =
        PlanningInventory.of(inventory(0, set(), set()), "depot-1", List.of(one, two), false);
    assertThat(plain.inFlight()).isEmpty();
    assertThat(plain.inventory().blobs().size()).isZero();

    // Watermark 2, but archive 1 never arrived: its content is lost, archive 2 is reflected.
    PlanningInventory back =
        PlanningInventory.of(inventory(2, set(M2), set(APP2)), "depot-1", List.of(one, two), true);
    assertThat(back.watermark()).isEqualTo(2);
    assertThat(back.inFlight()).isEmpty();
    assertThat(back.lost())
        .extracting(l -> l.entry().digest())
        .containsExactlyInAnyOrder(BASE, APP1, M1);
    assertThat(back.lost()).allMatch(l -> l.sequence() == 1);
  }
}
