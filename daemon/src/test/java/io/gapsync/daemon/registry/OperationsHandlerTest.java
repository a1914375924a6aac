package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics}, {@code /healthz} and {@code /readyz} on an {@code EmbeddedChannel}. */
class OperationsHandlerTest {

  @TempDir Path dir;

  private Channels c;

  @BeforeEach
  void open() {
    c = new Channels(dir);
    c.channel.finishAndReleaseAll();
    c.channel = c.observedChannel();
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void healthzAnswers200WhileTheProcessServes() {
    Channels.Reply r = c.get("/healthz");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("ok\n");
    assertThat(r.header("Content-Type")).startsWith("text/plain");
  }

  @Test
  void healthzHeadHasTheLengthButNoBody() {
    Channels.Reply r = c.head("/healthz");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.header("Content-Length")).isEqualTo("3");
  }

  @Test
  void readyzAnswers200WhenTheStoreAnswers() {
    Channels.Reply r = c.get("/readyz");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("ready\n");
  }

  @Test
  void readyzAnswers503OnceShuttingDown() {
    c.services.readiness().markShuttingDown();
    Channels.Reply r = c.get("/readyz");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.text()).isEqualTo("shutting down\n");
    assertThat(c.get("/healthz").status()).isEqualTo(200);
  }

  @Test
  void readyzAnswers503WhenTheStoreIsClosed() {
    c.services.close();
    c.store.close();
    Channels.Reply r = c.get("/readyz");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.text()).startsWith("store unavailable: ");
  }

  @Test
  void metricsAreInThePrometheusTextFormat() {
    c.services.metrics().storeCounts(3, 300);
    Channels.Reply r = c.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.text())
        .contains("# TYPE gapsync_registry_requests_total counter\n")
        .contains("# TYPE gapsync_registry_received_bytes_total counter\n")
        .contains("# TYPE gapsync_registry_sent_bytes_total counter\n")
        .contains("gapsync_registry_requests_in_flight 0\n")
        .contains("gapsync_registry_upload_sessions 0\n")
        .contains("gapsync_store_blobs 3\n")
        .contains("gapsync_store_blob_bytes 300\n")
        .endsWith("\n");
  }

  @Test
  void metricsCountRequestsByRouteMethodAndStatusAndTheOpenSessions() {
    byte[] blob = Content.blob(1000, 3);
    assertThat(c.pushBlob("lib/app", blob).status()).isEqualTo(201);
    assertThat(c.get("/v2/lib/app/blobs/" + Digest.sha256Of(blob)).status()).isEqualTo(200);
    assertThat(c.get("/v2/lib/app/blobs/" + Digest.sha256Of("absent")).status()).isEqualTo(404);
    assertThat(c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).status()).isEqualTo(202);

    String text = c.get("/metrics").text();

    assertThat(text)
        .contains(
            "gapsync_registry_requests_total{route=\"uploads\",method=\"POST\",status=\"201\"} 1\n")
        .contains(
            "gapsync_registry_requests_total{route=\"uploads\",method=\"POST\",status=\"202\"} 1\n")
        .contains(
            "gapsync_registry_requests_total{route=\"blob\",method=\"GET\",status=\"200\"} 1\n")
        .contains(
            "gapsync_registry_requests_total{route=\"blob\",method=\"GET\",status=\"404\"} 1\n")
        .contains("gapsync_registry_received_bytes_total 1000\n")
        .contains("gapsync_registry_upload_sessions 1\n")
        .doesNotContain("route=\"metrics\"");
    assertThat(c.services.metrics().requests("metrics", "GET", 200)).isEqualTo(1);
  }

  @Test
  void otherMethodsOnOperationsPathsAre405AndTheBodyIsDropped() {
    Channels.Reply r = c.send(HttpMethod.POST, "/metrics", new byte[] {1, 2, 3});
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    c.begin(HttpMethod.PUT, "/healthz");
    c.content(new byte[] {4}, false);
    c.content(new byte[] {5}, true);
    assertThat(c.reply().status()).isEqualTo(405);
    assertThat(c.get("/v2/").status()).isEqualTo(200);
  }

  @Test
  void registryPathsStillReachTheRegistry() {
    assertThat(c.get("/v2/").status()).isEqualTo(200);
    assertThat(c.get("/metricsx").status()).isEqualTo(404);
  }
}
