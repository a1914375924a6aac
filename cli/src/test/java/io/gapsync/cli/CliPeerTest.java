package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gapsync.protocol.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against the real tools users already run: images built with umoci from local files (gzip
 * layers), converted to zstd by skopeo, a hand-assembled multi-platform index and an OCI 1.1
 * artifact with a subject, added to the store, written back out, and checked with skopeo: the
 * manifest digests must be identical end to end.
 */
@Tag("peer")
class CliPeerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path layout;
  private Path store;

  @BeforeEach
  void tinyImage() throws Exception {
    assumeTrue(Peers.available("umoci") && Peers.available("skopeo"), "umoci and skopeo needed");
    Path content = Files.createDirectories(tmp.resolve("content/etc"));
    Files.writeString(content.resolve("motd"), "gapsync peer test\n");
    byte[] big = new byte[512 * 1024];
    new java.util.Random(3).nextBytes(big);
    Files.write(content.resolve("data.bin"), big);
    layout = Peers.buildTinyImage(tmp.resolve("L"), "a", tmp.resolve("content"));
    store = tmp.resolve("store");
  }

  @Test
  void gzipImageRoundTripsWithIdenticalDigestsThroughSkopeo() throws Exception {
    Digest original = refDigest(layout, "a");
    add("oci:" + layout + ":a", "--as", "peer/gz:1");
    Path out = tmp.resolve("out");
    get("peer/gz:1", "oci:" + out);

    assertThat(skopeoRawDigest("oci:" + out + ":1")).isEqualTo(original);
    Peers.run(null, "skopeo", "copy", "oci:" + out + ":1", "oci:" + tmp.resolve("out2") + ":1");
    assertThat(refDigest(tmp.resolve("out2"), "1")).isEqualTo(original);
  }

  @Test
  void zstdImageRoundTripsThroughAnOciArchive() throws Exception {
    Path zstd = tmp.resolve("Z");
    Peers.run(
        null,
        "skopeo",
        "copy",
        "--dest-compress-format",
        "zstd",
        "oci:" + layout + ":a",
        "oci:" + zstd + ":z");
    Digest original = refDigest(zstd, "z");
    JsonNode manifest = JSON.readTree(blob(zstd, original));
    assertThat(manifest.get("layers").get(0).get("mediaType").asText()).endsWith("+zstd");

    add("oci:" + zstd + ":z", "--as", "peer/zstd:1");
    Path archive = tmp.resolve("z.tar");
    get("peer/zstd:1", "oci-archive:" + archive + ":1");

    assertThat(skopeoRawDigest("oci-archive:" + archive + ":1")).isEqualTo(original);
    Peers.run(
        null,
        "skopeo",
        "copy",
        "oci-archive:" + archive + ":1",
        "oci:" + tmp.resolve("back") + ":1");
    assertThat(refDigest(tmp.resolve("back"), "1")).isEqualTo(original);
  }

  @Test
  void multiPlatformIndexKeepsItsExactBytesAndPlatformSubsetPointsAtOneManifest() throws Exception {
    Peers.run(
        null,
        "umoci",
        "config",
        "--image",
        layout + ":a",
        "--architecture",
        "arm64",
        "--tag",
        "arm");
    Digest amd = refDigest(layout, "a");
    Digest arm = refDigest(layout, "arm");
    Digest index = addIndex(layout, "multi", amd, arm);

    add("oci:" + layout + ":multi", "--as", "peer/multi:1");
    JsonNode ls = JSON.readTree(CliRun.withStore(store, "ls", "peer/multi", "--json").out());
    assertThat(ls.get(0).get("digest").asText()).isEqualTo(index.toString());
    assertThat(ls.get(0).get("platforms").toString()).contains("linux/amd64", "linux/arm64");

    Path out = tmp.resolve("out");
    get("peer/multi:1", "oci:" + out);
    assertThat(skopeoRawDigest("oci:" + out + ":1")).isEqualTo(index);
    Peers.run(
        null, "skopeo", "copy", "--all", "oci:" + out + ":1", "oci:" + tmp.resolve("all") + ":1");
    assertThat(refDigest(tmp.resolve("all"), "1")).isEqualTo(index);

    add("oci:" + layout + ":multi", "--platform", "linux/arm64", "--as", "peer/arm:1");
    JsonNode one = JSON.readTree(CliRun.withStore(store, "ls", "peer/arm", "--json").out());
    assertThat(one.get(0).get("digest").asText()).isEqualTo(arm.toString());
  }

  @Test
  void artifactWithSubjectSurvivesGcWithItsImageAndTravelsInTheDelta() throws Exception {
    Digest image = refDigest(layout, "a");
    Digest sig = addSignature(layout, "a-sig", image);
    add("oci:" + layout + ":a", "--as", "peer/signed:1");
    add("oci:" + layout + ":a-sig", "--as", "peer/signed:sig");
    assertThat(CliRun.withStore(store, "rm", "peer/signed:sig").exitCode()).isZero();
    assertThat(CliRun.withStore(store, "gc").exitCode()).isZero();

    // The signature is untagged now, but its subject is: gc kept it.
    JsonNode who =
        JSON.readTree(
            CliRun.withStore(store, "inventory", "who-uses", image.toString(), "--json").out());
    assertThat(who.get("held").asBoolean()).isTrue();
    Path empty = tmp.resolve("empty.json");
    assertThat(
            CliRun.withStore(tmp.resolve("empty-store"), "add", "file:" + writeFile("x", "x"))
                .exitCode())
        .isZero();
    assertThat(
            CliRun.withStore(
                    tmp.resolve("empty-store"), "inventory", "export", "-o", empty.toString())
                .exitCode())
        .isZero();
    CliRun missing =
        CliRun.withStore(
            store,
            "inventory",
            "missing",
            "--against",
            empty.toString(),
            "peer/signed:1",
            "--json");
    assertThat(missing.exitCode()).as(missing.toString()).isZero();
    assertThat(JSON.readTree(missing.out()).get("manifests").toString())
        .contains(image.toString(), sig.toString());
    assertThat(CliRun.withStore(store, "fsck").exitCode()).isZero();
  }

  @Test
  void dockerArchiveWrittenBySkopeoIsAddedAndExportsToALayoutSkopeoReads() throws Exception {
    Path tar = tmp.resolve("d.tar");
    Peers.run(
        null, "skopeo", "copy", "oci:" + layout + ":a", "docker-archive:" + tar + ":peer/docker:1");
    CliRun r = CliRun.withStore(store, "add", "docker-archive:" + tar, "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String ref = JSON.readTree(r.out()).get("images").get(0).get("reference").asText();
    assertThat(ref).endsWith("peer/docker:1");

    Path out = tmp.resolve("out");
    get(ref, "oci:" + out + ":1");
    Digest stored =
        Digest.parse(JSON.readTree(r.out()).get("images").get(0).get("digest").asText());
    assertThat(skopeoRawDigest("oci:" + out + ":1")).isEqualTo(stored);
    Peers.run(null, "skopeo", "copy", "oci:" + out + ":1", "oci:" + tmp.resolve("again") + ":1");
    // Same config as the original image: the layers were carried over bit for bit (uncompressed).
    JsonNode original = JSON.readTree(blob(layout, refDigest(layout, "a")));
    JsonNode copied = JSON.readTree(blob(out, stored));
    assertThat(copied.get("config").get("digest")).isEqualTo(original.get("config").get("digest"));
  }

  @Test
  void addingTheSameImageTwiceStoresNothingNew() throws Exception {
    add("oci:" + layout + ":a", "--as", "peer/x:1");
    CliRun again =
        CliRun.withStore(store, "add", "oci:" + layout + ":a", "--as", "peer/x:2", "--json");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    JsonNode r = JSON.readTree(again.out());
    assertThat(r.get("blobsAdded").asLong()).isZero();
    assertThat(r.get("manifestsAdded").asLong()).isZero();
    assertThat(r.get("blobsPresent").asLong()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ helpers

  private void add(String src, String... more) {
    String[] args = new String[2 + more.length];
    args[0] = "add";
    args[1] = src;
    System.arraycopy(more, 0, args, 2, more.length);
    CliRun r = CliRun.withStore(store, args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private void get(String ref, String dest) {
    CliRun r = CliRun.withStore(store, "get", ref, dest);
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private Path writeFile(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static Digest skopeoRawDigest(String ref) {
    String raw = Peers.run(null, "skopeo", "inspect", "--raw", ref);
    return Digest.sha256Of(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static Digest refDigest(Path layout, String ref) throws Exception {
    for (JsonNode m : JSON.readTree(layout.resolve("index.json").toFile()).get("manifests")) {
      JsonNode name = m.path("annotations").path("org.opencontainers.image.ref.name");
      if (name.asText().equals(ref)) {
        return Digest.parse(m.get("digest").asText());
      }
    }
    throw new AssertionError("no ref " + ref + " in " + layout);
  }

  private static byte[] blob(Path layout, Digest d) throws Exception {
    return Files.readAllBytes(layout.resolve("blobs/sha256/" + d.hex()));
  }

  private static Digest writeBlob(Path layout, byte[] bytes) throws Exception {
    Digest d = Digest.sha256Of(bytes);
    Files.write(layout.resolve("blobs/sha256/" + d.hex()), bytes);
    return d;
  }

  private static void addRef(Path layout, String mediaType, Digest d, long size, String ref)
      throws Exception {
    ObjectNode index = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ObjectNode e = ((ArrayNode) index.get("manifests")).addObject();
    e.put("mediaType", mediaType);
    e.put("digest", d.toString());
    e.put("size", size);
    e.putObject("annotations").put("org.opencontainers.image.ref.name", ref);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
  }

  private static ObjectNode descriptor(String mediaType, Digest d, long size) {
    ObjectNode n = JSON.createObjectNode();
    n.put("mediaType", mediaType);
    n.put("digest", d.toString());
    n.put("size", size);
    return n;
  }

  private static Digest addIndex(Path layout, String ref, Digest amd, Digest arm) throws Exception {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode ms = index.putArray("manifests");
    ObjectNode a =
        descriptor("application/vnd.oci.image.manifest.v1+json", amd, blob(layout, amd).length);
    a.putObject("platform").put("architecture", "amd64").put("os", "linux");
    ms.add(a);
    ObjectNode b =
        descriptor("application/vnd.oci.image.manifest.v1+json", arm, blob(layout, arm).length);
    b.putObject("platform").put("architecture", "arm64").put("os", "linux");
    ms.add(b);
    byte[] bytes = JSON.writeValueAsBytes(index);
    Digest d = writeBlob(layout, bytes);
    addRef(layout, "application/vnd.oci.image.index.v1+json", d, bytes.length, ref);
    return d;
  }

  private static Digest addSignature(Path layout, String ref, Digest subject) throws Exception {
    Digest empty = writeBlob(layout, "{}".getBytes(StandardCharsets.US_ASCII));
    byte[] payload = ("signature over " + subject).getBytes(StandardCharsets.UTF_8);
    Digest sig = writeBlob(layout, payload);
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.put("artifactType", "application/vnd.example.signature.v1");
    m.set("config", descriptor("application/vnd.oci.empty.v1+json", empty, 2));
    m.putArray("layers")
        .add(descriptor("application/vnd.example.signature.v1", sig, payload.length));
    m.set(
        "subject",
        descriptor(
            "application/vnd.oci.image.manifest.v1+json", subject, blob(layout, subject).length));
    byte[] bytes = JSON.writeValueAsBytes(m);
    Digest d = writeBlob(layout, bytes);
    addRef(layout, "application/vnd.oci.image.manifest.v1+json", d, bytes.length, ref);
    return d;
  }
}
