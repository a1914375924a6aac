package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletes, and the read-only mode that refuses every write. */
class ManagementRoutesTest {

  @TempDir Path dir;

  private Channels c;
  private final byte[] config = Content.bytes("{\"os\":\"linux\"}");
  private final byte[] layer = Content.blob(100, 4);
  private final byte[] image = Content.image(config, layer);

  @BeforeEach
  void pushImage() {
    c = new Channels(dir);
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    c.putManifest("lib/app", "v1", image);
    c.putManifest("lib/app", "v2", image);
    c.putManifest("lib/other", "v1", image);
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void deleteByTagRemovesOnlyThatTag() {
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/v1", null).status()).isEqualTo(202);
    assertThat(c.get("/v2/lib/app/manifests/v1").status()).isEqualTo(404);
    assertThat(c.get("/v2/lib/app/manifests/v2").status()).isEqualTo(200);
  }

  @Test
  void deleteByDigestRemovesTheRepositorysTagsPointingAtIt() {
    Channels.Reply r =
        c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/" + Digest.sha256Of(image), null);
    assertThat(r.status()).isEqualTo(202);
    assertThat(c.store.tags("lib/app")).isEmpty();
    assertThat(c.store.resolveTag("lib/other", "v1")).contains(Digest.sha256Of(image));
  }

  @Test
  void deletingTheLastTagKeepsTheRepositoryFoundWithAnEmptyTagList() {
    // The conformance suite's content-management workflow: delete the only tag, then the tag list
    // must answer 200 with fewer tags (spec "Listing Tags": the list MAY be empty).
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/other/manifests/v1", null).status())
        .isEqualTo(202);
    Channels.Reply byTag = c.get("/v2/lib/other/tags/list");
    assertThat(byTag.status()).isEqualTo(200);
    assertThat(byTag.text()).isEqualTo("{\"name\":\"lib/other\",\"tags\":[]}");

    Digest m = Digest.sha256Of(image);
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/" + m, null).status())
        .isEqualTo(202);
    Channels.Reply byDigest = c.get("/v2/lib/app/tags/list");
    assertThat(byDigest.status()).isEqualTo(200);
    assertThat(byDigest.text()).isEqualTo("{\"name\":\"lib/app\",\"tags\":[]}");
    assertThat(c.store.meta(EmptiedRepositories.KEY_PREFIX + "lib/app")).isPresent();
  }

  @Test
  void deletingOneOfSeveralTagsLeavesNoMarkAndANeverTaggedRepositoryStaysUnknown() {
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/v1", null).status()).isEqualTo(202);
    assertThat(c.store.meta(EmptiedRepositories.KEY_PREFIX + "lib/app")).isEmpty();
    assertThat(c.get("/v2/lib/app/tags/list").text()).contains("[\"v2\"]");
    Channels.Reply never = c.get("/v2/lib/never/tags/list");
    assertThat(never.status()).isEqualTo(404);
    assertThat(never.text()).contains("\"code\":\"NAME_UNKNOWN\"");
  }

  @Test
  void deleteOfAnUnknownTagIsManifestUnknown() {
    Channels.Reply r = c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/v9", null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("MANIFEST_UNKNOWN");
  }

  @Test
  void deleteOfABlobAManifestUsesIsRefusedAsDisabledWith405() {
    // The conformance suite with OCI_DELETE_MANIFEST_BEFORE_BLOBS=0 deletes blobs first and takes
    // 2xx, 404 or 405 (spec: a disabled blob delete is 400 or 405), not 403.
    Channels.Reply r =
        c.send(HttpMethod.DELETE, "/v2/lib/app/blobs/" + Digest.sha256Of(layer), null);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.text())
        .contains("\"code\":\"UNSUPPORTED\"")
        .contains("still uses it: delete those manifests first");
    assertThat(c.store.hasBlob(Digest.sha256Of(layer))).isTrue();
  }

  @Test
  void deleteOfAnUnknownBlobIsBlobUnknown() {
    Channels.Reply r =
        c.send(HttpMethod.DELETE, "/v2/lib/app/blobs/" + Digest.sha256Of("none"), null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("BLOB_UNKNOWN");
  }

  @Test
  void manifestDeletedByDigestEverywhereIsGoneThenItsBlobsCanBeDeleted() {
    Digest m = Digest.sha256Of(image);
    // Pushed moments ago, so the push lease pins it: the delete must release that pin.
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/other/manifests/" + m, null).status())
        .isEqualTo(202);
    assertThat(c.store.hasManifest(m)).as("lib/app's tags still reach it").isTrue();
    assertThat(c.send(HttpMethod.DELETE, "/v2/lib/app/manifests/" + m, null).status())
        .isEqualTo(202);
    assertThat(c.get("/v2/lib/app/manifests/" + m).status()).isEqualTo(404);

    for (byte[] blob : new byte[][] {config, layer}) {
      String path = "/v2/lib/app/blobs/" + Digest.sha256Of(blob);
      assertThat(c.send(HttpMethod.DELETE, path, null).status()).isEqualTo(202);
      assertThat(c.get(path).status()).isEqualTo(404);
    }
  }

  @Test
  void readOnlyRefusesEveryWriteWith405AndChangesNothing() {
    c.close();
    Path ro = dir.resolve("ro");
    c = new Channels(ro, RegistryConfig.defaults().withReadOnly(true));
    String[][] writes = {
      {"POST", "/v2/lib/app/blobs/uploads/"},
      {"POST", "/v2/lib/app/blobs/uploads/?digest=" + Digest.sha256Of(layer)},
      {"PATCH", "/v2/lib/app/blobs/uploads/abc"},
      {"PUT", "/v2/lib/app/blobs/uploads/abc?digest=" + Digest.sha256Of(layer)},
      {"DELETE", "/v2/lib/app/blobs/uploads/abc"},
      {"PUT", "/v2/lib/app/manifests/v1"},
      {"DELETE", "/v2/lib/app/manifests/v1"},
      {"DELETE", "/v2/lib/app/blobs/" + Digest.sha256Of(layer)},
    };
    for (String[] w : writes) {
      Channels.Reply r = c.send(HttpMethod.valueOf(w[0]), w[1], layer);
      assertThat(r.status()).as(w[0] + " " + w[1]).isEqualTo(405);
      assertThat(r.text()).contains("\"code\":\"UNSUPPORTED\"").contains("read-only");
    }
    assertThat(c.store.stats().blobs()).isZero();
    assertThat(c.services.sessions().size()).isZero();
    assertThat(c.get("/v2/").status()).isEqualTo(200);
  }
}
