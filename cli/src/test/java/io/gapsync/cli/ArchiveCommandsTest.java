package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code key generate}, {@code export} and {@code import} end to end between two real stores (the
 * connected side and an offline site), with the demo's sample images.
 */
class ArchiveCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

  @TempDir Path tmp;
  private Path connected;
  private Path site;
  private Path key;
  private Path pub;
  private Digest v1;

  @BeforeEach
  void stores() throws Exception {
    connected = tmp.resolve("connected");
    site = tmp.resolve("site");
    try (Store c = Store.open(connected, StoreOptions.defaults(), "depot-1")) {
      v1 = SampleImages.add(c, "apps/web", "v1");
    }
    Store.open(site, StoreOptions.defaults(), "site-a").close();
    CliRun gen =
        ArchiveCli.run(CLOCK, "key", "generate", "--out", tmp.resolve("keys/producer").toString());
    assertThat(gen.exitCode()).as(gen.toString()).isZero();
    key = tmp.resolve("keys/producer.key");
    pub = tmp.resolve("keys/producer.pub");
  }

  private CliRun export(Path inventory, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "export",
                "--store",
                connected.toString(),
                "--against",
                inventory.toString(),
                "--key",
                key.toString(),
                "-o",
                out.toString(),
                "--json"));
    args.addAll(List.of(extra));
    CliRun r = ArchiveCli.run(CLOCK, args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  private CliRun importInto(Path store, Clock clock, Path... archives) {
    List<String> args =
        new ArrayList<>(List.of("import", "--store", store.toString(), "--trust", pub.toString()));
    for (Path a : archives) {
      args.add(a.toString());
    }
    return ArchiveCli.run(clock, args.toArray(String[]::new));
  }

  private static Path only(Path dir, String glob) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> l =
          s.filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName()))
              .toList();
      assertThat(l).hasSize(1);
      return l.get(0);
    }
  }

  @Test
  void keyGenerateWritesAPrivateKeyOnlyTheOwnerCanReadAndRefusesToOverwrite() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(pub)).contains("ed25519:");
    CliRun again =
        ArchiveCli.run(CLOCK, "key", "generate", "--out", tmp.resolve("keys/producer").toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("gapsync never overwrites a key");
  }

  @Test
  void exportThenImportBringsTheImageAcrossAndTheUpdateCarriesOnlyTheChangedLayer()
      throws Exception {
    Path inv1 = ArchiveCli.inventory(site, tmp.resolve("inv1.json"), CLOCK);
    JsonNode s1 = JSON.readTree(export(inv1, tmp.resolve("out1")).out());
    assertThat(s1.get("sequence").asLong()).isEqualTo(1);
    assertThat(s1.get("blobs").asInt()).isEqualTo(3);
    assertThat(s1.get("manifests").asInt()).isEqualTo(1);
    assertThat(s1.get("compressedEntries").asInt())
        .isEqualTo(2); // config and manifest; layers are gzip
    assertThat(s1.get("bytesAfterCompression").asLong())
        .isLessThan(s1.get("bytesBeforeCompression").asLong());
    assertThat(s1.has("seconds")).isTrue();

    CliRun imp = importInto(site, CLOCK, only(tmp.resolve("out1"), "*.gsa"));
    assertThat(imp.exitCode()).as(imp.toString()).isZero();
    assertThat(imp.out())
        .contains("Imported archive")
        .contains("3 blobs added")
        .contains("tag apps/web:v1 -> " + v1);
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "v1")).contains(v1);
      assertThat(s.fsck().ok()).isTrue();
      assertThat(s.meta(ArchiveImporter.WATERMARK_PREFIX + "depot-1")).contains("1");
    }

    // The next version shares the base layer: the second archive carries only what changed.
    Digest v2;
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      v2 = SampleImages.add(c, "apps/web", "v2");
    }
    Path inv2 = ArchiveCli.inventory(site, tmp.resolve("inv2.json"), CLOCK);
    JsonNode s2 = JSON.readTree(export(inv2, tmp.resolve("out2"), "apps/web:v2").out());
    assertThat(s2.get("sequence").asLong()).isEqualTo(2);
    assertThat(s2.get("blobs").asInt()).isEqualTo(2); // the app layer and the config
    assertThat(s2.get("assumedPresent").asInt()).isEqualTo(1); // the base layer
    assertThat(s2.get("bytesBeforeCompression").asLong()).isLessThan(10_000);
    assertThat(s1.get("bytesBeforeCompression").asLong()).isGreaterThan(2_000_000);

    CliRun imp2 = importInto(site, CLOCK, only(tmp.resolve("out2"), "*.gsa"));
    assertThat(imp2.exitCode()).as(imp2.toString()).isZero();
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "v2")).contains(v2);
      assertThat(s.resolveTag("apps/web", "v1")).contains(v1);
      assertThat(s.fsck().ok()).isTrue();
    }
  }

  @Test
  void sameArchiveTwiceIsReportedAndChangesNothing() throws Exception {
    export(ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK), tmp.resolve("out"));
    Path archive = only(tmp.resolve("out"), "*.gsa");
    assertThat(importInto(site, CLOCK, archive).exitCode()).isZero();
    StoreSnapshot before = StoreSnapshot.of(site);

    CliRun again = importInto(site, CLOCK, archive);

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("Already applied").contains("nothing changed");
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void archiveSignedByAnotherKeyIsRefusedAndTheStoreIsUnchanged() throws Exception {
    export(ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK), tmp.resolve("out"));
    ArchiveCli.run(CLOCK, "key", "generate", "--out", tmp.resolve("keys/other").toString());
    StoreSnapshot before = StoreSnapshot.of(site);

    CliRun r =
        ArchiveCli.run(
            CLOCK,
            "import",
            "--store",
            site.toString(),
            "--trust",
            tmp.resolve("keys/other.pub").toString(),
            only(tmp.resolve("out"), "*.gsa").toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("refused").contains("signed by keys this site does not trust");
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void expiredArchiveIsRefused() throws Exception {
    export(
        ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK),
        tmp.resolve("out"),
        "--expires-in",
        "1h");
    Clock later = Clock.offset(CLOCK, java.time.Duration.ofHours(2));

    CliRun r = importInto(site, later, only(tmp.resolve("out"), "*.gsa"));

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("expired at 2026-11-26T13:00:00Z");
    assertThat(StoreSnapshot.of(site).tags()).isEmpty();
  }

  @Test
  void archiveAssumingContentTheSiteLacksIsRefusedNamingIt() throws Exception {
    // Computed against an inventory holding v1, imported at a site (same id) that holds nothing.
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK);
    export(inv, tmp.resolve("out1"));
    importInto(site, CLOCK, only(tmp.resolve("out1"), "*.gsa"));
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      SampleImages.add(c, "apps/web", "v2");
    }
    export(
        ArchiveCli.inventory(site, tmp.resolve("inv2.json"), CLOCK),
        tmp.resolve("out2"),
        "apps/web:v2");
    Path fresh = tmp.resolve("fresh");
    Store.open(fresh, StoreOptions.defaults(), "site-a").close();

    CliRun r = importInto(fresh, CLOCK, only(tmp.resolve("out2"), "*.gsa"));

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("assumes this site holds 1 digests it lacks: blob sha256:");
    assertThat(StoreSnapshot.of(fresh).blobs()).isEmpty();
  }

  @Test
  void archivesFromTheSameStaleInventoryApplyInOrderAndAnOlderOneNeverMovesATagBack()
      throws Exception {
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK);
    export(inv, tmp.resolve("a"), "apps/web:v1");
    Digest v2;
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      v2 = SampleImages.add(c, "apps/web", "v2");
      c.tag("apps/web", "latest", v1);
    }
    // Each computed from the stale inventory alone, as if the earlier archives had not been sent.
    export(inv, tmp.resolve("b"), "--no-assume-delivered", "apps/web:latest");
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      c.tag("apps/web", "latest", v2);
    }
    export(inv, tmp.resolve("c"), "--no-assume-delivered", "apps/web:latest");
    Path b = only(tmp.resolve("b"), "*.gsa");
    Path c = only(tmp.resolve("c"), "*.gsa");

    // b (latest -> v1, sequence 2) then c (latest -> v2, sequence 3), both "from nothing": in
    // order.
    assertThat(importInto(site, CLOCK, b, c).exitCode()).isZero();
    try (Store s = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "latest")).contains(v2);
    }

    // A fresh site gets c first: the older b applies, but must not move latest back to v1.
    Path other = tmp.resolve("other");
    Store.open(other, StoreOptions.defaults(), "site-a").close();
    assertThat(importInto(other, CLOCK, c).exitCode()).isZero();
    CliRun r = importInto(other, CLOCK, b);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("apps/web:latest kept: a newer archive of this producer set it");
    try (Store s = Store.open(other, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("apps/web", "latest")).contains(v2);
    }
  }

  @Test
  void aTagMovedLocallyRefusesAnArchiveThatWouldMoveIt() throws Exception {
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK);
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      c.tag("apps/web", "latest", v1);
    }
    export(inv, tmp.resolve("a"), "apps/web:latest");
    Path a = only(tmp.resolve("a"), "*.gsa");
    // The site points latest somewhere else by hand after its inventory was taken.
    assertThat(importInto(site, CLOCK, a).exitCode()).isZero();
    Digest other;
    try (Store s = Store.open(site, StoreOptions.defaults())) {
      other = SampleImages.add(s, "apps/local", "x");
      s.tag("apps/web", "latest", other);
    }
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      c.tag("apps/web", "latest", SampleImages.add(c, "apps/web", "v9"));
    }
    export(inv, tmp.resolve("b"), "apps/web:latest");
    StoreSnapshot before = StoreSnapshot.of(site);
    CliRun r = importInto(site, CLOCK, only(tmp.resolve("b"), "*.gsa"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("apps/web:latest points at " + other);
    assertThat(StoreSnapshot.of(site)).isEqualTo(before);
  }

  @Test
  void splitArchiveImportsFromItsVolumesAndADamagedVolumeIsNamed() throws Exception {
    JsonNode s =
        JSON.readTree(
            export(
                    ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK),
                    tmp.resolve("out"),
                    "--volume-size",
                    "512KiB")
                .out());
    assertThat(s.get("files")).hasSizeGreaterThan(4);
    Path index = only(tmp.resolve("out"), "*.volumes.json");
    Path vol2 = only(tmp.resolve("out"), "*.vol002");
    byte[] good = Files.readAllBytes(vol2);
    byte[] bad = good.clone();
    bad[1234] ^= 1;
    Files.write(vol2, bad);

    CliRun damaged = importInto(site, CLOCK, index);
    assertThat(damaged.exitCode()).isEqualTo(1);
    assertThat(damaged.err()).contains("a volume is damaged: " + vol2.getFileName());
    assertThat(StoreSnapshot.of(site).blobs()).isEmpty();

    Files.write(vol2, good);
    CliRun ok = importInto(site, CLOCK, vol2);
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    try (Store st = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(st.resolveTag("apps/web", "v1")).contains(v1);
    }
  }

  @Test
  void archiveForAnotherSiteIsRefused() throws Exception {
    export(ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK), tmp.resolve("out"));
    Path other = tmp.resolve("other");
    Store.open(other, StoreOptions.defaults(), "site-b").close();
    CliRun r = importInto(other, CLOCK, only(tmp.resolve("out"), "*.gsa"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("computed for site site-a and this store is site site-b");
  }

  @Test
  void exportWhenTheSiteLacksNothingWritesNothingAndUsesNoSequenceNumber() throws Exception {
    export(ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK), tmp.resolve("out1"));
    assertThat(importInto(site, CLOCK, only(tmp.resolve("out1"), "*.gsa")).exitCode()).isZero();

    CliRun nothing =
        ArchiveCli.run(
            CLOCK,
            "export",
            "--store",
            connected.toString(),
            "--against",
            ArchiveCli.inventory(site, tmp.resolve("inv2.json"), CLOCK).toString(),
            "--key",
            key.toString(),
            "-o",
            tmp.resolve("out2").toString());

    assertThat(nothing.exitCode()).as(nothing.toString()).isZero();
    assertThat(nothing.out()).contains("Nothing to export: site site-a holds");
    assertThat(tmp.resolve("out2")).doesNotExist();
    try (Store c = Store.open(connected, StoreOptions.defaults())) {
      SampleImages.add(c, "apps/web", "v2");
    }
    JsonNode s =
        JSON.readTree(
            export(ArchiveCli.inventory(site, tmp.resolve("inv3.json"), CLOCK), tmp.resolve("out3"))
                .out());
    assertThat(s.get("sequence").asLong()).isEqualTo(2);
  }

  @Test
  void trustFileWithThresholdTwoNeedsBothProducerKeys() throws Exception {
    ArchiveCli.run(CLOCK, "key", "generate", "--out", tmp.resolve("keys/second").toString());
    Path trust = tmp.resolve("trust.json");
    Files.write(
        trust,
        new io.gapsync.protocol.trust.TrustPolicy(
                List.of(
                    new io.gapsync.protocol.trust.TrustedKey(
                        io.gapsync.protocol.trust.KeyFiles.readPublic(pub), "one"),
                    new io.gapsync.protocol.trust.TrustedKey(
                        io.gapsync.protocol.trust.KeyFiles.readPublic(
                            tmp.resolve("keys/second.pub")),
                        "two")),
                2)
            .toFileBytes());
    Path inv = ArchiveCli.inventory(site, tmp.resolve("inv.json"), CLOCK);
    export(inv, tmp.resolve("one"));
    export(
        inv,
        tmp.resolve("both"),
        "--no-assume-delivered",
        "--key",
        tmp.resolve("keys/second.key").toString());

    CliRun one =
        ArchiveCli.run(
            CLOCK,
            "import",
            "--store",
            site.toString(),
            "--trust",
            trust.toString(),
            only(tmp.resolve("one"), "*.gsa").toString());
    assertThat(one.exitCode()).isEqualTo(1);
    assertThat(one.err()).contains("1 of the required 2 trusted keys signed it");

    CliRun both =
        ArchiveCli.run(
            CLOCK,
            "import",
            "--store",
            site.toString(),
            "--trust",
            trust.toString(),
            only(tmp.resolve("both"), "*.gsa").toString());
    assertThat(both.exitCode()).as(both.toString()).isZero();
  }
}
