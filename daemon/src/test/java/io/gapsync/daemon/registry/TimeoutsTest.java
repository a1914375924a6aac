package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Header, request and idle timeouts against slow clients, over real sockets on 127.0.0.1 (raw
 * bytes, so that the client can trickle them) and one {@link EmbeddedChannel} case.
 */
class TimeoutsTest {

  /** Pause between trickled bytes: well under every idle timeout used here. */
  static final long TRICKLE_MILLIS = 40;

  @TempDir Path dir;

  private Store store;
  private Registry registry;

  @AfterEach
  void close() {
    if (registry != null) {
      registry.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private void start(Duration idle, Duration header, Duration request) {
    store = Store.open(dir, Channels.OPTIONS, "site-test");
    registry =
        Registry.start(
            store,
            RegistryConfig.defaults()
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withTimeouts(idle, header, request));
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", registry.address().getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  /**
   * Writes bytes one at a time with a pause, until all are written or the server has answered (then
   * stops, so that the server's close is a FIN, never a reset that could drop its answer).
   */
  private static int trickle(Socket s, byte[] bytes) throws Exception {
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    for (int i = 0; i < bytes.length; i++) {
      if (in.available() > 0) {
        return i;
      }
      out.write(bytes[i]);
      out.flush();
      Thread.sleep(TRICKLE_MILLIS);
    }
    return bytes.length;
  }

  /** Reads until the server closes the connection. */
  private static String readToEnd(Socket s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
        b.write(buf, 0, n);
      }
    } catch (java.net.SocketException e) {
      b.write(ascii("<<" + e.getMessage() + ">>"));
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void clientTricklingItsHeadersGets408AndIsClosed() throws Exception {
    start(Duration.ofSeconds(10), Duration.ofMillis(400), Duration.ofSeconds(10));
    try (Socket s = connect()) {
      long begin = System.nanoTime();
      int sent = trickle(s, ascii("GET /v2/ HTTP/1.1\r\nHost: a\r\nX-Slow: " + "x".repeat(200)));
      String answer = readToEnd(s);
      assertThat(answer)
          .startsWith("HTTP/1.1 408")
          .contains("connection: close")
          .contains("\"code\":\"UNSUPPORTED\"")
          .contains("headers did not arrive within the header timeout");
      assertThat(sent).isLessThan(200);
      assertThat(System.nanoTime() - begin).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void clientTricklingAMonolithicUploadGets408AndNothingIsPublished() throws Exception {
    start(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(600));
    byte[] blob = Content.blob(400, 7);
    Digest digest = Digest.sha256Of(blob);
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ascii(
                  "POST /v2/a/blobs/uploads/?digest="
                      + digest
                      + " HTTP/1.1\r\nHost: a\r\nContent-Length: "
                      + blob.length
                      + "\r\n\r\n"));
      int sent = trickle(s, blob);
      String answer = readToEnd(s);
      assertThat(answer)
          .startsWith("HTTP/1.1 408")
          .contains("body did not arrive within the request timeout");
      assertThat(sent).isLessThan(blob.length);
    }
    assertThat(store.hasBlob(digest)).isFalse();
    assertThat(registry.services().sessions().size()).isZero();
  }

  @Test
  void clientTricklingAPatchIsCutAndTheSessionKeepsOnlyWhatArrived() throws Exception {
    start(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(600));
    String location;
    try (Socket s = connect()) {
      s.getOutputStream().write(ascii("POST /v2/a/blobs/uploads/ HTTP/1.1\r\nHost: a\r\n\r\n"));
      byte[] head = new byte[4096];
      int n = s.getInputStream().read(head);
      String answer = new String(head, 0, n, StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 202");
      location = answer.lines().filter(l -> l.startsWith("location: ")).findFirst().orElseThrow();
      location = location.substring("location: ".length());
    }
    byte[] chunk = Content.blob(400, 8);
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ascii(
                  "PATCH "
                      + location
                      + " HTTP/1.1\r\nHost: a\r\nContent-Range: 0-399\r\nContent-Length: 400"
                      + "\r\n\r\n"));
      int sent = trickle(s, chunk);
      assertThat(readToEnd(s)).startsWith("HTTP/1.1 408");
      assertThat(sent).isLessThan(chunk.length);
    }
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(ascii("GET " + location + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
      String status = readToEnd(s);
      assertThat(status).startsWith("HTTP/1.1 204");
      String range = status.lines().filter(l -> l.startsWith("range: ")).findFirst().orElseThrow();
      long last = Long.parseLong(range.substring(range.indexOf('-') + 1));
      assertThat(last).isLessThan(chunk.length - 1);
    }
    assertThat(store.hasBlob(Digest.sha256Of(chunk))).isFalse();
  }

  @Test
  void idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    start(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(5));
    try (Socket s = connect()) {
      s.getOutputStream().write(ascii("GET /v2/ HTTP/1.1\r\nHost: a\r\n\r\n"));
      byte[] head = new byte[4096];
      int n = s.getInputStream().read(head);
      assertThat(new String(head, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      long begin = System.nanoTime();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      assertThat(System.nanoTime() - begin)
          .isBetween(TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void headerClockStartsAtARequestsFirstByteNotAtTheLastAnswer() throws Exception {
    start(Duration.ofSeconds(10), Duration.ofMillis(300), Duration.ofSeconds(5));
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      byte[] head = new byte[4096];
      out.write(ascii("GET /v2/ HTTP/1.1\r\nHost: a\r\n\r\n"));
      assertThat(new String(head, 0, s.getInputStream().read(head), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 200");
      // A keep-alive connection waiting between requests is only subject to the idle timeout.
      Thread.sleep(700);
      out.write(ascii("GET /v2/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
      assertThat(readToEnd(s)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void headersOverTheLimitOnARealSocketAnswer431AndClose() throws Exception {
    start(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(5));
    try (Socket s = connect()) {
      String big = "x".repeat(RegistryConfig.MAX_HEADER_BYTES_DEFAULT + 10);
      s.getOutputStream()
          .write(ascii("GET /v2/ HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n"));
      assertThat(readToEnd(s)).startsWith("HTTP/1.1 431").contains("\"code\":\"UNSUPPORTED\"");
    }
  }

  @Test
  void requestAlreadyAnsweredIsClosedWithoutASecondAnswer() throws Exception {
    // A manifest PUT whose Content-Length is over the limit is answered 413 before its body; a
    // client that then trickles the body is cut off without a second answer.
    try (Channels c =
        new Channels(
            dir,
            RegistryConfig.defaults()
                .withLimits(10, 4, Duration.ofMinutes(1), Duration.ofMinutes(1))
                .withTimeouts(
                    Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMillis(50)))) {
      EmbeddedChannel ch = new EmbeddedChannel();
      RegistryInitializer.compose(ch.pipeline(), c.services, c.inFlight);
      ch.writeInbound(
          Unpooled.copiedBuffer(
              "PUT /v2/a/manifests/v1 HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc",
              StandardCharsets.US_ASCII));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (ch.isOpen() && System.nanoTime() < deadline) {
        Thread.sleep(20);
        ch.runScheduledPendingTasks();
      }
      StringBuilder out = new StringBuilder();
      for (Object o; (o = ch.readOutbound()) != null; ) {
        out.append(((ByteBuf) o).toString(StandardCharsets.UTF_8));
        ReferenceCountUtil.release(o);
      }
      assertThat(ch.isOpen()).isFalse();
      assertThat(out.toString()).startsWith("HTTP/1.1 413").doesNotContain("HTTP/1.1 408");
      ch.finishAndReleaseAll();
    }
  }
}
