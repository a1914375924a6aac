package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands end to end on real stores in temporary folders: add, get, ls, rm, gc, fsck and the
 * inventory queries, plus bad sources that must leave the store exactly as it was. Uses the demo's
 * sample images, so no third-party tool is needed.
 */
class StoreWorkflowTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path connected;

  @BeforeEach
  void demoStores() {
    CliRun r = CliRun.run("demo", "--work", tmp.resolve("demo").toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Demo passed");
    connected = tmp.resolve("demo/connected");
  }

  @Test
  void lsListsTagsWithDigestAndSizeAsJson() throws Exception {
    CliRun r = CliRun.withStore(connected, "ls", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode list = JSON.readTree(r.out());
    assertThat(list).hasSize(2);
    assertThat(list.get(0).get("repository").asText()).isEqualTo("demo/app");
    assertThat(list.get(0).get("tag").asText()).isEqualTo("1.0");
    assertThat(list.get(0).get("size").asLong()).isGreaterThan(2_000_000L);
    assertThat(list.get(0).get("digest").asText()).startsWith("sha256:");
  }

  @Test
  void getThenAddIntoAnotherStoreKeepsEveryDigest() {
    Path layout = tmp.resolve("layout");
    CliRun get = CliRun.withStore(connected, "get", "demo/app:1.1", "oci:" + layout);
    assertThat(get.exitCode()).as(get.toString()).isZero();
    Path other = tmp.resolve("other");
    CliRun add = CliRun.withStore(other, "add", "oci:" + layout + ":1.1", "--as", "copy/app:1.1");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    StoreSnapshot a = StoreSnapshot.of(connected);
    StoreSnapshot b = StoreSnapshot.of(other);
    assertThat(b.tags().get(0).digest())
        .isEqualTo(
            a.tags().stream()
                .filter(t -> t.tag().equals("1.1"))
                .findFirst()
                .orElseThrow()
                .digest());
    assertThat(a.blobs()).containsAll(b.blobs());
    assertThat(CliRun.withStore(other, "fsck").exitCode()).isZero();
  }

  @Test
  void fileArtifactRoundTripsBitForBit() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);
    Path file = tmp.resolve("chart-1.2.3.tgz");
    Files.write(file, content);
    CliRun add = CliRun.withStore(connected, "add", "file:" + file, "--as", "charts/web:1.2.3");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    Path outDir = Files.createDirectory(tmp.resolve("out"));
    CliRun get = CliRun.withStore(connected, "get", "charts/web:1.2.3", "file:" + outDir);
    assertThat(get.exitCode()).as(get.toString()).isZero();
    assertThat(Files.readAllBytes(outDir.resolve("chart-1.2.3.tgz"))).isEqualTo(content);
    JsonNode ls = JSON.readTree(CliRun.withStore(connected, "ls", "charts/web", "--json").out());
    assertThat(ls.get(0).get("artifactType").asText()).isEqualTo("application/vnd.gapsync.file.v1");
  }

  @Test
  void sameFileGivesTheSameArtifactDigest() throws Exception {
    Path file = tmp.resolve("notes.txt");
    Files.writeString(file, "hello\n");
    CliRun a = CliRun.withStore(tmp.resolve("s1"), "add", "file:" + file, "--json");
    CliRun b = CliRun.withStore(tmp.resolve("s2"), "add", "file:" + file, "--json");
    String da = JSON.readTree(a.out()).get("images").get(0).get("digest").asText();
    String db = JSON.readTree(b.out()).get("images").get(0).get("digest").asText();
    assertThat(da).isEqualTo(db);
    assertThat(JSON.readTree(a.out()).get("images").get(0).get("reference").asText())
        .isEqualTo("file/notes-txt:latest");
  }

  @Test
  void inventoryMissingListsOnlyWhatTheSiteLacks() throws Exception {
    Path inv = tmp.resolve("demo/offline-inventory-1.json");
    CliRun r =
        CliRun.withStore(
            connected,
            "inventory",
            "missing",
            "--against",
            inv.toString(),
            "demo/app:1.1",
            "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.get("manifestCount").asInt()).isEqualTo(1);
    assertThat(plan.get("blobCount").asInt()).isEqualTo(2); // the app layer and the config
    assertThat(plan.get("blobsPresent").asInt()).isEqualTo(1); // the shared base layer
    assertThat(plan.get("tags").get(0).get("from").isNull()).isTrue();

    CliRun all =
        CliRun.withStore(connected, "inventory", "missing", "--against", inv.toString(), "--json");
    assertThat(JSON.readTree(all.out()).get("tags")).hasSize(1); // 1.0 is there already
  }

  @Test
  void inventoryExportIsCanonicalAndDiffShowsChanges() throws Exception {
    Path a = tmp.resolve("a.json");
    Path b = tmp.resolve("b.json");
    assertThat(CliRun.withStore(connected, "inventory", "export", "-o", a.toString()).exitCode())
        .isZero();
    assertThat(CliRun.withStore(connected, "rm", "demo/app:1.0").exitCode()).isZero();
    assertThat(CliRun.withStore(connected, "inventory", "export", "-o", b.toString()).exitCode())
        .isZero();
    String text = Files.readString(a, StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("{")
        .contains("\"format\"")
        .contains("\"siteId\": \"connected-demo\"")
        .endsWith("\n");
    CliRun same = CliRun.run("inventory", "diff", a.toString(), a.toString());
    assertThat(same.exitCode()).as(same.toString()).isZero();
    CliRun diff = CliRun.run("inventory", "diff", a.toString(), b.toString(), "--json");
    assertThat(diff.exitCode()).isEqualTo(1);
    JsonNode d = JSON.readTree(diff.out());
    assertThat(d.get("tagChanges").get(0).get("kind").asText()).isEqualTo("removed");
    assertThat(d.get("tagChanges").get(0).get("tag").asText()).isEqualTo("1.0");
  }

  @Test
  void whoUsesNamesManifestsAndTagsOfASharedLayer() throws Exception {
    StoreSnapshot s = StoreSnapshot.of(connected);
    // The biggest blob is the shared base layer.
    String base =
        s.blobs().stream()
            .max((x, y) -> Long.compare(x.size(), y.size()))
            .orElseThrow()
            .digest()
            .toString();
    JsonNode r =
        JSON.readTree(CliRun.withStore(connected, "inventory", "who-uses", base, "--json").out());
    assertThat(r.get("held").asBoolean()).isTrue();
    assertThat(r.get("manifests")).hasSize(2);
    assertThat(r.get("tags").toString()).contains("demo/app:1.0").contains("demo/app:1.1");
  }

  @Test
  void rmThenGcRemovesOnlyWhatNoTagReaches() {
    StoreSnapshot before = StoreSnapshot.of(connected);
    assertThat(CliRun.withStore(connected, "rm", "demo/app:1.0").exitCode()).isZero();
    CliRun gc = CliRun.withStore(connected, "gc", "--json");
    assertThat(gc.exitCode()).as(gc.toString()).isZero();
    StoreSnapshot after = StoreSnapshot.of(connected);
    assertThat(after.manifests()).hasSize(before.manifests().size() - 1);
    assertThat(after.blobs()).hasSize(before.blobs().size() - 2); // 1.0's app layer and config
    assertThat(CliRun.withStore(connected, "fsck").exitCode()).isZero();
  }

  @Test
  void rmOfAnUnknownTagChangesNothing() {
    StoreSnapshot before = StoreSnapshot.of(connected);
    CliRun r = CliRun.withStore(connected, "rm", "demo/app:1.0", "demo/app:9.9");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("demo/app:9.9").contains("nothing was removed");
    assertThat(StoreSnapshot.of(connected)).isEqualTo(before);
  }

  @Test
  void corruptBlobInASourceLeavesTheStoreExactlyAsBefore() throws Exception {
    Path layout = tmp.resolve("layout");
    assertThat(CliRun.withStore(connected, "get", "demo/app:1.0", "oci:" + layout).exitCode())
        .isZero();
    Path target = tmp.resolve("target");
    Path note = tmp.resolve("note.txt");
    Files.writeString(note, "already here\n");
    assertThat(CliRun.withStore(target, "add", "file:" + note).exitCode()).isZero();
    StoreSnapshot before = StoreSnapshot.of(target);
    // Corrupt the largest blob (the base layer) in place, keeping its size.
    Path blob;
    try (var files = Files.list(layout.resolve("blobs/sha256"))) {
      blob =
          files.max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length())).orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(blob, bytes);
    CliRun r = CliRun.withStore(target, "add", "oci:" + layout + ":1.0", "--as", "x/app:1.0");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("sha256:" + blob.getFileName()).contains("hashes to");
    assertThat(StoreSnapshot.of(target)).isEqualTo(before);
    assertThat(CliRun.withStore(target, "fsck").exitCode()).isZero();
  }

  @Test
  void asRepositoryStoresEveryImageOfALayoutUnderItsOwnTag() {
    Path layout = tmp.resolve("layout");
    assertThat(CliRun.withStore(connected, "get", "demo/app:1.0", "oci:" + layout).exitCode())
        .isZero();
    assertThat(CliRun.withStore(connected, "get", "demo/app:1.1", "oci:" + layout).exitCode())
        .isZero();
    Path other = tmp.resolve("other");
    CliRun noName = CliRun.withStore(other, "add", "oci:" + layout);
    assertThat(noName.exitCode()).isEqualTo(1);
    assertThat(noName.err()).contains("'1.0'").contains("--as REPO");

    CliRun r = CliRun.withStore(other, "add", "oci:" + layout, "--as", "mirror/app");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(StoreSnapshot.of(other).tags())
        .extracting(t -> t.reference())
        .containsExactly("mirror/app:1.0", "mirror/app:1.1");
  }

  @Test
  void fsckOfACleanStoreSaysOk() {
    CliRun r = CliRun.withStore(connected, "fsck");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("OK: 5 blobs");
  }

  @Test
  void queriesOnAMissingStoreSayThereIsNone() {
    CliRun r = CliRun.withStore(tmp.resolve("nothing-here"), "ls");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no store there");
  }
}
