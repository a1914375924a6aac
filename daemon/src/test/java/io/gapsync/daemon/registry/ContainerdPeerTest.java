package io.gapsync.daemon.registry;

import static io.gapsync.daemon.registry.PeerTools.available;
import static io.gapsync.daemon.registry.PeerTools.manifestDigest;
import static io.gapsync.daemon.registry.PeerTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.store.Store;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real containerd (the runtime Kubernetes nodes use) pulls an image from the registry with
 * {@code ctr images pull --plain-http} and runs it. containerd is started by the test with all its
 * state in a temporary folder, the CRI plugin disabled and its own gRPC socket, and is stopped by
 * its pid. skopeo pushes the umoci-built image first.
 */
@Tag("peer")
class ContainerdPeerTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;
  private Process containerd;
  private Path socket;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        available("containerd") && available("ctr") && available("skopeo") && available("umoci"),
        "containerd, ctr, skopeo and umoci are not installed");
    store = Store.open(dir.resolve("store"), Channels.OPTIONS, "site-test");
    registry =
        Registry.start(
            store, RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)));
    Path state = Files.createDirectories(dir.resolve("ctrd"));
    socket = state.resolve("c.sock");
    Path config = state.resolve("config.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version = 2",
            "root = \"" + state.resolve("root") + "\"",
            "state = \"" + state.resolve("state") + "\"",
            "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
            "[grpc]",
            "  address = \"" + socket + "\"",
            "[ttrpc]",
            "  address = \"" + state.resolve("t.sock") + "\"",
            "[debug]",
            "  address = \"" + state.resolve("d.sock") + "\"",
            "[metrics]",
            "  address = \"\"",
            ""));
    containerd =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(state.resolve("containerd.log").toFile())
            .start();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!ready() && System.nanoTime() < deadline) {
      assertThat(containerd.isAlive())
          .as(Files.readString(state.resolve("containerd.log")))
          .isTrue();
      Thread.sleep(100);
    }
    assertThat(ready()).as("containerd answers on " + socket).isTrue();
  }

  private boolean ready() {
    try {
      run("ctr", "--address", socket.toString(), "version");
      return true;
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (containerd != null && containerd.isAlive()) {
        // A task left by a failed run: kill it so that its shim exits with it.
        ctrQuietly("tasks", "kill", "-s", "SIGKILL", "t1");
        ctrQuietly("containers", "rm", "t1");
      }
    } finally {
      PeerTools.stop(containerd);
      if (registry != null) {
        registry.close();
      }
      if (store != null) {
        store.close();
      }
    }
  }

  private void ctrQuietly(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
    cmd.addAll(List.of(args));
    try {
      run(cmd.toArray(String[]::new));
    } catch (Exception | AssertionError e) {
      // Nothing to clean up.
    }
  }

  private String ctr(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  @Test
  void ctrPullsAnImageWithIdenticalDigestsAndRunsIt() throws Exception {
    Path layout = PeerTools.runnableImage(dir);
    Digest pushed = manifestDigest(layout);
    String ref = "127.0.0.1:" + registry.address().getPort() + "/lib/tiny:t";
    run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":t", "docker://" + ref);
    assertThat(store.resolveTag("lib/tiny", "t")).contains(pushed);

    ctr("images", "pull", "--plain-http", ref);

    String listed = ctr("images", "ls");
    String line = listed.lines().filter(l -> l.startsWith(ref + " ")).findFirst().orElseThrow();
    assertThat(line.split("\\s+")[2]).isEqualTo(pushed.toString());
    // containerd verified and kept every blob under its own digest: the config and each layer.
    String content = ctr("content", "ls", "-q");
    Manifest manifest = store.requireManifest(pushed);
    assertThat(manifest.blobReferences()).hasSize(3);
    for (var blob : manifest.blobReferences()) {
      assertThat(content).contains(blob.digest().toString());
    }

    String out = ctr("run", "--rm", ref, "t1");
    assertThat(out).contains(PeerTools.GREETING);
  }
}
