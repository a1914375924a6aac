package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin socket on a real Unix domain socket in a temporary folder, with a registry whose TCP
 * listener (127.0.0.1, a free port) is read-only: the socket's file, its write-enabled registry
 * API, the admin endpoints, and hostile clients.
 */
class AdminSocketTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;
  private Path socket;
  private UnixClient admin;

  @BeforeEach
  void start() {
    store =
        Store.open(dir.resolve("store"), io.gapsync.daemon.registry.Channels.OPTIONS, "site-test");
    socket = dir.resolve("run/admin.sock");
    registry = start(socket);
    admin = new UnixClient(socket);
  }

  private Registry start(Path at) {
    return Registry.start(
        store,
        RegistryConfig.defaults()
            .withListen(new InetSocketAddress("127.0.0.1", 0))
            .withReadOnly(true)
            .withAdminSocket(at),
        new TestClock());
  }

  @AfterEach
  void stop() {
    registry.close();
    store.close();
  }

  @Test
  void socketIsOwnerOnlyAndRemovedAtShutdown() throws Exception {
    assertThat(registry.adminSocket()).isEqualTo(socket);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
    // Nothing of the private folder it was bound in is left next to it.
    try (var files = Files.list(socket.getParent())) {
      assertThat(files.toList()).containsExactly(socket);
    }
    registry.close();
    assertThat(socket).doesNotExist();
  }

  @Test
  void socketAcceptsWritesThatTheReadOnlyTcpListenerRefuses() throws Exception {
    byte[] blob = Content.bytes("pushed over the admin socket");
    Digest d = Digest.sha256Of(blob);
    HttpClient http = HttpClient.newHttpClient();
    var tcp =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + registry.address().getPort()
                            + "/v2/a/blobs/uploads/?digest="
                            + d))
                .POST(BodyPublishers.ofByteArray(blob))
                .build(),
            BodyHandlers.ofString());
    assertThat(tcp.statusCode()).isEqualTo(405);
    assertThat(tcp.body()).contains("UNSUPPORTED").contains("read-only");

    var r = admin.send("POST", "/v2/a/blobs/uploads/?digest=" + d, blob);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.headers().get("docker-content-digest")).isEqualTo(d.toString());
    assertThat(store.hasBlob(d)).isTrue();
  }

  @Test
  void badDigestOverTheSocketIsASpecErrorAndStoresNothing() throws Exception {
    byte[] blob = Content.bytes("not what the digest says");
    Digest claimed = Digest.sha256Of(Content.bytes("something else"));
    var r = admin.send("POST", "/v2/a/blobs/uploads/?digest=" + claimed, blob);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("DIGEST_INVALID");
    assertThat(store.hasBlob(claimed)).isFalse();
    assertThat(store.hasBlob(Digest.sha256Of(blob))).isFalse();
    assertThat(store.stats().blobs()).isZero();
  }

  @Test
  void clientThatDisconnectsMidBlobPublishesNothing() throws Exception {
    byte[] blob = Content.blob(1024 * 1024, 7);
    Digest d = Digest.sha256Of(blob);
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(ch);
      out.write(
          ("POST /v2/a/blobs/uploads/?digest="
                  + d
                  + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                  + blob.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(blob, 0, blob.length / 2);
      out.flush();
    }
    // The daemon sees the connection end and aborts the upload (discarding its chunks): a gc
    // afterwards finds no leftover.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (registry.inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(registry.inFlight()).isZero();
    assertThat(store.hasBlob(d)).isFalse();
    assertThat(store.stats().blobs()).isZero();
    assertThat(store.gc().orphanContentRemoved()).isZero();
  }

  @Test
  void adminEndpointsAnswerJson() throws Exception {
    var info = admin.send("GET", "/admin/v1/info");
    assertThat(info.status()).isEqualTo(200);
    assertThat(info.body())
        .contains("\"pid\":" + ProcessHandle.current().pid())
        .contains("\"siteId\":\"site-test\"");

    assertThat(admin.send("POST", "/admin/v1/sequences/archive-sequence/depot-1").body())
        .contains("\"value\":1");
    assertThat(admin.send("POST", "/admin/v1/sequences/archive-sequence/depot-1").body())
        .contains("\"value\":2");
    assertThat(store.meta("archive-sequence/depot-1")).contains("2");

    var put = admin.send("PUT", "/admin/v1/meta/note/a", Content.bytes("hello"));
    assertThat(put.status()).isEqualTo(204);
    assertThat(admin.send("GET", "/admin/v1/meta/note/a").body()).contains("\"value\":\"hello\"");
    assertThat(admin.send("DELETE", "/admin/v1/meta/note/a").status()).isEqualTo(204);
    var gone = admin.send("GET", "/admin/v1/meta/note/a");
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.body()).contains("NAME_UNKNOWN").contains("no such key");

    var gc = admin.send("POST", "/admin/v1/gc");
    assertThat(gc.status()).isEqualTo(200);
    assertThat(gc.body()).contains("\"manifestsRemoved\":0");
    var fsck = admin.send("POST", "/admin/v1/fsck");
    assertThat(fsck.status()).isEqualTo(200);
    assertThat(fsck.body()).contains("\"problems\":[]");
    assertThat(admin.send("GET", "/admin/v1/stats").body()).contains("\"blobs\":0");
  }

  @Test
  void malformedAdminRequestsAreRefusedWithTheirReason() throws Exception {
    var badKey = admin.send("PUT", "/admin/v1/meta/a%20b", Content.bytes("x"));
    assertThat(badKey.status()).isEqualTo(400);
    assertThat(badKey.body()).contains("metadata key 'a b'");
    var unknown = admin.send("GET", "/admin/v1/nothing");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).contains("no admin endpoint has that path");
    var method = admin.send("GET", "/admin/v1/gc");
    assertThat(method.status()).isEqualTo(405);
    var badDigest = admin.send("POST", "/admin/v1/discard", Content.bytes("sha256:zz"));
    assertThat(badDigest.status()).isEqualTo(400);
    assertThat(badDigest.body()).contains("DIGEST_INVALID");
    // The admin endpoints are not on the TCP listener.
    var tcp =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + registry.address().getPort() + "/admin/v1/info"))
                    .build(),
                BodyHandlers.ofString());
    assertThat(tcp.statusCode()).isEqualTo(404);
  }

  @Test
  void staleSocketIsReplacedButALiveOneOrAnotherFileIsRefused() throws Exception {
    registry.close();
    // A socket nobody answers on (a daemon killed with SIGKILL leaves one): replaced.
    Path stale = dir.resolve("stale.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(stale));
    }
    assertThat(stale).exists();
    registry = start(stale);
    assertThat(new UnixClient(stale).send("GET", "/admin/v1/info").status()).isEqualTo(200);

    // A socket someone answers on: refused, and left alone.
    Path live = dir.resolve("live.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(live));
      registry.close();
      assertThatThrownBy(() -> start(live))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("Tried to open the admin socket " + live)
          .hasMessageContaining("another process answers on it");
      assertThat(live).exists();
    } finally {
      Files.deleteIfExists(live);
    }

    // A file that is not a socket: refused, and left alone.
    Path file = Files.writeString(dir.resolve("file.sock"), "keep me");
    assertThatThrownBy(() -> start(file))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("not a socket");
    assertThat(Files.readString(file)).isEqualTo("keep me");
    registry = start(socket);
  }
}
