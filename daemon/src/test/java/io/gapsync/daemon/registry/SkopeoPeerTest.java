package io.gapsync.daemon.registry;

import static io.gapsync.daemon.registry.PeerTools.available;
import static io.gapsync.daemon.registry.PeerTools.manifestDigest;
import static io.gapsync.daemon.registry.PeerTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real skopeo pushes an image built by umoci into the registry and pulls it back: the manifest
 * digest must be identical end to end. Skipped when the tools are missing, unless {@code
 * GAPSYNC_REQUIRE_PEERS=1} (CI), then failed.
 */
@Tag("peer")
class SkopeoPeerTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;

  @BeforeEach
  void start() {
    assumeTrue(available("skopeo") && available("umoci"), "skopeo and umoci are not installed");
    store = Store.open(dir.resolve("store"), Channels.OPTIONS, "site-test");
    registry =
        Registry.start(
            store, RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)));
  }

  @AfterEach
  void stop() {
    if (registry != null) {
      registry.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void skopeoPushesAndPullsAnImageWithAnIdenticalManifestDigest() throws Exception {
    Path layout = dir.resolve("layout");
    Path content = Files.createDirectories(dir.resolve("content/etc"));
    Files.writeString(content.resolve("hello.txt"), "hello from gapsync\n");
    Files.write(content.resolve("data.bin"), Content.blob(200_000, 5));
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":t");
    run("umoci", "insert", "--image", layout + ":t", dir.resolve("content").toString(), "/");
    Files.writeString(dir.resolve("more.txt"), "second layer\n");
    run(
        "umoci",
        "insert",
        "--image",
        layout + ":t",
        dir.resolve("more.txt").toString(),
        "/more.txt");

    String target = "127.0.0.1:" + registry.address().getPort() + "/repo/x:t";
    run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":t", "docker://" + target);
    Path out = dir.resolve("out");
    run("skopeo", "copy", "--src-tls-verify=false", "docker://" + target, "oci:" + out + ":t");

    Digest pushed = manifestDigest(layout);
    Digest pulled = manifestDigest(out);
    assertThat(pulled).isEqualTo(pushed);
    assertThat(store.resolveTag("repo/x", "t")).contains(pushed);
    String inspect = run("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + target);
    assertThat(Digest.sha256Of(inspect.getBytes(StandardCharsets.UTF_8))).isEqualTo(pushed);
  }

  @Test
  void skopeoPushesAMultiArchIndexWithAllItsPlatformsAndPullsItBackIdentical() throws Exception {
    Path layout = dir.resolve("multi");
    byte[] index = MultiArchLayout.write(layout);
    Digest indexDigest = Digest.sha256Of(index);

    String target = "127.0.0.1:" + registry.address().getPort() + "/lib/multi:1";
    run(
        "skopeo",
        "copy",
        "--all",
        "--dest-tls-verify=false",
        "oci:" + layout + ":1",
        "docker://" + target);
    assertThat(store.resolveTag("lib/multi", "1")).contains(indexDigest);

    Path out = dir.resolve("out");
    run(
        "skopeo",
        "copy",
        "--all",
        "--src-tls-verify=false",
        "docker://" + target,
        "oci:" + out + ":1");
    assertThat(manifestDigest(out)).isEqualTo(indexDigest);
    assertThat(Files.readAllBytes(out.resolve("blobs/sha256/" + indexDigest.hex())))
        .isEqualTo(index);
  }

  @Test
  void skopeoPushesZstdLayersAndPullsThemBackWithTheSameDigest() throws Exception {
    Path layout = dir.resolve("layout");
    Path content = Files.createDirectories(dir.resolve("content"));
    Files.write(content.resolve("data.bin"), Content.blob(100_000, 9));
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":t");
    run("umoci", "insert", "--image", layout + ":t", content.toString(), "/data");

    String target = "127.0.0.1:" + registry.address().getPort() + "/lib/zstd:t";
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "--dest-compress-format",
        "zstd",
        "oci:" + layout + ":t",
        "docker://" + target);
    String raw = run("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + target);
    assertThat(raw).contains("tar+zstd");
    Digest pushed = store.resolveTag("lib/zstd", "t").orElseThrow();
    assertThat(Digest.sha256Of(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(pushed);

    Path out = dir.resolve("out");
    run("skopeo", "copy", "--src-tls-verify=false", "docker://" + target, "oci:" + out + ":t");
    assertThat(manifestDigest(out)).isEqualTo(pushed);
  }
}
