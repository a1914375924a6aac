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
 * Bounded memory: a blob far larger than the heap CI gives this test (run it with {@code
 * -DargLine.extra=-Xmx64m -Dgroups=slow}) is pushed and pulled through a real socket. Tagged {@code
 * slow}: excluded from the default run by nothing, but meant for the bounded-memory step.
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

  private static Digest digestOf(InputStream in) throws Exception {
    MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
      total += n;
    }
    assertThat(total).isEqualTo(SIZE_BYTES);
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
}
