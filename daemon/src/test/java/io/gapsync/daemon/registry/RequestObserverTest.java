package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request ids, access lines and request metrics, on an {@code EmbeddedChannel}. */
class RequestObserverTest {

  @TempDir Path dir;

  private Channels c;
  private final CapturingLogger access = new CapturingLogger();
  private final List<String> seenDownstream = new CopyOnWriteArrayList<>();

  /** Records the request id the handlers after the observer see. */
  private final class Recorder extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        seenDownstream.add(r.headers().get(RequestObserver.REQUEST_ID));
      }
      ctx.fireChannelRead(msg);
    }
  }

  @BeforeEach
  void open() {
    c = new Channels(dir);
    c.channel.finishAndReleaseAll();
    c.channel =
        new EmbeddedChannel(
            new RequestObserver(c.services.metrics(), new RequestIds("abc123"), access),
            new HttpServerExpectContinueHandler(),
            new ChunkedWriteHandler(),
            new Recorder(),
            new OperationsHandler(c.services, c.inFlight),
            new RegistryHandler(c.services, c.inFlight));
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void everyAnswerCarriesAFreshRequestIdThatTheHandlersSee() {
    Channels.Reply first = c.get("/v2/");
    Channels.Reply second = c.get("/v2/a/manifests/absent");

    assertThat(first.header(RequestObserver.REQUEST_ID)).isEqualTo("abc123-1");
    assertThat(second.status()).isEqualTo(404);
    assertThat(second.header(RequestObserver.REQUEST_ID)).isEqualTo("abc123-2");
    assertThat(seenDownstream).containsExactly("abc123-1", "abc123-2");
  }

  @Test
  void aClientsOwnRequestIdIsReplaced() {
    Channels.Reply r = c.get("/healthz", RequestObserver.REQUEST_ID, "client-chosen");
    assertThat(r.header(RequestObserver.REQUEST_ID)).isEqualTo("abc123-1");
  }

  @Test
  void oneAccessLinePerRequestNamesMethodPathStatusBytesDurationAndId() {
    byte[] blob = Content.blob(1000, 5);
    String digest = Digest.sha256Of(blob).toString();
    c.pushBlob("lib/app", blob);
    c.get("/v2/lib/app/blobs/" + digest);

    assertThat(access.lines).hasSize(2);
    assertThat(access.lines.get(0))
        .matches(
            "DEBUG POST /v2/lib/app/blobs/uploads/\\?digest="
                + digest
                + " 201 in 1000 B out 0 B \\d+ ms id abc123-1");
    assertThat(access.lines.get(1))
        .matches(
            "DEBUG GET /v2/lib/app/blobs/" + digest + " 200 in 0 B out 1000 B \\d+ ms id abc123-2");
  }

  @Test
  void bytesInAndOutAreTheBodies() {
    byte[] blob = Content.blob(5000, 6);
    c.pushBlob("a", blob);
    c.get("/v2/a/blobs/" + Digest.sha256Of(blob));
    c.head("/v2/a/blobs/" + Digest.sha256Of(blob));

    String text = c.services.metrics().render(0, 0);
    assertThat(text)
        .contains("gapsync_registry_received_bytes_total 5000\n")
        .contains("gapsync_registry_sent_bytes_total 5000\n");
    assertThat(c.services.metrics().requests("blob", "HEAD", 200)).isEqualTo(1);
  }

  @Test
  void aHundredContinueIsNotTheAnswer() {
    byte[] blob = Content.blob(100, 7);
    c.begin(
        HttpMethod.POST,
        "/v2/a/blobs/uploads/?digest=" + Digest.sha256Of(blob),
        "Expect",
        "100-continue");
    Channels.Reply interim = c.reply();
    c.content(blob, true);
    Channels.Reply last = c.reply();

    assertThat(interim.status()).isEqualTo(100);
    assertThat(interim.header(RequestObserver.REQUEST_ID)).isNull();
    assertThat(last.status()).isEqualTo(201);
    assertThat(last.header(RequestObserver.REQUEST_ID)).isEqualTo("abc123-1");
    assertThat(c.services.metrics().requests("uploads", "POST", 201)).isEqualTo(1);
    assertThat(c.services.metrics().render(0, 0)).doesNotContain("status=\"100\"");
  }

  @Test
  void unknownMethodsAreCountedAsOther() {
    Channels.Reply r = c.send(HttpMethod.valueOf("BREW"), "/v2/", null);
    assertThat(r.status()).isEqualTo(405);
    assertThat(c.services.metrics().requests("ping", "other", 405)).isEqualTo(1);
  }

  @Test
  void aConnectionClosedBeforeTheAnswerIsLoggedNotCounted() {
    c.begin(HttpMethod.POST, "/v2/a/blobs/uploads/?digest=" + Digest.sha256Of("x"));
    c.content(new byte[] {1, 2}, false);
    c.channel.close();

    assertThat(access.lines)
        .singleElement()
        .asString()
        .contains("closed before its answer was complete (status none), in 2 B")
        .endsWith("id abc123-1");
    assertThat(c.services.metrics().render(0, 0)).doesNotContain("route=\"uploads\"");
  }

  @Test
  void routeLabelsAreTheEndpointKinds() {
    assertThat(RequestObserver.routeLabel("/v2/a/b/manifests/v1")).isEqualTo("manifest");
    assertThat(RequestObserver.routeLabel("/v2/a/blobs/uploads/?digest=x")).isEqualTo("uploads");
    assertThat(RequestObserver.routeLabel("/v2/_catalog?n=1")).isEqualTo("catalog");
    assertThat(RequestObserver.routeLabel("/metrics?x=1")).isEqualTo("metrics");
    assertThat(RequestObserver.routeLabel("/readyz")).isEqualTo("readyz");
    assertThat(RequestObserver.routeLabel("/favicon.ico")).isEqualTo("not_found");
    assertThat(RequestObserver.routeLabel("/v2/UPPER/manifests/v1")).isEqualTo("invalid");
  }
}
