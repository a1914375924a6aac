package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How blob GETs send their bodies: blobs the store keeps in files (at or above {@link
 * StoreOptions#FILE_THRESHOLD_BYTES_DEFAULT}) as a {@code FileRegion} (sendfile), in pieces under
 * TLS, chunk-row blobs as content pieces; whole and by range, counted in the metrics.
 */
class BlobBodyTest {

  static final int LARGE = 300 * 1024 + 17;

  @TempDir Path dir;
  private Channels c;

  @BeforeEach
  void open() {
    c = new Channels(dir);
  }

  @AfterEach
  void close() {
    c.close();
  }

  /** Sends a GET and returns every outbound message of the answer (the caller releases them). */
  private List<Object> rawGet(String uri) {
    c.channel.writeInbound(
        new io.netty.handler.codec.http.DefaultFullHttpRequest(
            io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            io.netty.handler.codec.http.HttpMethod.GET,
            uri));
    c.channel.runPendingTasks();
    c.channel.flushOutbound();
    List<Object> out = new ArrayList<>();
    for (Object m; (m = c.channel.readOutbound()) != null; ) {
      out.add(m);
      c.channel.runPendingTasks();
    }
    return out;
  }

  @Test
  void fileBackedBlobGoesAsOneFileRegionAndSmallBlobAsContent() {
    byte[] large = Content.blob(LARGE, 1);
    byte[] small = Content.blob(1000, 2);
    assertThat(c.pushBlob("a", large).status()).isEqualTo(201);
    assertThat(c.pushBlob("a", small).status()).isEqualTo(201);

    List<Object> file = rawGet("/v2/a/blobs/" + Digest.sha256Of(large));
    List<Object> content = rawGet("/v2/a/blobs/" + Digest.sha256Of(small));
    try {
      assertThat(file).hasSize(3);
      assertThat(file.get(0)).isInstanceOf(HttpResponse.class);
      assertThat(file.get(1)).isInstanceOf(FileRegion.class);
      assertThat(((FileRegion) file.get(1)).count()).isEqualTo(LARGE);
      assertThat(file.get(2)).isInstanceOf(LastHttpContent.class);
      assertThat(content).noneMatch(m -> m instanceof FileRegion);
      assertThat(content).anyMatch(m -> m instanceof HttpContent);
    } finally {
      file.forEach(ReferenceCountUtil::release);
      content.forEach(ReferenceCountUtil::release);
    }
  }

  @Test
  void fileBackedBlobIsServedWholeAndByRangeWithTheRightBytes() {
    byte[] large = Content.blob(LARGE, 3);
    String uri = "/v2/a/blobs/" + Digest.sha256Of(large);
    c.pushBlob("a", large);

    Channels.Reply whole = c.get(uri);
    Channels.Reply range = c.get(uri, "Range", "bytes=1000-200999");
    Channels.Reply tail = c.get(uri, "Range", "bytes=-17");
    Channels.Reply head = c.head(uri);

    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo(large);
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.header("Content-Range")).isEqualTo("bytes 1000-200999/" + LARGE);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(large, 1000, 201000));
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(large, LARGE - 17, LARGE));
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(LARGE));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void bytesSentWithSendfileAreCountedInTheMetrics() {
    c.channel.finishAndReleaseAll();
    c.channel = c.observedChannel();
    byte[] large = Content.blob(LARGE, 4);
    c.pushBlob("a", large);

    c.get("/v2/a/blobs/" + Digest.sha256Of(large), "Range", "bytes=0-99999");
    c.get("/v2/a/blobs/" + Digest.sha256Of(large));

    assertThat(c.services.metrics().render(0, 0))
        .contains("gapsync_registry_sent_bytes_total " + (100000 + LARGE) + "\n");
  }

  @Test
  void underTlsAFileBackedBlobGoesInPiecesNotAsAFileRegion() throws Exception {
    byte[] large = Content.blob(LARGE, 5);
    c.pushBlob("a", large);
    // Only the presence of the TLS handler matters to BlobBody; it sits at the tail, out of the
    // way of the plain messages this test reads.
    SSLEngine engine = SSLContext.getDefault().createSSLEngine();
    engine.setUseClientMode(false);
    c.channel.pipeline().addLast(new SslHandler(engine));

    List<Object> out = rawGet("/v2/a/blobs/" + Digest.sha256Of(large));
    try {
      assertThat(out).noneMatch(m -> m instanceof FileRegion);
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      for (Object m : out) {
        if (m instanceof HttpContent h) {
          byte[] b = new byte[h.content().readableBytes()];
          h.content().getBytes(h.content().readerIndex(), b);
          body.writeBytes(b);
        }
      }
      assertThat(body.toByteArray()).isEqualTo(large);
    } finally {
      out.forEach(ReferenceCountUtil::release);
    }
  }

  @Test
  void overARealSocketAFileBackedBlobArrivesWholeAndByRange() throws Exception {
    byte[] large = Content.blob(3 * 1024 * 1024 + 5, 6);
    Digest d = Digest.sha256Of(large);
    try (Store store = Store.open(dir.resolve("socket-store"), Channels.OPTIONS, "site-test")) {
      store.putBlob(new java.io.ByteArrayInputStream(large), d, large.length);
      try (Registry registry =
          Registry.start(
              store, RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)))) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI blob =
            URI.create("http://127.0.0.1:" + registry.address().getPort() + "/v2/a/blobs/" + d);

        byte[] whole =
            http.send(HttpRequest.newBuilder(blob).build(), BodyHandlers.ofByteArray()).body();
        var part =
            http.send(
                HttpRequest.newBuilder(blob).header("Range", "bytes=1048570-2097160").build(),
                BodyHandlers.ofInputStream());

        assertThat(whole).isEqualTo(large);
        assertThat(part.statusCode()).isEqualTo(206);
        try (InputStream in = part.body()) {
          assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(large, 1048570, 2097161));
        }
      }
    }
  }
}
