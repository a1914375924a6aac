package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gapsync sync -f FILE} against the real distribution registry on 127.0.0.1: tag filters and
 * platforms resolve to the digests skopeo sees, a second run transfers no blob, a tag moved
 * upstream is picked up, referrers (cosign-style tags) come along, and a dry run stores nothing.
 */
@Tag("peer")
class SyncPeerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void syncSetResolvesFiltersAndPlatformsAndSecondRunTransfersNothing() throws Exception {
    assumeTrue(Peers.available("skopeo"), "skopeo is not installed");
    assumeTrue(Peers.available("umoci"), "umoci is not installed");
    assumeTrue(Peers.available("docker-registry"), "docker-registry is not installed");
    Path layout = tmp.resolve("L");
    for (String v : new String[] {"v1", "v2", "v3", "v4", "amd", "arm", "sig"}) {
      Path content = Files.createDirectories(tmp.resolve("c-" + v + "/etc"));
      Files.writeString(content.resolve("version"), "content " + v + "\n");
      Peers.buildTinyImage(layout, v, tmp.resolve("c-" + v));
    }
    addIndex(layout, "multi", "amd", "linux/amd64", "arm", "linux/arm64");
    Path store = tmp.resolve("store");
    Files.writeString(tmp.resolve("notes.txt"), "release notes\n");
    try (DistributionRegistry reg =
        DistributionRegistry.start(Files.createDirectories(tmp.resolve("reg")), "")) {
      reg.push("oci:" + layout + ":v1", "lib/app:1.0.0");
      reg.push("oci:" + layout + ":v2", "lib/app:1.1.0");
      reg.push("oci:" + layout + ":v3", "lib/app:1.2.0");
      reg.push("oci:" + layout + ":v4", "lib/app:2.0.0");
      reg.push("oci:" + layout + ":v1", "lib/app:latest");
      reg.push("oci:" + layout + ":multi", "lib/multi:1");
      String h = reg.host();
      Digest app120 = registryDigest(h, "lib/app:1.2.0");
      Digest multi = registryDigest(h, "lib/multi:1");
      reg.push("oci:" + layout + ":sig", "lib/app:sha256-" + app120.hex() + ".sig");
      Path syncSet = tmp.resolve("sync.yaml");
      Files.writeString(
          syncSet,
          "apiVersion: gapsync.io/v1alpha1\n"
              + "kind: SyncSet\n"
              + "metadata: {name: test}\n"
              + "spec:\n"
              + "  images:\n"
              + "    - ref: docker://"
              + h
              + "/lib/app\n"
              + "      tags: {semver: '>=1.0 <2', newest: 2}\n"
              + "      referrers: true\n"
              + "    - ref: docker://"
              + h
              + "/lib/multi:1\n"
              + "      platforms: [linux/amd64, linux/arm64]\n"
              + "    - ref: docker://"
              + h
              + "/lib/multi:1\n"
              + "      platforms: [linux/arm64]\n"
              + "      as: mirror/multi-arm\n"
              + "  files:\n"
              + "    - {path: notes.txt, as: 'files/notes:1'}\n");

      CliRun dry =
          CliRun.withStore(store, "sync", "-f", syncSet.toString(), "--insecure", "--dry-run");
      CliRun first = CliRun.withStore(store, "sync", "-f", syncSet.toString(), "--insecure");
      CliRun second = CliRun.withStore(store, "sync", "-f", syncSet.toString(), "--insecure");

      assertThat(dry.exitCode()).as(dry.toString()).isZero();
      assertThat(dry.out())
          .contains("+ lib/app:1.2.0 " + app120 + " (image, would add from docker://" + h)
          .contains("Dry run: 6 tags would change; 0 new blobs");
      assertThat(first.exitCode()).as(first.toString()).isZero();
      assertThat(first.out())
          .contains("+ lib/app:1.1.0 " + registryDigest(h, "lib/app:1.1.0"))
          .contains("+ lib/app:1.2.0 " + app120)
          .contains("+ lib/app:sha256-" + app120.hex() + ".sig ")
          .contains("+ lib/multi:1 " + multi)
          .contains("+ mirror/multi-arm:1 ")
          .contains("+ files/notes:1 ")
          .doesNotContain("lib/app:1.0.0")
          .doesNotContain("lib/app:2.0.0")
          .doesNotContain("lib/app:latest");
      assertThat(second.exitCode()).as(second.toString()).isZero();
      assertThat(second.out())
          .contains("= lib/app:1.2.0 " + app120)
          .contains("0 tags changed; 0 new blobs (0 B), 0 already held, 0 new manifests");
      try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
        assertThat(s.resolveTag("lib/multi", "1")).contains(multi);
        Manifest arm = s.requireManifest(s.resolveTag("mirror/multi-arm", "1").orElseThrow());
        assertThat(arm.isIndex()).isTrue();
        assertThat(arm.manifests()).hasSize(1);
        assertThat(arm.manifests().get(0).platform().toString()).isEqualTo("linux/arm64");
        assertThat(s.fsck().ok()).isTrue();
      }

      // An upstream tag moved to new content is picked up; only its new blobs come.
      reg.push("oci:" + layout + ":v4", "lib/app:1.2.0");
      Digest moved = registryDigest(h, "lib/app:1.2.0");
      CliRun third = CliRun.withStore(store, "sync", "-f", syncSet.toString(), "--insecure");

      assertThat(third.exitCode()).as(third.toString()).isZero();
      assertThat(third.out())
          .contains("~ lib/app:1.2.0 " + app120 + " -> " + moved)
          .contains("= lib/app:1.1.0");
      try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
        assertThat(s.resolveTag("lib/app", "1.2.0")).contains(moved);
      }
    }
  }

  private static Digest registryDigest(String host, String repoTag) {
    return Digest.sha256Of(
        Peers.run(
                null,
                "skopeo",
                "inspect",
                "--raw",
                "--tls-verify=false",
                "docker://" + host + "/" + repoTag)
            .getBytes(StandardCharsets.UTF_8));
  }

  /** Writes an OCI index of two umoci images into the layout, named {@code name}. */
  private static void addIndex(Path layout, String name, String t1, String p1, String t2, String p2)
      throws Exception {
    ObjectNode indexJson = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
    ArrayNode entries = JSON.createArrayNode();
    for (String[] tp : new String[][] {{t1, p1}, {t2, p2}}) {
      for (JsonNode m : indexJson.path("manifests")) {
        if (tp[0].equals(
            m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
          ObjectNode e = JSON.createObjectNode();
          e.put("mediaType", m.get("mediaType").asText());
          e.put("digest", m.get("digest").asText());
          e.put("size", m.get("size").asLong());
          String[] os = tp[1].split("/");
          e.putObject("platform").put("architecture", os[1]).put("os", os[0]);
          entries.add(e);
        }
      }
    }
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    index.set("manifests", entries);
    byte[] bytes = JSON.writeValueAsBytes(index);
    Digest d = Digest.sha256Of(bytes);
    Files.write(layout.resolve("blobs/sha256/" + d.hex()), bytes);
    ObjectNode top = ((ArrayNode) indexJson.get("manifests")).addObject();
    top.put("mediaType", "application/vnd.oci.image.index.v1+json");
    top.put("digest", d.toString());
    top.put("size", bytes.length);
    top.putObject("annotations").put("org.opencontainers.image.ref.name", name);
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(indexJson));
  }
}
