package io.gapsync.daemon.registry;

import static io.gapsync.daemon.registry.PeerTools.available;
import static io.gapsync.daemon.registry.PeerTools.manifestDigest;
import static io.gapsync.daemon.registry.PeerTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real podman pulls an image from the registry ({@code --tls-verify=false}) into storage kept
 * in a temporary folder ({@code --root}, {@code --runroot}, {@code --tmpdir}, vfs driver), and
 * pushes it back under another tag. {@code podman run} is not tried: it fails on this kernel's
 * cgroup setup (/work/shared/PEERS.md); containerd's run is tested by {@link ContainerdPeerTest}.
 */
@Tag("peer")
class PodmanPeerTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;

  @BeforeEach
  void start() {
    assumeTrue(
        available("podman") && available("skopeo") && available("umoci"),
        "podman, skopeo and umoci are not installed");
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

  private String podman(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "podman",
                "--root",
                dir.resolve("podman/root").toString(),
                "--runroot",
                dir.resolve("podman/run").toString(),
                "--tmpdir",
                dir.resolve("podman/tmp").toString(),
                "--storage-driver",
                "vfs",
                "--events-backend",
                "none"));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  @Test
  void podmanPullsAnImageWithAnIdenticalDigestAndPushesItBack() throws Exception {
    Path layout = PeerTools.runnableImage(dir);
    Digest pushed = manifestDigest(layout);
    String ref = "127.0.0.1:" + registry.address().getPort() + "/lib/tiny:t";
    run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":t", "docker://" + ref);

    podman("pull", "--tls-verify=false", ref);
    String digest = podman("image", "inspect", "--format", "{{.Digest}}", ref).trim();
    assertThat(digest).isEqualTo(pushed.toString());

    // Back into the registry under another tag: podman writes its own manifest (another digest)
    // but reuses the config and the layers exactly as pulled.
    String copy = "127.0.0.1:" + registry.address().getPort() + "/lib/tiny:copy";
    podman("tag", ref, copy);
    podman("push", "--tls-verify=false", copy);
    Digest copied = store.resolveTag("lib/tiny", "copy").orElseThrow();
    assertThat(store.requireManifest(copied).blobReferences())
        .extracting(d -> d.digest())
        .containsExactlyElementsOf(
            store.requireManifest(pushed).blobReferences().stream().map(d -> d.digest()).toList());
  }
}
