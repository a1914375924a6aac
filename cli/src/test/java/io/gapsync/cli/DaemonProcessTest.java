package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gapsync serve} in a separate JVM holds the store while the CLI (in this JVM) adds an image
 * built by umoci through the admin socket; skopeo then pulls it over TCP with identical digests. A
 * daemon killed with SIGKILL leaves its socket file behind: the next daemon replaces it.
 */
@Tag("peer")
class DaemonProcessTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERVING =
      Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/v2/; admin socket (\\S+) \\(mode 0600\\)");

  @TempDir Path tmp;

  private Path layout;
  private Path store;
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void umociImage() throws Exception {
    assumeTrue(Peers.available("umoci") && Peers.available("skopeo"), "umoci and skopeo needed");
    Path content = Files.createDirectories(tmp.resolve("content/etc"));
    Files.writeString(content.resolve("motd"), "pushed through the admin socket\n");
    byte[] big = new byte[768 * 1024];
    new Random(11).nextBytes(big);
    Files.write(content.resolve("data.bin"), big);
    layout = Peers.buildTinyImage(tmp.resolve("L"), "a", tmp.resolve("content"));
    store = tmp.resolve("store");
  }

  @AfterEach
  void killChildren() throws Exception {
    for (Process p : children) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A started daemon: the process, its TCP port and its admin socket. */
  private record Daemon(Process process, int port, Path socket, Path log) {}

  private Daemon startServe(String name) throws Exception {
    Path log = tmp.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dio.netty.leakDetection.level=paranoid");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(GapsyncCli.class.getName());
    command.addAll(List.of("serve", "--store", store.toString(), "--listen", "127.0.0.1:0"));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    children.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = SERVING.matcher(Files.readString(log));
      if (m.find()) {
        return new Daemon(p, Integer.parseInt(m.group(1)), Path.of(m.group(2)), log);
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("gapsync serve did not start:\n" + Files.readString(log));
  }

  @Test
  void imageAddedThroughTheSocketIsPulledBySkopeoWithIdenticalDigests() throws Exception {
    Daemon d = startServe("serve");
    assertThat(d.socket()).isEqualTo(store.toAbsolutePath().resolve("admin.sock"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket())))
        .isEqualTo("rw-------");
    Digest original = refDigest(layout, "a");

    CliRun add = CliRun.withStore(store, "add", "oci:" + layout + ":a", "--as", "peer/app:1");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    assertThat(add.out()).contains("Added peer/app:1 " + original);
    CliRun ls = CliRun.withStore(store, "ls", "peer/app");
    assertThat(ls.exitCode()).as(ls.toString()).isZero();
    assertThat(ls.out()).contains("peer/app").contains(original.toString().substring(0, 19));
    CliRun gc = CliRun.withStore(store, "gc");
    assertThat(gc.out()).as(gc.toString()).startsWith("Removed 0 manifests and 0 blobs");
    CliRun fsck = CliRun.withStore(store, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();

    Path pulled = tmp.resolve("pulled");
    Peers.run(
        null,
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "docker://127.0.0.1:" + d.port() + "/peer/app:1",
        "oci:" + pulled + ":1");
    assertThat(refDigest(pulled, "1")).isEqualTo(original);
    JsonNode manifest = JSON.readTree(Files.readAllBytes(blobPath(pulled, original)));
    for (JsonNode layer : manifest.get("layers")) {
      Digest ld = Digest.parse(layer.get("digest").asText());
      assertThat(Digest.sha256Of(Files.readAllBytes(blobPath(pulled, ld)))).isEqualTo(ld);
      assertThat(blobPath(layout, ld)).exists();
    }

    // SIGTERM: a graceful stop removes the socket.
    d.process().destroy();
    assertThat(d.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(d.process().exitValue()).as(Files.readString(d.log())).isIn(0, 143);
    assertThat(d.socket()).doesNotExist();
    assertThat(Files.readString(d.log())).doesNotContain("LEAK");
  }

  @Test
  void daemonKilledWithSigkillLeavesAStaleSocketThatTheNextDaemonReplaces() throws Exception {
    Daemon first = startServe("first");
    first.process().destroyForcibly();
    assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(first.socket()).exists();

    Daemon second = startServe("second");
    assertThat(second.socket()).isEqualTo(first.socket());
    CliRun add = CliRun.withStore(store, "add", "oci:" + layout + ":a", "--as", "peer/app:2");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    second.process().destroy();
    assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    CliRun fsck = CliRun.withStore(store, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();
    assertThat(fsck.out()).contains("1 tags checked");
  }

  private static Path blobPath(Path layout, Digest d) {
    return layout.resolve("blobs/sha256/" + d.hex());
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
}
