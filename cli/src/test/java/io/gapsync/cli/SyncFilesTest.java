package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The files of a sync set: downloaded from an HTTP server on 127.0.0.1, checked, stored once. */
class SyncFilesTest {

  @TempDir Path tmp;

  private HttpServer server;
  private final byte[] content = "tool 1.2 contents\n".getBytes(StandardCharsets.UTF_8);

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/dl/tool-1.2.tar.gz",
        ex -> {
          try (ex) {
            ex.sendResponseHeaders(200, content.length);
            ex.getResponseBody().write(content);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Path syncSet(String sha) throws Exception {
    Path f = tmp.resolve("sync.yaml");
    Files.writeString(
        f,
        "apiVersion: gapsync.io/v1alpha1\nkind: SyncSet\nspec:\n  files:\n"
            + "    - url: http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/dl/tool-1.2.tar.gz\n"
            + "      sha256: "
            + sha
            + "\n"
            + "      as: files/tool:1.2\n");
    return f;
  }

  @Test
  void downloadsVerifiesAndStoresAFileOnceThenReportsItUnchanged() throws Exception {
    Path set = syncSet(Digest.sha256Of(content).hex());
    Path store = tmp.resolve("store");

    CliRun first = CliRun.withStore(store, "sync", "-f", set.toString());
    CliRun second = CliRun.withStore(store, "sync", "-f", set.toString());

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out())
        .contains("+ files/tool:1.2 sha256:")
        .contains("(file, add from http://");
    assertThat(second.out()).contains("= files/tool:1.2 ").contains("0 tags changed");
    try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.hasBlob(Digest.sha256Of(content))).isTrue();
    }
  }

  @Test
  void aFileNotMatchingItsSha256IsRefusedAndNothingIsStored() throws Exception {
    Path set = syncSet("0".repeat(64));
    Path store = tmp.resolve("store");

    CliRun r = CliRun.withStore(store, "sync", "-f", set.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("Tried to download http://127.0.0.1:")
        .contains("hashes to " + Digest.sha256Of(content))
        .contains("(line 5)")
        .contains("nothing was stored");
    try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.resolveTag("files/tool", "1.2")).isEmpty();
      assertThat(s.hasBlob(Digest.sha256Of(content))).isFalse();
    }
  }

  @Test
  void whileServeHoldsTheStoreTheSyncGoesThroughItsAdminSocket() throws Exception {
    Path set = syncSet(Digest.sha256Of(content).hex());
    Path store = tmp.resolve("store");
    ServeCommand serve = new ServeCommand();
    serve.installShutdownHook = false;
    StringWriter serveOut = new StringWriter();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new PrintWriter(serveOut, true));
    cl.setErr(new PrintWriter(serveOut, true));
    CompletableFuture<Integer> serving =
        CompletableFuture.supplyAsync(
            () -> cl.execute("--store", store.toString(), "--listen", "127.0.0.1:0"));
    CliRun first;
    CliRun second;
    try {
      assertThat(serve.started.await(30, TimeUnit.SECONDS)).as(serveOut.toString()).isTrue();

      first = CliRun.withStore(store, "sync", "-f", set.toString());
      second = CliRun.withStore(store, "sync", "-f", set.toString());
    } finally {
      serve.stopRequested.countDown();
    }
    assertThat(serving.get(30, TimeUnit.SECONDS)).as(serveOut.toString()).isZero();

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out()).contains("+ files/tool:1.2 sha256:").contains("1 tags changed");
    // The upstream record was written through the daemon: the second run sees the tag unchanged.
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out()).contains("= files/tool:1.2 ").contains("0 tags changed");
    try (Store s = Store.open(store, StoreOptions.defaults().asReadOnly())) {
      assertThat(s.hasBlob(Digest.sha256Of(content))).isTrue();
      assertThat(s.resolveTag("files/tool", "1.2")).isPresent();
    }
    CliRun fsck = CliRun.withStore(store, "fsck");
    assertThat(fsck.exitCode()).as(fsck.toString()).isZero();
  }
}
