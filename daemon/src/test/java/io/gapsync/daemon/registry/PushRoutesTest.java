package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blob uploads and manifest puts through the registry handler on an {@code EmbeddedChannel}. */
class PushRoutesTest {

  @TempDir Path dir;

  private Channels c;
  private final byte[] config = Content.bytes("{\"os\":\"linux\"}");
  private final byte[] layer = Content.blob(9_000, 2);

  @BeforeEach
  void open() {
    c = new Channels(dir);
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void postStartsASessionWithLocationAndUuid() {
    Channels.Reply r = c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null);
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.header("Location")).startsWith("/v2/lib/app/blobs/uploads/");
    assertThat(r.header("Location")).endsWith(r.header("Docker-Upload-UUID"));
    assertThat(r.header("Range")).isEqualTo("0-0");
    assertThat(c.services.sessions().size()).isEqualTo(1);
  }

  @Test
  void monolithicPostStoresTheBlob() {
    Channels.Reply r = c.pushBlob("lib/app", layer);
    Digest d = Digest.sha256Of(layer);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/v2/lib/app/blobs/" + d);
    assertThat(r.header("Docker-Content-Digest")).isEqualTo(d.toString());
    assertThat(c.store.blobSize(d)).contains(9_000L);
  }

  @Test
  void monolithicPostWithWrongDigestIsDigestInvalidAndStoresNothing() {
    Digest wrong = Digest.sha256Of("something else");
    Channels.Reply r = c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/?digest=" + wrong, layer);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("\"code\":\"DIGEST_INVALID\"");
    assertThat(c.store.hasBlob(wrong)).isFalse();
    assertThat(c.store.hasBlob(Digest.sha256Of(layer))).isFalse();
  }

  @Test
  void chunkedUploadStreamsPatchesThenPutCommits() throws Exception {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    c.begin(HttpMethod.PATCH, location, "Content-Range", "0-4999");
    c.content(Arrays.copyOfRange(layer, 0, 2000), false);
    assertThat(c.hasReply()).isFalse();
    c.content(Arrays.copyOfRange(layer, 2000, 5000), true);
    Channels.Reply p1 = c.reply();
    assertThat(p1.status()).isEqualTo(202);
    assertThat(p1.header("Range")).isEqualTo("0-4999");

    Channels.Reply status = c.get(location);
    assertThat(status.status()).isEqualTo(204);
    assertThat(status.header("Range")).isEqualTo("0-4999");

    Digest d = Digest.sha256Of(layer);
    Channels.Reply put =
        c.send(HttpMethod.PUT, location + "?digest=" + d, Arrays.copyOfRange(layer, 5000, 9000));
    assertThat(put.status()).isEqualTo(201);
    assertThat(put.header("Docker-Content-Digest")).isEqualTo(d.toString());
    try (InputStream in = c.store.openBlob(d)) {
      assertThat(in.readAllBytes()).isEqualTo(layer);
    }
    assertThat(c.services.sessions().size()).isZero();
    assertThat(c.get(location).status()).isEqualTo(404);
  }

  @Test
  void outOfOrderChunkAnswers416WithTheCurrentRange() {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    c.send(HttpMethod.PATCH, location, Arrays.copyOfRange(layer, 0, 100), "Content-Range", "0-99");
    Channels.Reply r =
        c.send(
            HttpMethod.PATCH,
            location,
            Arrays.copyOfRange(layer, 200, 300),
            "Content-Range",
            "200-299");
    assertThat(r.status()).isEqualTo(416);
    assertThat(r.text()).contains("BLOB_UPLOAD_INVALID").contains("100 bytes");
    assertThat(c.get(location).header("Range")).isEqualTo("0-99");
  }

  @Test
  void putWithWrongDigestIsDigestInvalidAndEndsTheSession() {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    Channels.Reply r =
        c.send(HttpMethod.PUT, location + "?digest=" + Digest.sha256Of("other"), layer);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
    assertThat(c.services.sessions().size()).isZero();
  }

  @Test
  void putWithoutDigestIsDigestInvalid() {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    Channels.Reply r = c.send(HttpMethod.PUT, location, layer);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
  }

  @Test
  void deleteCancelsTheSession() {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    assertThat(c.send(HttpMethod.DELETE, location, null).status()).isEqualTo(204);
    Channels.Reply r = c.get(location);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void sessionOfAnotherRepositoryIsUnknown() {
    String location =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/", null).header("Location");
    String other = location.replace("/lib/app/", "/lib/other/");
    assertThat(c.get(other).status()).isEqualTo(404);
  }

  @Test
  void mountOfAHeldBlobAnswers201() throws Exception {
    c.store.putBlob(new ByteArrayInputStream(layer), null, -1);
    Digest d = Digest.sha256Of(layer);
    Channels.Reply r =
        c.send(HttpMethod.POST, "/v2/lib/app/blobs/uploads/?mount=" + d + "&from=lib/base", null);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/v2/lib/app/blobs/" + d);
    assertThat(c.services.leases().size()).isEqualTo(1);
  }

  @Test
  void mountOfAnUnknownBlobFallsBackToASession() {
    Channels.Reply r =
        c.send(
            HttpMethod.POST,
            "/v2/lib/app/blobs/uploads/?mount=" + Digest.sha256Of("x") + "&from=lib/base",
            null);
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.header("Docker-Upload-UUID")).isNotBlank();
  }

  @Test
  void manifestPutStoresTagsAndAnswersWithItsDigest() {
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    byte[] m = Content.image(config, layer);
    Channels.Reply r = c.putManifest("lib/app", "v1", m);
    Digest d = Digest.sha256Of(m);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/v2/lib/app/manifests/" + d);
    assertThat(r.header("Docker-Content-Digest")).isEqualTo(d.toString());
    assertThat(r.header("OCI-Subject")).isNull();
    assertThat(c.store.resolveTag("lib/app", "v1")).contains(d);
    assertThat(c.get("/v2/lib/app/manifests/v1").body()).isEqualTo(m);
  }

  @Test
  void manifestPutByDigestDoesNotTag() {
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    byte[] m = Content.image(config, layer);
    Channels.Reply r = c.putManifest("lib/app", Digest.sha256Of(m).toString(), m);
    assertThat(r.status()).isEqualTo(201);
    assertThat(c.store.tags("lib/app")).isEmpty();
    assertThat(c.store.hasManifest(Digest.sha256Of(m))).isTrue();
  }

  @Test
  void manifestPutByAWrongDigestIsDigestInvalid() {
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    Channels.Reply r =
        c.putManifest("lib/app", Digest.sha256Of("x").toString(), Content.image(config, layer));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
  }

  @Test
  void manifestWithAMissingBlobIsManifestBlobUnknown() {
    c.pushBlob("lib/app", config);
    Channels.Reply r = c.putManifest("lib/app", "v1", Content.image(config, layer));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text())
        .contains("\"code\":\"MANIFEST_BLOB_UNKNOWN\"")
        .contains(Digest.sha256Of(layer).toString());
    assertThat(c.store.tags("lib/app")).isEmpty();
  }

  @Test
  void malformedManifestIsManifestInvalid() {
    Channels.Reply r = c.putManifest("lib/app", "v1", Content.bytes("{\"schemaVersion\":1}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("\"code\":\"MANIFEST_INVALID\"");
  }

  @Test
  void manifestWithASubjectAnswersOciSubject() {
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    byte[] image = Content.image(config, layer);
    c.putManifest("lib/app", "v1", image);
    byte[] empty = Content.bytes("{}");
    c.pushBlob("lib/app", empty);
    byte[] sig = Content.artifact("application/vnd.example.sig", empty, image, "signed");
    Channels.Reply r = c.putManifest("lib/app", Digest.sha256Of(sig).toString(), sig);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("OCI-Subject")).isEqualTo(Digest.sha256Of(image).toString());
  }

  @Test
  void manifestOverTheLimitAnswers413SizeInvalid() {
    c.close();
    c =
        new Channels(
            dir.resolve("small"),
            RegistryConfig.defaults()
                .withLimits(
                    100,
                    10,
                    RegistryConfig.UPLOAD_SESSION_TIMEOUT_DEFAULT,
                    RegistryConfig.IDLE_TIMEOUT_DEFAULT));
    Channels.Reply r = c.putManifest("lib/app", "v1", new byte[101]);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.text()).contains("\"code\":\"SIZE_INVALID\"");
  }

  @Test
  void streamedManifestOverTheLimitIsRefusedAsItArrives() {
    c.close();
    c =
        new Channels(
            dir.resolve("small"),
            RegistryConfig.defaults()
                .withLimits(
                    100,
                    10,
                    RegistryConfig.UPLOAD_SESSION_TIMEOUT_DEFAULT,
                    RegistryConfig.IDLE_TIMEOUT_DEFAULT));
    c.begin(HttpMethod.PUT, "/v2/lib/app/manifests/v1", "Content-Type", MediaTypes.OCI_MANIFEST);
    c.content(new byte[60], false);
    c.content(new byte[60], false);
    Channels.Reply r = c.reply();
    assertThat(r.status()).isEqualTo(413);
    c.content(new byte[60], true);
    assertThat(c.hasReply()).isFalse();
    assertThat(c.get("/v2/").status()).isEqualTo(200);
  }
}
