package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limits and their defined replies: sessions, expiry, headers, malformed requests, idle. */
class LimitsTest {

  @TempDir Path dir;

  private Channels c;

  @AfterEach
  void close() {
    if (c != null) {
      c.close();
    }
  }

  private Channels open(int sessions, Duration sessionTimeout, Duration idle) {
    return new Channels(
        dir,
        RegistryConfig.defaults()
            .withLimits(RegistryConfig.MAX_MANIFEST_BYTES_DEFAULT, sessions, sessionTimeout, idle));
  }

  @Test
  void oneSessionOverTheLimitAnswers429TooManyRequests() {
    c = open(2, Duration.ofMinutes(1), Duration.ofMinutes(1));
    c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null);
    c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null);
    Channels.Reply r = c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null);
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.header("Retry-After")).isEqualTo(Integer.toString(Exchange.RETRY_AFTER_SECONDS));
    assertThat(r.text()).contains("\"code\":\"TOOMANYREQUESTS\"").contains("2 upload sessions");
  }

  @Test
  void abandonedSessionsExpireAfterTheTimeoutAndUsedOnesStay() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    String abandoned = c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null).header("Location");
    c.clock.advance(Duration.ofMinutes(3));
    String used = c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null).header("Location");
    c.clock.advance(Duration.ofMinutes(3));
    assertThat(c.services.sessions().expire()).isEqualTo(1);
    assertThat(c.get(abandoned).status()).isEqualTo(404);
    assertThat(c.get(used).status()).isEqualTo(204);
  }

  @Test
  void aSessionBeingWrittenIsNotExpired() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    String location = c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null).header("Location");
    c.begin(HttpMethod.PATCH, location);
    c.content(new byte[10], false);
    c.clock.advance(Duration.ofMinutes(10));
    assertThat(c.services.sessions().expire()).isZero();
    c.content(new byte[10], true);
    assertThat(c.reply().header("Range")).isEqualTo("0-19");
  }

  @Test
  void pushLeasesAreReleasedWhenTheRepositoryIsIdle() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    c.pushBlob("a", Content.blob(10, 1));
    assertThat(c.services.leases().size()).isEqualTo(1);
    c.clock.advance(Duration.ofMinutes(6));
    assertThat(c.services.leases().expire()).isEqualTo(1);
    assertThat(c.services.leases().size()).isZero();
  }

  @Test
  void connectionLostMidChunkLeavesTheSessionResumableAndNothingInFlight() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    String location = c.send(HttpMethod.POST, "/v2/a/blobs/uploads/", null).header("Location");
    c.begin(HttpMethod.PATCH, location);
    c.content(new byte[10], false);
    assertThat(c.inFlight.get()).isEqualTo(1);
    c.channel.close();
    assertThat(c.inFlight.get()).isZero();
    c.channel.finishAndReleaseAll();
    c.channel = c.newChannel();
    Channels.Reply status = c.get(location);
    assertThat(status.header("Range")).isEqualTo("0-9");
    Channels.Reply resumed =
        c.send(HttpMethod.PATCH, location, new byte[5], "Content-Range", "10-14");
    assertThat(resumed.status()).isEqualTo(202);
    assertThat(resumed.header("Range")).isEqualTo("0-14");
  }

  /** A channel with the whole pipeline, codec included, fed raw bytes. */
  private EmbeddedChannel wire() {
    EmbeddedChannel ch = new EmbeddedChannel();
    RegistryInitializer.compose(ch.pipeline(), c.services, c.inFlight);
    return ch;
  }

  private static String readAll(EmbeddedChannel ch) {
    StringBuilder b = new StringBuilder();
    Object o;
    while ((o = ch.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) o;
      b.append(buf.toString(StandardCharsets.UTF_8));
      ReferenceCountUtil.release(buf);
    }
    return b.toString();
  }

  @Test
  void headersOverTheLimitAnswer431AndClose() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    EmbeddedChannel ch = wire();
    String big = "x".repeat(RegistryConfig.MAX_HEADER_BYTES_DEFAULT + 10);
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET /v2/ HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n",
            StandardCharsets.US_ASCII));
    String out = readAll(ch);
    assertThat(out).startsWith("HTTP/1.1 431").contains("\"code\":\"UNSUPPORTED\"");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void malformedRequestAnswers400AndCloses() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    EmbeddedChannel ch = wire();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET /v2/ HTTP/1.1\r\nHost: a\r\nContent-Length: nope\r\n\r\n",
            StandardCharsets.US_ASCII));
    assertThat(readAll(ch)).startsWith("HTTP/1.1 400");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() {
    c = open(10, Duration.ofMinutes(5), Duration.ofMinutes(1));
    EmbeddedChannel ch = wire();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET /v2/ HTTP/1.1\r\nHost: a\r\n\r\nGET /v2/nope/tags/list HTTP/1.1\r\nHost: a\r\n\r\n",
            StandardCharsets.US_ASCII));
    String out = readAll(ch);
    assertThat(out).startsWith("HTTP/1.1 200").contains("HTTP/1.1 404");
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void idleConnectionIsClosed() throws Exception {
    c = open(10, Duration.ofMinutes(5), Duration.ofMillis(50));
    EmbeddedChannel ch = wire();
    // EmbeddedChannel runs scheduled tasks on demand: wait out the timeout, then run them.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ch.isOpen() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      ch.runScheduledPendingTasks();
    }
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
