package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
