package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.daemon.archive.ExportLedger;
import io.gapsync.daemon.spool.OutboxInventory;
import io.gapsync.protocol.Reference;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export ledger and returned inventories (docs/FORMAT.md section 4.12), with real stores, real
 * keys and real CLI runs: archives in flight count as delivered, a returned inventory corrects the
 * ledger (what a reflected archive carried and the site lacks is sent again), and a returned
 * inventory whose signature does not verify changes nothing.
 */
class ExportCommandLedgerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Clock CLOCK = ArchiveCommandsTest.CLOCK;

  @TempDir Path tmp;
  private Path connected;
  private Path site;
  private Path ledger;
  private Path key;
  private Path pub;
  private SigningKey siteKey;
  private Path siteTrust;

  @BeforeEach
  void stores() throws Exception {
    connected = tmp.resolve("connected");
    site = tmp.resolve("site");
    ledger = ExportLedger.defaultFor(connected);
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      SampleImages.add(c, "apps/web", "v1");
      Path readme = Files.writeString(tmp.resolve("README.txt"), "read me\n");
      Artifacts.add(c, readme, "application/vnd.example.readme", Reference.parse("docs/readme:1"));
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    Path[] keys = KeyFiles.write(tmp.resolve("keys/producer"), SigningKey.generate(rng(1)));
    key = keys[0];
    pub = keys[1];
    siteKey = SigningKey.generate(rng(2));
    siteTrust = KeyFiles.write(tmp.resolve("keys/site"), siteKey)[1];
  }

  private static SecureRandom rng(int seed) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(seed);
    return r;
  }

  /** The site's signed inventory, as its import daemon writes it to the outbox. */
  private Path returnedInventory(String name) throws Exception {
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      return OutboxInventory.write(s, tmp.resolve(name), siteKey, CLOCK.instant());
    }
  }

  private CliRun export(String against, String out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "export",
                "--store",
                connected.toString(),
                "--against",
                against,
                "--key",
                key.toString(),
                "-o",
                tmp.resolve(out).toString(),
                "--json"));
    args.addAll(List.of(extra));
    return ArchiveCli.run(CLOCK, args.toArray(String[]::new));
  }

  private static JsonNode ok(CliRun r) throws Exception {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return JSON.readTree(r.out());
  }

  private CliRun importInto(Path... archives) {
    List<String> args =
        new ArrayList<>(List.of("import", "--store", site.toString(), "--trust", pub.toString()));
    for (Path a : archives) {
      args.add(a.toString());
    }
    return ArchiveCli.run(CLOCK, args.toArray(String[]::new));
  }

  private static Path archive(JsonNode summary) {
    return Path.of(summary.get("files").get(0).asText());
  }

  private List<Path> ledgerFiles() throws Exception {
    if (!Files.exists(ledger)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(ledger)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void archivesInFlightCountAsDeliveredSoTheNextExportCarriesOnlyWhatIsNew() throws Exception {
    String inv0 = returnedInventory("inv0").toString();
    JsonNode a1 = ok(export(inv0, "out1", "--site-trust", siteTrust.toString(), "apps/web:v1"));
    assertThat(a1.get("sequence").asLong()).isEqualTo(1);
    assertThat(a1.get("inventorySignedBy")).hasSize(1);

    // Same old inventory, v1 in flight: the readme alone goes; v1 is assumed delivered.
    JsonNode a2 = ok(export(inv0, "out2", "apps/web:v1", "docs/readme:1"));
    assertThat(a2.get("sequence").asLong()).isEqualTo(2);
    assertThat(a2.get("assumedDelivered").toString()).isEqualTo("[1]");
    assertThat(a2.get("manifests").asLong()).isEqualTo(1);
    assertThat(a2.get("tagUpdates").asLong()).isEqualTo(1);

    // Nothing new since: nothing is written and no sequence number is used.
    CliRun none =
        ArchiveCli.run(
            CLOCK,
            "export",
            "--store",
            connected.toString(),
            "--against",
            inv0,
            "--key",
            key.toString(),
            "-o",
            tmp.resolve("out3").toString(),
            "apps/web:v1",
            "docs/readme:1");
    assertThat(none.exitCode()).as(none.toString()).isZero();
    assertThat(none.out())
        .contains("Nothing to export: site site-a holds")
        .contains("no archive written")
        .contains("watermark 0; assumed delivered: sequences [1, 2]");
    assertThat(tmp.resolve("out3")).doesNotExist();
    assertThat(Files.readString(ledger.resolve("sequence/depot-1")).strip()).isEqualTo("2");

    // Both arrive in order: the site holds both images.
    CliRun imp = importInto(archive(a1), archive(a2));
    assertThat(imp.exitCode()).as(imp.toString()).isZero();
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "v1")).isPresent();
      assertThat(s.resolveTag("docs/readme", "1")).isPresent();
    }
  }

  @Test
  void noAssumeDeliveredPlansFromTheReturnedInventoryAloneAndSendsAgain() throws Exception {
    String inv0 = returnedInventory("inv0").toString();
    JsonNode a1 = ok(export(inv0, "out1", "apps/web:v1"));
    JsonNode again = ok(export(inv0, "out2", "--no-assume-delivered", "apps/web:v1"));
    assertThat(again.get("sequence").asLong()).isEqualTo(2);
    assertThat(again.get("assumedDelivered")).isEmpty();
    assertThat(again.get("entries").asLong()).isEqualTo(a1.get("entries").asLong());
  }

  @Test
  void aReturnedInventoryThatReflectsALostArchiveGetsItsContentSentAgain() throws Exception {
    String inv0 = returnedInventory("inv0").toString();
    JsonNode a1 = ok(export(inv0, "out1", "apps/web:v1"));
    JsonNode a2 = ok(export(inv0, "out2", "apps/web:v1", "docs/readme:1"));
    // Archive 1 is lost on the way; archive 2 (independent content) arrives.
    CliRun imp = importInto(archive(a2));
    assertThat(imp.exitCode()).as(imp.toString()).isZero();
    Path inv2 = returnedInventory("inv2");

    // The old inventory still believes archive 1 is on its way: nothing to send.
    assertThat(ok(export(inv0, "out3", "apps/web:v1", "docs/readme:1")).get("status").asText())
        .isEqualTo("nothing-to-export");
    // The returned one has watermark 2 and lacks what archive 1 carried: sent again.
    JsonNode a3 =
        ok(
            export(
                inv2.toString(),
                "out4",
                "--site-trust",
                siteTrust.toString(),
                "apps/web:v1",
                "docs/readme:1"));
    assertThat(a3.get("watermark").asLong()).isEqualTo(2);
    assertThat(a3.get("assumedDelivered")).isEmpty();
    assertThat(a3.get("sequence").asLong()).isEqualTo(3);
    assertThat(a3.get("lostAtSite").asLong()).isEqualTo(a1.get("entries").asLong());
    assertThat(a3.get("resent").asLong()).isEqualTo(a1.get("entries").asLong());
    CliRun imp3 = importInto(archive(a3));
    assertThat(imp3.exitCode()).as(imp3.toString()).isZero();
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "v1")).isPresent();
    }
    // The late archive 1 still applies afterwards (its content is there; its tag is kept).
    CliRun late = importInto(archive(a1));
    assertThat(late.exitCode()).as(late.toString()).isZero();
  }

  @Test
  void unsignedWronglySignedAndTamperedInventoriesAreRefusedAndChangeNothing() throws Exception {
    Path inv = returnedInventory("inv0");
    ok(export(inv.toString(), "out1", "--site-trust", siteTrust.toString(), "apps/web:v1"));
    List<Path> before = ledgerFiles();
    String counter = Files.readString(ledger.resolve("sequence/depot-1"));

    Path unsigned = Files.copy(inv, tmp.resolve("unsigned.json"));
    CliRun r1 = export(unsigned.toString(), "bad1", "--site-trust", siteTrust.toString());
    assertThat(r1.exitCode()).as(r1.toString()).isEqualTo(1);
    assertThat(r1.err())
        .contains("Tried to verify the returned inventory " + unsigned)
        .contains("signature")
        .contains("is missing");

    Path tampered = tmp.resolve("tampered.json");
    Files.writeString(tampered, Files.readString(inv).replace("\"site-a\"", "\"site-b\""));
    Files.copy(OutboxInventory.signatureOf(inv), OutboxInventory.signatureOf(tampered));
    CliRun r2 = export(tampered.toString(), "bad2", "--site-trust", siteTrust.toString());
    assertThat(r2.exitCode()).as(r2.toString()).isEqualTo(1);
    assertThat(r2.err()).contains("does not verify").contains("tampered");

    Path otherKey = KeyFiles.write(tmp.resolve("keys/other"), SigningKey.generate(rng(3)))[1];
    CliRun r3 = export(inv.toString(), "bad3", "--site-trust", otherKey.toString());
    assertThat(r3.exitCode()).as(r3.toString()).isEqualTo(1);
    assertThat(r3.err()).contains("does not verify").contains("not trust");

    Path garbled = Files.copy(inv, tmp.resolve("garbled.json"));
    Files.writeString(OutboxInventory.signatureOf(garbled), "{\"format\":\"x\"}");
    CliRun r4 = export(garbled.toString(), "bad4", "--site-trust", siteTrust.toString());
    assertThat(r4.exitCode()).as(r4.toString()).isEqualTo(1);
    assertThat(r4.err()).contains("is malformed");

    assertThat(ledgerFiles()).isEqualTo(before);
    assertThat(Files.readString(ledger.resolve("sequence/depot-1"))).isEqualTo(counter);
    for (String out : List.of("bad1", "bad2", "bad3", "bad4")) {
      assertThat(tmp.resolve(out)).doesNotExist();
    }
  }

  @Test
  void exportWorksWhileAnotherProcessHoldsTheStoreAndOnlyOneExportRunsAtATime() throws Exception {
    String inv0 = returnedInventory("inv0").toString();
    try (Store held = Store.open(connected, StoreOptions.defaults())) {
      JsonNode a1 = ok(export(inv0, "out1", "apps/web:v1"));
      assertThat(a1.get("sequence").asLong()).isEqualTo(1);
      assertThat(held.siteId()).isEqualTo("depot-1");
    }
    try (ExportLedger busy = ExportLedger.open(ledger)) {
      CliRun r = export(inv0, "out2", "docs/readme:1");
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("another export holds it");
      assertThat(busy.path()).isEqualTo(ledger);
    }
    assertThat(tmp.resolve("out2")).doesNotExist();
  }

  @Test
  void theSequenceContinuesFromTheCounterOlderVersionsKeptInTheStore() throws Exception {
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      for (int i = 0; i < 5; i++) {
        c.nextSequence("archive-sequence/depot-1");
      }
    }
    JsonNode a = ok(export(returnedInventory("inv0").toString(), "out1", "apps/web:v1"));
    assertThat(a.get("sequence").asLong()).isEqualTo(6);
    Path record = ledger.resolve("records/site-a/depot-1/000000000006.json");
    JsonNode rec = JSON.readTree(record.toFile());
    assertThat(rec.get("format").asText()).isEqualTo("gapsync.ledger-record");
    assertThat(rec.get("archiveId").asText()).isEqualTo(a.get("archiveId").asText());
    assertThat(rec.get("entries")).hasSize(a.get("entries").asInt());
    assertThat(rec.get("inventory").asText()).isEqualTo(a.get("inventoryDigest").asText());
  }

  @Test
  void theInboxGivesTheNewestVerifiedInventoryAndNothingChangedWritesNothing() throws Exception {
    Path inbox = Files.createDirectories(tmp.resolve("inbox"));
    Path inv0 = returnedInventory("inv0");
    Files.copy(inv0, inbox.resolve("inventory-site-a-1.json"));
    Files.copy(OutboxInventory.signatureOf(inv0), inbox.resolve("inventory-site-a-1.json.sig"));
    List<String> base =
        List.of(
            "export",
            "--store",
            connected.toString(),
            "--inbox",
            inbox.toString(),
            "--site-trust",
            siteTrust.toString(),
            "--key",
            key.toString(),
            "--outbox",
            tmp.resolve("outbox").toString(),
            "--json");
    JsonNode a1 = ok(ArchiveCli.run(CLOCK, base.toArray(String[]::new)));
    assertThat(a1.get("sequence").asLong()).isEqualTo(1);
    CliRun imp = importInto(archive(a1));
    assertThat(imp.exitCode()).as(imp.toString()).isZero();

    // The site's newer inventory arrives, and a forged one claiming a higher watermark.
    Path inv1 = returnedInventory("inv1");
    Files.copy(inv1, inbox.resolve("inventory-site-a-2.json"));
    Files.copy(OutboxInventory.signatureOf(inv1), inbox.resolve("inventory-site-a-2.json.sig"));
    Files.writeString(
        inbox.resolve("inventory-site-a-3.json"),
        Files.readString(inv1).replace("\"depot-1\": 1", "\"depot-1\": 9"));
    Files.copy(OutboxInventory.signatureOf(inv1), inbox.resolve("inventory-site-a-3.json.sig"));
    CliRun run = ArchiveCli.run(CLOCK, base.toArray(String[]::new));
    JsonNode none = ok(run);
    assertThat(none.get("status").asText()).isEqualTo("nothing-to-export");
    assertThat(none.get("inventory").asText()).endsWith("inventory-site-a-2.json");
    assertThat(none.get("watermark").asLong()).isEqualTo(1);
    assertThat(run.err()).contains("skipped").contains("inventory-site-a-3.json");
    try (Stream<Path> s = Files.list(tmp.resolve("outbox"))) {
      // The first archive and its checksum file; nothing new.
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "gapsync-depot-1-000001.gsa", "gapsync-depot-1-000001.gsa.sha256");
    }

    // Something new on the connected side: the next scheduled run sends only that.
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      SampleImages.add(c, "apps/web", "v2");
    }
    JsonNode a2 = ok(ArchiveCli.run(CLOCK, base.toArray(String[]::new)));
    assertThat(a2.get("sequence").asLong()).isEqualTo(2);
    assertThat(a2.get("manifests").asLong()).isEqualTo(1);
    assertThat(a2.get("blobs").asLong()).isEqualTo(2);
    CliRun text =
        ArchiveCli.run(
            CLOCK,
            "export",
            "--store",
            connected.toString(),
            "--inbox",
            inbox.toString(),
            "--key",
            key.toString(),
            "-o",
            tmp.resolve("x").toString());
    assertThat(text.exitCode()).isEqualTo(1);
    assertThat(text.err()).contains("without --site-trust");
  }
}
