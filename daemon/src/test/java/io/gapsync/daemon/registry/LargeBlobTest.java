package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded memory: blobs far larger than the heap CI gives this test (run it with {@code
 * -DargLine.extra=-Xmx64m -Dgroups=slow}) are pushed and pulled through a real socket: 512 MiB
 * monolithic, and issue 3's 2 GiB layer in one streamed PATCH (which asserts a heap of at most 256
 * MiB; the registry runs in the test JVM). Tagged {@code slow}: the daemon module excludes it from
 * the default run; .ci/run's bounded-memory step runs it.
 */
@Tag("slow")
class LargeBlobTest {

  /** 512 MiB: eight times a 64 MiB heap. */
  static final long SIZE_BYTES = 512L * 1024 * 1024;

  @TempDir Path dir;

  /** A deterministic stream of {@code size} bytes that costs no memory. */
  static InputStream generated(long size) {
    return new InputStream() {
      private long pos;

      @Override
      public int read() {
        return pos < size ? (int) ((pos++ * 31) >>> 3) & 0xff : -1;
      }

      @Override
      public long skip(long n) {
        long k = Math.max(0, Math.min(n, size - pos));
        pos += k;
        return k;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - pos);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) ((pos++ * 31) >>> 3);
        }
        return n;
      }
    };
  }

  /** 2 GiB: the layer size of issue 3, past the signed 32-bit range of offsets and lengths. */
  static final long LAYER_SIZE_BYTES = 2L * 1024 * 1024 * 1024;

  /** The most heap the daemon may have for the 2 GiB case (issue 3). */
  static final long HEAP_LIMIT_BYTES = 256L * 1024 * 1024;

  private static Digest digestOf(InputStream in) throws Exception {
    return digestOf(in, SIZE_BYTES);
  }

  private static Digest digestOf(InputStream in, long size) throws Exception {
    MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
      total += n;
    }
    assertThat(total).isEqualTo(size);
    return Digest.fromRaw(DigestAlgorithm.SHA256, md.digest());
  }

  @Test
  void blobLargerThanTheHeapStreamsInAndOut() throws Exception {
    Digest digest = digestOf(generated(SIZE_BYTES));
    try (Store store = Store.open(dir, StoreOptions.defaults().withSyncWrites(false));
        Registry registry =
            Registry.start(
                store,
                RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI base = URI.create("http://127.0.0.1:" + registry.address().getPort());
      HttpResponse<String> put =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/big/blobs/uploads/?digest=" + digest))
                  .POST(HttpRequest.BodyPublishers.ofInputStream(() -> generated(SIZE_BYTES)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

      HttpResponse<InputStream> get =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/big/blobs/" + digest)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(get.statusCode()).isEqualTo(200);
      try (InputStream in = get.body()) {
        assertThat(digestOf(in)).isEqualTo(digest);
      }
    }
  }

  @Test
  void twoGibLayerIsPushedInAPatchAndPulledWholeAndByRangeWithin256MibOfHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory())
        .as("run the slow tests with -DargLine.extra=-Xmx256m or less, as .ci/run does")
        .isLessThanOrEqualTo(HEAP_LIMIT_BYTES);
    Digest digest = digestOf(generated(LAYER_SIZE_BYTES), LAYER_SIZE_BYTES);
    try (Store store = Store.open(dir, StoreOptions.defaults().withSyncWrites(false));
        Registry registry =
            Registry.start(
                store,
                RegistryConfig.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI base = URI.create("http://127.0.0.1:" + registry.address().getPort());
      HttpResponse<String> session =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/big/blobs/uploads/"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(session.statusCode()).isEqualTo(202);
      URI location = base.resolve(session.headers().firstValue("Location").orElseThrow());

      // One streamed PATCH (chunked transfer encoding, no Content-Range), as docker and
      // containerd push a layer.
      HttpResponse<String> patch =
          http.send(
              HttpRequest.newBuilder(location)
                  .method(
                      "PATCH",
                      HttpRequest.BodyPublishers.ofInputStream(() -> generated(LAYER_SIZE_BYTES)))
                  .header("Content-Type", "application/octet-stream")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(patch.statusCode()).as(patch.body()).isEqualTo(202);
      assertThat(patch.headers().firstValue("Range")).contains("0-" + (LAYER_SIZE_BYTES - 1));
      String sep = location.getQuery() == null ? "?" : "&";
      HttpResponse<String> put =
          http.send(
              HttpRequest.newBuilder(URI.create(location + sep + "digest=" + digest))
                  .PUT(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

      HttpResponse<InputStream> get =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/big/blobs/" + digest)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(LAYER_SIZE_BYTES);
      try (InputStream in = get.body()) {
        assertThat(digestOf(in, LAYER_SIZE_BYTES)).isEqualTo(digest);
      }

      // The last MiB, at offsets past 2^31: compared with the generator's bytes there.
      long from = LAYER_SIZE_BYTES - 1024 * 1024;
      HttpResponse<byte[]> tail =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/big/blobs/" + digest))
                  .header("Range", "bytes=" + from + "-")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(tail.statusCode()).isEqualTo(206);
      InputStream expected = generated(LAYER_SIZE_BYTES);
      assertThat(expected.skip(from)).isEqualTo(from);
      assertThat(tail.body()).isEqualTo(expected.readAllBytes());
    }
  }
}
