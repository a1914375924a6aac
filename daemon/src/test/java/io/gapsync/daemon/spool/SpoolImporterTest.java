package io.gapsync.daemon.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.daemon.archive.ArchiveExporter;
import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.archive.ProgressListener;
import io.gapsync.daemon.archive.SampleImages;
import io.gapsync.daemon.sync.StoreInventory;
import io.gapsync.protocol.CompactInventory;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.InventoryReader;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.trust.KeyFiles;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.protocol.trust.VerifyingKey;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.gapsync.store.TagInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The import daemon's spool between two real stores: each test drives {@link
 * SpoolImporter#pollOnce()} (an archive is taken on the second poll that sees it unchanged), with a
 * fixed clock and no sleeps.
 */
class SpoolImporterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

  @TempDir Path tmp;
  private Path connected;
  private Path site;
  private Path spool;
  private Path outbox;
  private SigningKey producerKey;
  private long sequence;
  private Path producerPub;
  private SigningKey siteKey;
  private Digest v1;
  private Store store;

  @BeforeEach
  void stores() throws Exception {
    connected = tmp.resolve("connected");
    site = tmp.resolve("site");
    spool = tmp.resolve("spool");
    outbox = tmp.resolve("outbox");
    Files.createDirectories(spool);
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      v1 = SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    Path[] keys = KeyFiles.write(tmp.resolve("keys/producer"), SigningKey.generate(rng(1)));
    producerKey = KeyFiles.readPrivate(keys[0]);
    producerPub = keys[1];
    siteKey = SigningKey.generate(rng(2));
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private static SecureRandom rng(int seed) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(seed);
    return r;
  }

  /** Exports from the connected store against a site's inventory; returns the archive file. */
  private Path export(Path againstSite, String name, String... tags) throws Exception {
    List<Path> files = exportFiles(againstSite, name, 0, tags);
    return files.get(files.size() - 1);
  }

  /**
   * Exports with the archive engine as {@code gapsync export} does: plans against the site's
   * inventory (with its watermarks) and writes the next sequence of producer depot-1.
   */
  private List<Path> exportFiles(Path againstSite, String name, long volumeSize, String... tags)
      throws Exception {
    ByteArrayOutputStream inv = new ByteArrayOutputStream();
    try (Store s = Store.open(againstSite, StoreOptions.defaults().asReadOnly())) {
      StoreInventory.write(s, inv, CLOCK.instant(), ArchiveImporter.watermarks(s));
    }
    CompactInventory site =
        new InventoryReader().readCompact(new ByteArrayInputStream(inv.toByteArray()), name);
    try (Store c = Store.open(connected, StoreOptions.defaults().asReadOnly())) {
      List<TagInfo> wanted = new ArrayList<>();
      for (String t : tags) {
        String[] rt = t.split(":");
        wanted.add(new TagInfo(rt[0], rt[1], c.resolveTag(rt[0], rt[1]).orElseThrow()));
      }
      ArchiveExporter exporter = new ArchiveExporter(c, 3, ProgressListener.NONE);
      return exporter
          .export(
              exporter.plan(site, wanted),
              site.siteId(),
              Digest.sha256Of(inv.toByteArray()),
              List.of(producerKey),
              "depot-1",
              ++sequence,
              CLOCK.instant(),
              Duration.ofDays(30),
              tmp.resolve(name),
              volumeSize)
          .files();
    }
  }

  private SpoolImporter spoolImporter(TrustPolicy trust) {
    store = Store.open(site, StoreOptions.defaults());
    return new SpoolImporter(store, trust, spool, outbox, siteKey, CLOCK);
  }

  private SpoolImporter spoolImporter() throws Exception {
    return spoolImporter(TrustPolicy.load(producerPub));
  }

  private static Path drop(Path archive, Path spool) throws Exception {
    return Files.copy(archive, spool.resolve(archive.getFileName()));
  }

  private static List<SpoolImporter.Status> statuses(List<SpoolImporter.Outcome> outcomes) {
    return outcomes.stream().map(SpoolImporter.Outcome::status).toList();
  }

  private void closeStore() {
    store.close();
    store = null;
  }

  @Test
  void completeArchiveIsAppliedMovedToAppliedAndASignedInventoryGoesToTheOutbox() throws Exception {
    Path archive = export(site, "out");
    SpoolImporter spooler = spoolImporter();
    drop(archive, spool);

    assertThat(spooler.pollOnce()).isEmpty(); // first sight: maybe still being copied
    List<SpoolImporter.Outcome> second = spooler.pollOnce();

    assertThat(statuses(second)).containsExactly(SpoolImporter.Status.APPLIED);
    String name = archive.getFileName().toString();
    assertThat(spool.resolve(name)).doesNotExist();
    assertThat(spool.resolve("applied").resolve(name)).exists();
    assertThat(store.resolveTag("apps/web", "v1")).contains(v1);
    Path inventory = outbox.resolve("inventory-site-a-20261126T120000Z.json");
    byte[] bytes = Files.readAllBytes(inventory);
    assertThat(JSON.readTree(bytes).toString()).contains("depot-1").contains(v1.toString());
    JsonNode sig = JSON.readTree(outbox.resolve(inventory.getFileName() + ".sig").toFile());
    assertThat(sig.get("format").asText()).isEqualTo("gapsync.signature");
    assertThat(sig.get("keyId").asText()).isEqualTo(siteKey.keyId().toString());
    VerifyingKey sitePub = siteKey.publicKey();
    byte[] signature = Base64.getDecoder().decode(sig.get("signature").asText());
    assertThat(sitePub.verify(bytes, signature)).isTrue();
    byte[] tampered = Arrays.copyOf(bytes, bytes.length);
    tampered[10] ^= 1;
    assertThat(sitePub.verify(tampered, signature)).isFalse();
  }

  @Test
  void archiveStillBeingWrittenIsNotTouchedUntilItStopsChanging() throws Exception {
    byte[] whole = Files.readAllBytes(export(site, "out"));
    SpoolImporter spooler = spoolImporter();
    Path partial = spool.resolve("gapsync-depot-1-000001.gsa");
    Files.write(partial, Arrays.copyOf(whole, whole.length / 2));

    assertThat(spooler.pollOnce()).isEmpty();
    Files.write(partial, whole); // the copy went on between the polls
    assertThat(spooler.pollOnce()).isEmpty();

    assertThat(partial).exists();
    assertThat(store.tags()).isEmpty();
    assertThat(statuses(spooler.pollOnce())).containsExactly(SpoolImporter.Status.APPLIED);
  }

  @Test
  void corruptArchiveIsRejectedWithAReasonAndTheStoreIsUnchanged() throws Exception {
    byte[] bytes = Files.readAllBytes(export(site, "out"));
    bytes[bytes.length / 2] ^= 1; // inside the base layer
    Files.write(spool.resolve("gapsync-depot-1-000001.gsa"), bytes);
    StoreSnapshot before = StoreSnapshot.of(site);
    SpoolImporter spooler = spoolImporter();

    spooler.pollOnce();
    List<SpoolImporter.Outcome> outcomes = spooler.pollOnce();

    assertThat(statuses(outcomes)).containsExactly(SpoolImporter.Status.REJECTED);
    Path rejected = spool.resolve("rejected");
    assertThat(rejected.resolve("gapsync-depot-1-000001.gsa")).exists();
    assertThat(Files.readString(rejected.resolve("gapsync-depot-1-000001.gsa.reason.txt")))
        .contains("Tried to import archive gapsync-depot-1-000001.gsa")
        .contains("failed because: ")
        .contains("is corrupt")
        .contains("what to do: copy the archive again from the source medium");
    assertThat(outbox).doesNotExist();
    closeStore();
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void archiveSignedByAnUntrustedKeyIsRejectedAndTheStoreIsUnchanged() throws Exception {
    drop(export(site, "out"), spool);
    StoreSnapshot before = StoreSnapshot.of(site);
    SpoolImporter spooler = spoolImporter(TrustPolicy.of(SigningKey.generate(rng(3)).publicKey()));

    spooler.pollOnce();
    assertThat(statuses(spooler.pollOnce())).containsExactly(SpoolImporter.Status.REJECTED);

    assertThat(Files.readString(spool.resolve("rejected/gapsync-depot-1-000001.gsa.reason.txt")))
        .contains("signed by keys this site does not trust")
        .contains("keys listed in the trust file");
    closeStore();
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void archiveMissingItsBaseIsQuarantinedThenAppliedWhenTheEarlierArchiveArrives()
      throws Exception {
    // a1 carries v1 (with the base layer); a2, computed once the site held v1, carries only v2's
    // new layer and config and assumes the base layer. A twin of the site (same id) takes a1
    // first so that the connected side sees the inventory a2 is computed against.
    Path a1 = export(site, "out1");
    Path twin = tmp.resolve("twin");
    Store.open(twin, StoreOptions.defaults(), "site-a").close();
    try (Store t = Store.open(twin, StoreOptions.defaults())) {
      new ArchiveImporter(t, TrustPolicy.load(producerPub), CLOCK.instant(), ProgressListener.NONE)
          .run(ArchiveFiles.locate(List.of(a1)).get(0));
    }
    Digest v2;
    Digest base;
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      v2 = SampleImages.add(c, "apps/web", "v2");
      base = c.manifest(v1).orElseThrow().layers().get(0).digest();
    }
    Path a2 = export(twin, "out2", "apps/web:v2");
    SpoolImporter spooler = spoolImporter();
    drop(a2, spool);

    spooler.pollOnce();
    assertThat(statuses(spooler.pollOnce())).containsExactly(SpoolImporter.Status.QUARANTINED);
    Path quarantine = spool.resolve("quarantine");
    String a2Name = a2.getFileName().toString();
    assertThat(quarantine.resolve(a2Name)).exists();
    assertThat(Files.readString(quarantine.resolve(a2Name + ".reason.txt")))
        .contains("assumes this site holds 1 digests it lacks")
        .contains("blob " + base)
        .contains("producer depot-1, sequence 2")
        .contains("highest sequence applied here from this producer: none");
    assertThat(store.tags()).isEmpty();

    drop(a1, spool);
    spooler.pollOnce();
    List<SpoolImporter.Outcome> outcomes = spooler.pollOnce();

    assertThat(outcomes)
        .extracting(SpoolImporter.Outcome::archive, SpoolImporter.Outcome::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                a1.getFileName().toString(), SpoolImporter.Status.APPLIED),
            org.assertj.core.groups.Tuple.tuple(a2Name, SpoolImporter.Status.APPLIED));
    assertThat(quarantine.resolve(a2Name)).doesNotExist();
    assertThat(quarantine.resolve(a2Name + ".reason.txt")).doesNotExist();
    assertThat(spool.resolve("applied").resolve(a2Name)).exists();
    assertThat(store.resolveTag("apps/web", "v1")).contains(v1);
    assertThat(store.resolveTag("apps/web", "v2")).contains(v2);
    assertThat(store.meta(ArchiveImporter.WATERMARK_PREFIX + "depot-1")).contains("2");
    assertThat(store.fsck().ok()).isTrue();
  }

  @Test
  void sameArchiveTwiceEndsInAppliedAndChangesNothingTheSecondTime() throws Exception {
    Path archive = export(site, "out");
    SpoolImporter spooler = spoolImporter();
    drop(archive, spool);
    spooler.pollOnce();
    assertThat(statuses(spooler.pollOnce())).containsExactly(SpoolImporter.Status.APPLIED);
    closeStore();
    StoreSnapshot before = StoreSnapshot.of(site);
    spooler = spoolImporter();

    drop(archive, spool);
    spooler.pollOnce();
    List<SpoolImporter.Outcome> again = spooler.pollOnce();

    assertThat(statuses(again)).containsExactly(SpoolImporter.Status.ALREADY_APPLIED);
    assertThat(spool.resolve("applied").resolve(archive.getFileName())).exists();
    assertThat(spool.resolve(archive.getFileName())).doesNotExist();
    closeStore();
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void splitArchiveWaitsForItsIndexAndEveryVolumeThenMovesAsAWhole() throws Exception {
    exportFiles(site, "out", 512 * 1024);
    List<Path> files;
    try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
      files = s.sorted().toList();
    }
    Path index =
        files.stream()
            .filter(p -> p.toString().endsWith(".volumes.json"))
            .findFirst()
            .orElseThrow();
    List<Path> volumes = files.stream().filter(p -> !p.equals(index)).toList();
    SpoolImporter spooler = spoolImporter();
    drop(index, spool);
    for (Path v : volumes.subList(0, volumes.size() - 1)) {
      drop(v, spool);
    }

    assertThat(spooler.pollOnce()).isEmpty();
    assertThat(spooler.pollOnce()).isEmpty(); // the last volume is missing: not complete
    drop(volumes.get(volumes.size() - 1), spool);
    spooler.pollOnce();
    assertThat(statuses(spooler.pollOnce())).containsExactly(SpoolImporter.Status.APPLIED);

    for (Path f : files) {
      assertThat(spool.resolve(f.getFileName())).doesNotExist();
      assertThat(spool.resolve("applied").resolve(f.getFileName())).exists();
    }
    assertThat(store.resolveTag("apps/web", "v1")).contains(v1);
  }
}
