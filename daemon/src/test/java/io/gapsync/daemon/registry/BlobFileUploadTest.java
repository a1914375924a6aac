package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry uploads of blobs large enough to be kept in files (256 KiB and more): a chunked upload
 * resumed over several PATCH requests lands in one file, and a cancelled or refused upload leaves
 * no file, temporary or published.
 */
class BlobFileUploadTest {

  static final int SIZE = 700 * 1024 + 3;

  @TempDir Path dir;
  private Channels c;
  private final byte[] layer = Content.blob(SIZE, 11);

  @BeforeEach
  void open() {
    c = new Channels(dir);
  }

  @AfterEach
  void close() {
    c.close();
  }

  /** Every regular file under the store's blobs folder. */
  private List<Path> blobFiles() throws IOException {
    try (Stream<Path> s = Files.walk(dir.resolve("blobs"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private String patch(String location, int from, int to) {
    Channels.Reply r =
        c.send(
            HttpMethod.PATCH,
            location,
            Arrays.copyOfRange(layer, from, to),
            "Content-Range",
            from + "-" + (to - 1));
    assertThat(r.status()).isEqualTo(202);
    return r.header("Location");
  }

  @Test
  void uploadResumedOverSeveralPatchesLandsInOneFile() throws IOException {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    location = patch(location, 0, 100 * 1024);
    assertThat(blobFiles()).isEmpty();
    location = patch(location, 100 * 1024, 300 * 1024);
    assertThat(blobFiles())
        .singleElement()
        .satisfies(p -> assertThat(p).hasParent(dir.resolve("blobs/tmp")));
    location = patch(location, 300 * 1024, 600 * 1024);

    Digest d = Digest.sha256Of(layer);
    Channels.Reply put =
        c.send(
            HttpMethod.PUT, location + "?digest=" + d, Arrays.copyOfRange(layer, 600 * 1024, SIZE));

    assertThat(put.status()).isEqualTo(201);
    Path file = dir.resolve("blobs/sha256").resolve(d.hex().substring(0, 2)).resolve(d.hex());
    assertThat(blobFiles()).containsExactly(file);
    assertThat(Files.readAllBytes(file)).isEqualTo(layer);
    assertThat(c.store.openBlobFile(d, 0, SIZE))
        .hasValueSatisfying(
            r -> {
              assertThat(r.count()).isEqualTo(SIZE);
              try {
                r.channel().close();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(c.get("/v2/lib/app/blobs/" + d).body()).isEqualTo(layer);
  }

  @Test
  void cancelledUploadLeavesNoFile() throws IOException {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    location = patch(location, 0, 400 * 1024);
    assertThat(blobFiles()).hasSize(1);

    assertThat(c.send(HttpMethod.DELETE, location, null).status()).isEqualTo(204);

    assertThat(blobFiles()).isEmpty();
  }

  @Test
  void uploadWithTheWrongDigestLeavesNoFile() throws IOException {
    Digest wrong = Digest.sha256Of("other");

    Channels.Reply r = c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/?digest=" + wrong, layer);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
    assertThat(blobFiles()).isEmpty();
    assertThat(c.store.hasBlob(Digest.sha256Of(layer))).isFalse();
  }
}
