package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI while {@code gapsync serve} (in-process, the real command) holds the store: writing
 * commands go through the admin socket, queries open the store read-only, and every command prints
 * what it prints offline. Images come from the demo's sample store, written out as an OCI layout.
 */
class DaemonCliTest {

  private static final String SITE = "site-daemon-test";

  @TempDir Path tmp;

  private Path layout;
  private Path file;
  private ServeCommand serve;
  private CompletableFuture<Integer> serving;
  private StringWriter serveOut;

  @BeforeEach
  void sampleLayout() throws IOException {
    CliRun demo = CliRun.run("demo", "--work", tmp.resolve("demo").toString());
    assertThat(demo.exitCode()).as(demo.toString()).isZero();
    Path connected = tmp.resolve("demo/connected");
    layout = tmp.resolve("layout");
    for (String tag : List.of("1.0", "1.1")) {
      CliRun get = CliRun.withStore(connected, "get", "demo/app:" + tag, "oci:" + layout);
      assertThat(get.exitCode()).as(get.toString()).isZero();
    }
    file = Files.writeString(tmp.resolve("notes.txt"), "release notes\n");
  }

  @AfterEach
  void stopServe() throws Exception {
    if (serve != null) {
      serve.stopRequested.countDown();
      assertThat(serving.get(30, TimeUnit.SECONDS)).as(serveOut.toString()).isZero();
    }
  }

  /** Starts {@code gapsync serve --store DIR --listen 127.0.0.1:0} in-process. */
  private void serve(Path store) throws Exception {
    serve = new ServeCommand();
    serve.installShutdownHook = false;
    serveOut = new StringWriter();
    CommandLine cl = new CommandLine(serve);
    cl.setExecutionExceptionHandler(new GapsyncCli.ShortErrors());
    cl.setOut(new PrintWriter(serveOut, true));
    cl.setErr(new PrintWriter(serveOut, true));
    serving =
        CompletableFuture.supplyAsync(
            () -> cl.execute("--store", store.toString(), "--listen", "127.0.0.1:0"));
    assertThat(serve.started.await(30, TimeUnit.SECONDS)).as(serveOut.toString()).isTrue();
    assertThat(serve.adminSocket).isEqualTo(store.toAbsolutePath().resolve("admin.sock"));
  }

  /** The same commands, in order; returns each command's exit code, output and error text. */
  private List<String> script(Path store) {
    String[][] commands = {
      {"add", "oci:" + layout + ":1.0", "--as", "a/app:1.0"},
      {"add", "oci:" + layout + ":1.1", "--as", "a/app:1.1"},
      {"add", "oci:" + layout, "--as", "mirror/app", "--json"},
      {"add", "file:" + file, "--as", "files/notes:1"},
      {"ls"},
      {"ls", "--json"},
      {"rm", "a/app:1.0", "mirror/app:1.0"},
      {"rm", "a/app:nope"},
      {"gc"},
      {"gc", "--json"},
      {"fsck"},
      {"fsck", "--json"},
      {"inventory", "who-uses", firstLayer()},
    };
    List<String> outputs = new ArrayList<>();
    for (String[] c : commands) {
      CliRun r = CliRun.withStore(store, c);
      outputs.add(String.join(" ", c) + " -> " + r.exitCode() + "\n" + r.out() + r.err());
    }
    return outputs;
  }

  private String firstLayer() {
    try {
      var index =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(layout.resolve("index.json").toFile());
      String manifest = index.get("manifests").get(0).get("digest").asText();
      var m =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(layout.resolve("blobs/sha256/" + manifest.substring(7)).toFile());
      return m.get("layers").get(0).get("digest").asText();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void commandsPrintTheSameThroughTheDaemonAsOffline() throws Exception {
    Path offline = tmp.resolve("offline");
    Path live = tmp.resolve("live");
    Store.open(offline, StoreOptions.defaults(), SITE).close();
    Store.open(live, StoreOptions.defaults(), SITE).close();
    List<String> expected = script(offline);

    serve(live);
    List<String> through = script(live);
    // The daemon held the store all along: the commands did not open it read-write.
    assertThatThrownBy(() -> Store.open(live, StoreOptions.defaults()))
        .isInstanceOf(io.gapsync.store.StoreException.class)
        .extracting(e -> ((io.gapsync.store.StoreException) e).code())
        .isEqualTo(io.gapsync.store.StoreException.Code.LOCKED);

    assertThat(through).isEqualTo(expected);
    assertThat(expected.get(7)).contains("-> 1").contains("no such tag");
    assertThat(expected.get(10)).contains("-> 0").contains("OK:");

    // get reads manifests read-only and blob content through the daemon: bit for bit.
    Path out = tmp.resolve("out");
    CliRun get = CliRun.withStore(live, "get", "a/app:1.1", "oci:" + out);
    assertThat(get.exitCode()).as(get.toString()).isZero();
    assertThat(get.out()).contains("Wrote a/app:1.1").contains("2.0 MiB of blobs written");
    try (var files = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path blob : files.toList()) {
        Path copy = out.resolve("blobs/sha256").resolve(blob.getFileName());
        if (Files.exists(copy)) {
          assertThat(Files.mismatch(blob, copy)).isEqualTo(-1L);
        }
      }
    }
    CliRun file = CliRun.withStore(live, "get", "files/notes:1", "file:" + tmp.resolve("n.txt"));
    assertThat(file.exitCode()).as(file.toString()).isZero();
    assertThat(Files.readString(tmp.resolve("n.txt"))).isEqualTo("release notes\n");

    Path inventory = tmp.resolve("site.json");
    CliRun export = CliRun.withStore(live, "inventory", "export", "-o", inventory.toString());
    assertThat(export.exitCode()).as(export.toString()).isZero();
    assertThat(Files.readString(inventory)).contains("a/app").contains("files/notes");

    stopServe();
    serve = null;
    assertThat(live.resolve("admin.sock")).doesNotExist();
    StoreSnapshot a = StoreSnapshot.of(offline);
    StoreSnapshot b = StoreSnapshot.of(live);
    assertThat(b).isEqualTo(a);
    CliRun fsck = CliRun.withStore(live, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();
  }

  @Test
  void badBlobThroughTheDaemonIsRefusedAndLeavesTheStoreAsItWas() throws Exception {
    Path live = tmp.resolve("live");
    serve(live);
    CliRun first = CliRun.withStore(live, "add", "oci:" + layout + ":1.0", "--as", "a/app:1.0");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    StoreSnapshot before = StoreSnapshot.of(live);

    // Damage a layer only 1.1 has: same size, other bytes.
    String layer = lastLayerOf("1.1");
    Path blob = layout.resolve("blobs/sha256/" + layer.substring(7));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x5a;
    blob.toFile().setWritable(true);
    Files.write(blob, bytes);

    CliRun bad = CliRun.withStore(live, "add", "oci:" + layout + ":1.1", "--as", "a/app:1.1");
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);
    assertThat(bad.err())
        .startsWith("gapsync: error: ")
        .contains(layer)
        .contains("nothing was added")
        .contains("admin.sock");
    assertThat(StoreSnapshot.of(live)).isEqualTo(before);
    CliRun fsck = CliRun.withStore(live, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();
  }

  @Test
  void daemonOfAnotherStoreIsRefused() throws Exception {
    Path live = tmp.resolve("live");
    serve(live);
    Path other = tmp.resolve("other");
    Store.open(other, StoreOptions.defaults(), SITE).close();
    CliRun r = CliRun.withStore(other, "fsck", "--admin-socket", serve.adminSocket.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("Tried to use the store at " + other.toAbsolutePath())
        .contains("serves the store at " + live.toAbsolutePath());
  }

  private String lastLayerOf(String tag) throws IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (var d : json.readTree(layout.resolve("index.json").toFile()).get("manifests")) {
      if (tag.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        var m =
            json.readTree(
                layout.resolve("blobs/sha256/" + d.get("digest").asText().substring(7)).toFile());
        var layers = m.get("layers");
        return layers.get(layers.size() - 1).get("digest").asText();
      }
    }
    throw new IllegalStateException("no tag " + tag + " in " + layout);
  }

  @Test
  void lockedStoreWithoutAnAnsweringDaemonNamesTheHolderAndTheSocket() throws Exception {
    Path store = tmp.resolve("held");
    try (Store held = Store.open(store, StoreOptions.defaults(), SITE)) {
      CliRun none = CliRun.withStore(store, "gc");
      assertThat(none.exitCode()).as(none.toString()).isEqualTo(1);
      assertThat(none.err())
          .contains(
              "Tried to open the store at "
                  + store
                  + " for writing but process "
                  + ProcessHandle.current().pid())
          .contains("there is no admin socket " + store.toAbsolutePath().resolve("admin.sock"))
          .contains("--admin-socket");

      // A socket file that nobody answers on (a daemon killed with SIGKILL leaves one).
      Path stale = store.toAbsolutePath().resolve("admin.sock");
      try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        s.bind(UnixDomainSocketAddress.of(stale));
      }
      CliRun refused = CliRun.withStore(store, "add", "oci:" + layout + ":1.0", "--as", "a/b:1");
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
      assertThat(refused.err())
          .contains("process " + ProcessHandle.current().pid())
          .contains("nothing answers on its admin socket " + stale)
          .contains("Connection refused");
      assertThat(refused.err().lines().count()).isEqualTo(1);
      assertThat(held.tags()).isEmpty();

      // Queries still work: they open the store read-only.
      CliRun ls = CliRun.withStore(store, "ls");
      assertThat(ls.exitCode()).as(ls.toString()).isZero();
      assertThat(ls.out()).contains("The store holds no tags.");
    }
  }
}
