package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ping, manifest and blob reads through the registry handler on an {@code EmbeddedChannel}. */
class PullRoutesTest {

  @TempDir Path dir;

  private Channels c;
  private final byte[] config = Content.bytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
  private final byte[] layer = Content.blob(10_000, 1);
  private final byte[] manifest = Content.image(config, layer);

  @BeforeEach
  void storeImage() throws Exception {
    c = new Channels(dir);
    c.store.putBlob(new ByteArrayInputStream(config), null, -1);
    c.store.putBlob(new ByteArrayInputStream(layer), null, -1);
    c.store.putManifest(manifest, MediaTypes.OCI_MANIFEST);
    c.store.tag("lib/app", "v1", Digest.sha256Of(manifest));
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void pingAnswers200WithTheApiVersion() {
    Channels.Reply r = c.get("/v2/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
  }

  @Test
  void manifestByTagIsServedAsItsExactBytes() {
    Channels.Reply r = c.get("/v2/lib/app/manifests/v1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(manifest);
    assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(r.header("Docker-Content-Digest")).isEqualTo(Digest.sha256Of(manifest).toString());
    assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(manifest.length));
  }

  @Test
  void manifestIsServedWhenAcceptListsItsTypeOrAWildcardOrNoManifestType() {
    String uri = "/v2/lib/app/manifests/v1";
    String docker = MediaTypes.DOCKER_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST_LIST;
    assertThat(c.get(uri, "Accept", docker + ", " + MediaTypes.OCI_MANIFEST).status())
        .isEqualTo(200);
    assertThat(c.get(uri, "Accept", docker + ", */*;q=0.1").status()).isEqualTo(200);
    assertThat(c.get(uri, "Accept", "application/json").status()).isEqualTo(200);
  }

  @Test
  void manifestOfATypeAcceptDoesNotListIsManifestUnknown() {
    Channels.Reply r = c.get("/v2/lib/app/manifests/v1", "Accept", MediaTypes.DOCKER_MANIFEST);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("MANIFEST_UNKNOWN").contains(MediaTypes.OCI_MANIFEST);
  }

  @Test
  void manifestHeadHasTheHeadersButNoBody() {
    Channels.Reply r = c.head("/v2/lib/app/manifests/" + Digest.sha256Of(manifest));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(manifest.length));
    assertThat(r.header("Docker-Content-Digest")).isEqualTo(Digest.sha256Of(manifest).toString());
  }

  @Test
  void manifestByDigestIsServedUnderAnyRepository() {
    Channels.Reply r = c.get("/v2/other/repo/manifests/" + Digest.sha256Of(manifest));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(manifest);
  }

  @Test
  void tagOfAnotherRepositoryIsUnknown() {
    Channels.Reply r = c.get("/v2/other/manifests/v1");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("\"code\":\"MANIFEST_UNKNOWN\"").contains("other");
  }

  @Test
  void unknownDigestIsManifestUnknown() {
    Channels.Reply r = c.get("/v2/lib/app/manifests/" + Digest.sha256Of("nothing"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("MANIFEST_UNKNOWN");
  }

  @Test
  void referenceOutsideTheTagGrammarIsManifestUnknown() {
    // The OCI conformance suite reads ".INVALID_MANIFEST_NAME" and wants 404: no manifest can be
    // stored under such a reference, so it does not exist (spec: "404 Not Found if the manifest
    // does not exist"); GET and HEAD alike.
    for (String ref : new String[] {".INVALID_MANIFEST_NAME", "-bad", "x".repeat(129)}) {
      Channels.Reply get = c.get("/v2/lib/app/manifests/" + ref);
      assertThat(get.status()).as(ref).isEqualTo(404);
      assertThat(get.text())
          .contains("\"code\":\"MANIFEST_UNKNOWN\"")
          .contains("neither a digest nor a tag");
      assertThat(c.head("/v2/lib/app/manifests/" + ref).status()).as(ref).isEqualTo(404);
    }
  }

  @Test
  void malformedDigestIsDigestInvalid() {
    Channels.Reply r = c.get("/v2/lib/app/manifests/sha256:XYZ");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
  }

  @Test
  void nameBreakingTheGrammarIsNameInvalid() {
    Channels.Reply r = c.get("/v2/Lib/App/manifests/v1");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("\"code\":\"NAME_INVALID\"");
  }

  @Test
  void blobIsStreamedWhole() {
    Channels.Reply r = c.get("/v2/lib/app/blobs/" + Digest.sha256Of(layer));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(layer);
    assertThat(r.header("Content-Length")).isEqualTo("10000");
    assertThat(r.header("Docker-Content-Digest")).isEqualTo(Digest.sha256Of(layer).toString());
  }

  @Test
  void blobHeadHasTheLengthButNoBody() {
    Channels.Reply r = c.head("/v2/lib/app/blobs/" + Digest.sha256Of(layer));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.header("Content-Length")).isEqualTo("10000");
  }

  @Test
  void blobRangeAnswers206WithThoseBytes() {
    Channels.Reply r =
        c.get("/v2/lib/app/blobs/" + Digest.sha256Of(layer), "Range", "bytes=4090-5009");
    assertThat(r.status()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(layer, 4090, 5010));
    assertThat(r.header("Content-Range")).isEqualTo("bytes 4090-5009/10000");
    assertThat(r.header("Content-Length")).isEqualTo("920");
  }

  @Test
  void blobSuffixRangeServesTheTail() {
    Channels.Reply r = c.get("/v2/lib/app/blobs/" + Digest.sha256Of(layer), "Range", "bytes=-10");
    assertThat(r.status()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(layer, 9990, 10000));
  }

  @Test
  void blobRangeBeyondTheEndAnswers416() {
    Channels.Reply r =
        c.get("/v2/lib/app/blobs/" + Digest.sha256Of(layer), "Range", "bytes=10000-");
    assertThat(r.status()).isEqualTo(416);
    assertThat(r.header("Content-Range")).isEqualTo("bytes */10000");
  }

  @Test
  void unknownBlobIsBlobUnknown() {
    Channels.Reply r = c.get("/v2/lib/app/blobs/" + Digest.sha256Of("nothing"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("\"code\":\"BLOB_UNKNOWN\"");
  }

  @Test
  void unknownPathAnswers404() {
    assertThat(c.get("/v3/").status()).isEqualTo(404);
  }

  @Test
  void methodAnEndpointLacksAnswers405() {
    Channels.Reply r =
        c.send(io.netty.handler.codec.http.HttpMethod.POST, "/v2/lib/app/tags/list", null);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.text()).contains("UNSUPPORTED");
  }
}
