package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations endpoints on a real socket (127.0.0.1, a free port): counters scraped around a
 * push and a pull, and readiness during a graceful shutdown.
 */
class MetricsServerTest {

  @TempDir Path dir;

  private Store store;
  private Registry registry;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    store = Store.open(dir.resolve("store"), Channels.OPTIONS, "site-test");
    registry =
        Registry.start(
            store,
            RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)),
            new TestClock());
  }

  @AfterEach
  void stop() {
    registry.close();
    store.close();
  }

  private HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + registry.address().getPort() + path))
            .method(
                method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), BodyHandlers.ofByteArray());
  }

  private String scrape() throws Exception {
    HttpResponse<byte[]> r = send("GET", "/metrics", null);
    assertThat(r.statusCode()).isEqualTo(200);
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void familiesAddedByAnotherComponentAreScrapedFreshEachTime() throws Exception {
    java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong(1);
    registry.addMetrics(
        () ->
            "# HELP gapsync_test_things_total Things.\n# TYPE gapsync_test_things_total counter\n"
                + "gapsync_test_things_total "
                + counter.get()
                + "\n");

    assertThat(scrape()).contains("\ngapsync_test_things_total 1\n");
    counter.set(7);
    String again = scrape();

    assertThat(again).contains("\ngapsync_test_things_total 7\n");
    assertThat(again).contains("# TYPE gapsync_registry_requests_total counter");
  }

  /** Returns the value of one series in a scrape, 0 when it has no sample. */
  private static long value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Long.parseLong(line.substring(series.length() + 1));
      }
    }
    return 0;
  }

  private static String requests(String route, String method, int status) {
    return "gapsync_registry_requests_total{route=\""
        + route
        + "\",method=\""
        + method
        + "\",status=\""
        + status
        + "\"}";
  }

  @Test
  void countersMoveByTheRequestsAndBodyBytesOfAPushAndAPull() throws Exception {
    byte[] config = Content.bytes("{}");
    byte[] layer = Content.blob(20_000, 9);
    byte[] manifest = Content.image(config, layer);
    String before = scrape();
    long scrapeBytes = before.getBytes(StandardCharsets.UTF_8).length;

    long sentBodies = 0;
    for (byte[] blob : new byte[][] {config, layer}) {
      HttpResponse<byte[]> r =
          send("POST", "/v2/lib/app/blobs/uploads/?digest=" + Digest.sha256Of(blob), blob);
      assertThat(r.statusCode()).isEqualTo(201);
      sentBodies += r.body().length;
    }
    HttpResponse<byte[]> put =
        send("PUT", "/v2/lib/app/manifests/v1", manifest, "Content-Type", MediaTypes.OCI_MANIFEST);
    assertThat(put.statusCode()).isEqualTo(201);
    sentBodies += put.body().length;
    HttpResponse<byte[]> m = send("GET", "/v2/lib/app/manifests/v1", null);
    HttpResponse<byte[]> b = send("GET", "/v2/lib/app/blobs/" + Digest.sha256Of(layer), null);
    assertThat(m.body()).isEqualTo(manifest);
    assertThat(b.body()).isEqualTo(layer);
    sentBodies += m.body().length + b.body().length;
    String after = scrape();

    assertThat(delta(before, after, requests("uploads", "POST", 201))).isEqualTo(2);
    assertThat(delta(before, after, requests("manifest", "PUT", 201))).isEqualTo(1);
    assertThat(delta(before, after, requests("manifest", "GET", 200))).isEqualTo(1);
    assertThat(delta(before, after, requests("blob", "GET", 200))).isEqualTo(1);
    // The first scrape is counted once its answer is written: after it rendered itself.
    assertThat(delta(before, after, requests("metrics", "GET", 200))).isEqualTo(1);
    assertThat(delta(before, after, "gapsync_registry_received_bytes_total"))
        .isEqualTo(config.length + layer.length + manifest.length);
    assertThat(delta(before, after, "gapsync_registry_sent_bytes_total"))
        .isEqualTo(scrapeBytes + sentBodies);
    assertThat(sentBodies).isEqualTo(manifest.length + layer.length);
  }

  private static long delta(String before, String after, String series) {
    return value(after, series) - value(before, series);
  }

  @Test
  void storeGaugesFollowTheBackgroundRefreshAndSessionsAreCountedLive() throws Exception {
    byte[] blob = Content.blob(3000, 4);
    send("POST", "/v2/a/blobs/uploads/?digest=" + Digest.sha256Of(blob), blob);
    registry.refreshStoreStats();
    HttpResponse<byte[]> session = send("POST", "/v2/a/blobs/uploads/", null);
    assertThat(session.statusCode()).isEqualTo(202);

    String text = scrape();

    assertThat(value(text, "gapsync_store_blobs")).isEqualTo(1);
    assertThat(value(text, "gapsync_store_blob_bytes")).isEqualTo(3000);
    assertThat(value(text, "gapsync_registry_upload_sessions")).isEqualTo(1);
  }

  @Test
  void answersOverTheSocketCarryARequestId() throws Exception {
    HttpResponse<byte[]> a = send("GET", "/healthz", null);
    HttpResponse<byte[]> b = send("GET", "/v2/nothing/manifests/v1", null);
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(b.statusCode()).isEqualTo(404);
    String idA = a.headers().firstValue(RequestObserver.REQUEST_ID).orElseThrow();
    String idB = b.headers().firstValue(RequestObserver.REQUEST_ID).orElseThrow();
    assertThat(idA).matches("[0-9a-f]{6}-[0-9a-f]+").isNotEqualTo(idB);
  }

  @Test
  void readyzAnswers503WhileShuttingDownAndTheRequestInFlightStillFinishes() throws Exception {
    String location =
        send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    int port = registry.address().getPort();
    try (Socket upload = new Socket("127.0.0.1", port);
        Socket probe = new Socket("127.0.0.1", port)) {
      upload.setSoTimeout(5000);
      probe.setSoTimeout(5000);
      // A PATCH whose body has not ended: a request in flight that close() waits for.
      write(
          upload,
          "PATCH "
              + location
              + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      await(
          () -> {
            try {
              return value(scrape(), "gapsync_registry_requests_in_flight") == 1;
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          });
      assertThat(exchange(probe, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("200 ");

      Thread closer = new Thread(registry::close, "test-close");
      closer.start();
      await(() -> registry.services().readiness().notReadyReason() != null);

      assertThat(exchange(probe, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n"))
          .isEqualTo("503 shutting down\n");
      assertThat(exchange(probe, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")).isEqualTo("200 ok\n");
      write(upload, "0\r\n\r\n");
      assertThat(read(upload)).startsWith("202 ");
      closer.join(TimeUnit.SECONDS.toMillis(5));
      assertThat(closer.isAlive()).isFalse();
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(2);
    }
  }

  private static void write(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /** Sends a request and returns "status body". */
  private static String exchange(Socket s, String request) throws IOException {
    write(s, request);
    return read(s);
  }

  /** Reads one response with a Content-Length; returns "status body". */
  private static String read(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed in the response head: " + head);
      }
      head.write(c);
    }
    String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return lines[0].split(" ")[1] + " " + new String(body, StandardCharsets.UTF_8);
  }
}
