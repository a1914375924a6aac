package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.Store;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on a real socket (127.0.0.1, a free port) driven by the JDK's HTTP client. */
class RegistryServerTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    store = Store.open(dir.resolve("store"), Channels.OPTIONS, "site-test");
    registry = start(false);
  }

  private Registry start(boolean readOnly) {
    return Registry.start(
        store,
        RegistryConfig.defaults()
            .withListen(new InetSocketAddress("127.0.0.1", 0))
            .withReadOnly(readOnly),
        new TestClock());
  }

  @AfterEach
  void stop() {
    registry.close();
    store.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + registry.address().getPort() + path);
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .method(
                method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  /** Pushes a blob in two PATCH chunks and a closing PUT; returns the PUT's status. */
  private int pushChunked(String repo, byte[] blob) throws Exception {
    HttpResponse<byte[]> post = send("POST", "/v2/" + repo + "/blobs/uploads/", null);
    assertThat(post.statusCode()).isEqualTo(202);
    String location = post.headers().firstValue("Location").orElseThrow();
    int half = blob.length / 2;
    HttpResponse<byte[]> p1 =
        send(
            "PATCH",
            location,
            Arrays.copyOfRange(blob, 0, half),
            "Content-Range",
            "0-" + (half - 1),
            "Content-Type",
            "application/octet-stream");
    assertThat(p1.statusCode()).isEqualTo(202);
    String next = p1.headers().firstValue("Location").orElseThrow();
    HttpResponse<byte[]> p2 =
        send(
            "PATCH",
            next,
            Arrays.copyOfRange(blob, half, blob.length),
            "Content-Range",
            half + "-" + (blob.length - 1),
            "Content-Type",
            "application/octet-stream");
    assertThat(p2.statusCode()).isEqualTo(202);
    return send("PUT", next + "?digest=" + Digest.sha256Of(blob), null).statusCode();
  }

  @Test
  void imagePushedBlobByBlobIsPulledBackByteIdentical() throws Exception {
    byte[] config = Content.bytes("{\"os\":\"linux\",\"architecture\":\"amd64\"}");
    byte[] layer1 = Content.blob(3_000_000, 7);
    byte[] layer2 = Content.blob(123, 8);
    assertThat(pushChunked("lib/app", config)).isEqualTo(201);
    assertThat(pushChunked("lib/app", layer1)).isEqualTo(201);
    assertThat(
            send("POST", "/v2/lib/app/blobs/uploads/?digest=" + Digest.sha256Of(layer2), layer2)
                .statusCode())
        .isEqualTo(201);
    byte[] manifest = Content.image(config, layer1, layer2);
    HttpResponse<byte[]> put =
        send("PUT", "/v2/lib/app/manifests/1.0", manifest, "Content-Type", MediaTypes.OCI_MANIFEST);
    assertThat(put.statusCode()).isEqualTo(201);

    HttpResponse<byte[]> m =
        send("GET", "/v2/lib/app/manifests/1.0", null, "Accept", MediaTypes.OCI_MANIFEST);
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body()).isEqualTo(manifest);
    assertThat(m.headers().firstValue("Docker-Content-Digest"))
        .contains(Digest.sha256Of(manifest).toString());
    for (byte[] blob : new byte[][] {config, layer1, layer2}) {
      HttpResponse<byte[]> b = send("GET", "/v2/lib/app/blobs/" + Digest.sha256Of(blob), null);
      assertThat(b.statusCode()).isEqualTo(200);
      assertThat(b.body()).isEqualTo(blob);
    }
    HttpResponse<byte[]> range =
        send(
            "GET",
            "/v2/lib/app/blobs/" + Digest.sha256Of(layer1),
            null,
            "Range",
            "bytes=1000000-1999999");
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(layer1, 1_000_000, 2_000_000));
  }

  @Test
  void tagsAreListedPageByPageFollowingLinks() throws Exception {
    byte[] config = Content.bytes("{}");
    send("POST", "/v2/a/b/blobs/uploads/?digest=" + Digest.sha256Of(config), config);
    byte[] manifest = Content.image(config);
    for (int i = 0; i < 5; i++) {
      send("PUT", "/v2/a/b/manifests/t" + i, manifest, "Content-Type", MediaTypes.OCI_MANIFEST);
    }
    StringBuilder all = new StringBuilder();
    String next = "/v2/a/b/tags/list?n=2";
    int pages = 0;
    while (next != null) {
      HttpResponse<byte[]> r = send("GET", next, null);
      all.append(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
      next = r.headers().firstValue("Link").map(l -> l.substring(1, l.indexOf('>'))).orElse(null);
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(all.toString())
        .contains("\"t0\",\"t1\"")
        .contains("\"t2\",\"t3\"")
        .contains("[\"t4\"]");
  }

  @Test
  void referrersListArtifactsPushedWithASubject() throws Exception {
    byte[] config = Content.bytes("{}");
    send("POST", "/v2/a/blobs/uploads/?digest=" + Digest.sha256Of(config), config);
    byte[] image = Content.image(config);
    send("PUT", "/v2/a/manifests/v1", image, "Content-Type", MediaTypes.OCI_MANIFEST);
    byte[] sig = Content.artifact("application/vnd.example.sig", config, image, "ok");
    HttpResponse<byte[]> put =
        send(
            "PUT",
            "/v2/a/manifests/" + Digest.sha256Of(sig),
            sig,
            "Content-Type",
            MediaTypes.OCI_MANIFEST);
    assertThat(put.headers().firstValue("OCI-Subject")).contains(Digest.sha256Of(image).toString());
    HttpResponse<byte[]> r = send("GET", "/v2/a/referrers/" + Digest.sha256Of(image), null);
    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
        .contains(Digest.sha256Of(sig).toString())
        .contains("application/vnd.example.sig");
  }

  @Test
  void readOnlyRegistryRefusesAPushAndStillServesPulls() throws Exception {
    registry.close();
    registry = start(true);
    byte[] blob = Content.blob(10, 1);
    HttpResponse<byte[]> r =
        send("POST", "/v2/a/blobs/uploads/?digest=" + Digest.sha256Of(blob), blob);
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("UNSUPPORTED");
    assertThat(store.hasBlob(Digest.sha256Of(blob))).isFalse();
    assertThat(send("GET", "/v2/", null).statusCode()).isEqualTo(200);
  }

  @Test
  void scheduledSweepCancelsAnAbandonedSession() throws Exception {
    registry.close();
    TestClock clock = new TestClock();
    RegistryConfig d = RegistryConfig.defaults();
    registry =
        Registry.start(
            store,
            new RegistryConfig(
                new InetSocketAddress("127.0.0.1", 0),
                false,
                d.maxHeaderBytes(),
                d.maxManifestBytes(),
                d.idleTimeout(),
                d.headerTimeout(),
                d.requestTimeout(),
                d.maxUploadSessions(),
                java.time.Duration.ofMinutes(1),
                java.time.Duration.ofMillis(10),
                d.storeStatsInterval(),
                d.shutdownTimeout(),
                1,
                null),
            clock);
    String location =
        send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    clock.advance(java.time.Duration.ofMinutes(2));
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (registry.services().sessions().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertThat(send("GET", location, null).statusCode()).isEqualTo(404);
  }

  @Test
  void addressInUseFailsToStartSayingWhere() {
    RegistryConfig taken = RegistryConfig.defaults().withListen(registry.address());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Registry.start(store, taken))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("Tried to listen on")
        .hasMessageContaining(Integer.toString(registry.address().getPort()));
  }

  @Test
  void closeStopsAcceptingConnections() throws Exception {
    int port = registry.address().getPort();
    registry.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new java.net.Socket("127.0.0.1", port).close())
        .isInstanceOf(java.net.ConnectException.class);
  }
}
