package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.MediaTypes;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tag listing, catalog and referrers through the registry handler. */
class DiscoveryRoutesTest {

  @TempDir Path dir;

  private Channels c;
  private final byte[] config = Content.bytes("{\"os\":\"linux\"}");
  private final byte[] layer = Content.blob(100, 3);
  private final byte[] image = Content.image(config, layer);
  private final byte[] empty = Content.bytes("{}");

  @BeforeEach
  void pushImage() {
    c = new Channels(dir);
    c.pushBlob("lib/app", config);
    c.pushBlob("lib/app", layer);
    c.pushBlob("lib/app", empty);
    for (String tag : new String[] {"v3", "v1", "v2", "latest"}) {
      c.putManifest("lib/app", tag, image);
    }
    c.putManifest("lib/other", "x", image);
  }

  @AfterEach
  void close() {
    c.close();
  }

  @Test
  void tagsAreListedSorted() {
    Channels.Reply r = c.get("/v2/lib/app/tags/list");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text())
        .isEqualTo("{\"name\":\"lib/app\",\"tags\":[\"latest\",\"v1\",\"v2\",\"v3\"]}");
    assertThat(r.header("Link")).isNull();
  }

  @Test
  void tagsArePagedWithNAndLastAndALinkHeader() {
    Channels.Reply p1 = c.get("/v2/lib/app/tags/list?n=2");
    assertThat(p1.text()).contains("[\"latest\",\"v1\"]");
    assertThat(p1.header("Link")).isEqualTo("</v2/lib/app/tags/list?n=2&last=v1>; rel=\"next\"");
    Channels.Reply p2 = c.get("/v2/lib/app/tags/list?n=2&last=v1");
    assertThat(p2.text()).contains("[\"v2\",\"v3\"]");
    assertThat(p2.header("Link")).isNull();
  }

  @Test
  void zeroTagsAskedGivesAnEmptyList() {
    assertThat(c.get("/v2/lib/app/tags/list?n=0").text()).contains("\"tags\":[]");
  }

  @Test
  void malformedNIsRefused() {
    Channels.Reply r = c.get("/v2/lib/app/tags/list?n=many");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("UNSUPPORTED");
  }

  @Test
  void tagsOfAnUnknownRepositoryAreNameUnknown() {
    Channels.Reply r = c.get("/v2/nothing/here/tags/list");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("\"code\":\"NAME_UNKNOWN\"");
  }

  @Test
  void catalogListsRepositoriesWithPaging() {
    assertThat(c.get("/v2/_catalog").text())
        .isEqualTo("{\"repositories\":[\"lib/app\",\"lib/other\"]}");
    Channels.Reply p1 = c.get("/v2/_catalog?n=1");
    assertThat(p1.text()).contains("[\"lib/app\"]");
    assertThat(p1.header("Link")).isEqualTo("</v2/_catalog?n=1&last=lib%2Fapp>; rel=\"next\"");
    assertThat(c.get("/v2/_catalog?n=1&last=lib/app").text()).contains("[\"lib/other\"]");
  }

  @Test
  void referrersAreAnIndexOfDescriptorsWithArtifactTypeAndAnnotations() {
    byte[] sig = Content.artifact("application/vnd.example.sig", empty, image, "signed");
    byte[] sbom = Content.artifact("application/vnd.example.sbom", empty, image, "sbom");
    c.putManifest("lib/app", Digest.sha256Of(sig).toString(), sig);
    c.putManifest("lib/app", Digest.sha256Of(sbom).toString(), sbom);

    Channels.Reply r = c.get("/v2/lib/app/referrers/" + Digest.sha256Of(image));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(r.header("OCI-Filters-Applied")).isNull();
    assertThat(r.text())
        .startsWith("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\"")
        .contains(
            "{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"digest\":\""
                + Digest.sha256Of(sig)
                + "\",\"size\":"
                + sig.length
                + ",\"artifactType\":\"application/vnd.example.sig\",\"annotations\":{\"note\":\"signed\"}}")
        .contains(Digest.sha256Of(sbom).toString());
  }

  @Test
  void referrersFilteredByArtifactTypeSayWhichFilterApplied() {
    byte[] sig = Content.artifact("application/vnd.example.sig", empty, image, "signed");
    byte[] sbom = Content.artifact("application/vnd.example.sbom", empty, image, "sbom");
    c.putManifest("lib/app", Digest.sha256Of(sig).toString(), sig);
    c.putManifest("lib/app", Digest.sha256Of(sbom).toString(), sbom);

    Channels.Reply r =
        c.get(
            "/v2/lib/app/referrers/"
                + Digest.sha256Of(image)
                + "?artifactType=application/vnd.example.sbom");
    assertThat(r.header("OCI-Filters-Applied")).isEqualTo("artifactType");
    assertThat(r.text())
        .contains(Digest.sha256Of(sbom).toString())
        .doesNotContain(Digest.sha256Of(sig).toString());
  }

  @Test
  void referrersOfAnUnknownSubjectAreAnEmptyIndex() {
    Channels.Reply r = c.get("/v2/lib/app/referrers/" + Digest.sha256Of("none"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).endsWith("\"manifests\":[]}");
  }

  @Test
  void referrersOfAMalformedDigestAreDigestInvalid() {
    Channels.Reply r = c.get("/v2/lib/app/referrers/sha256:nope");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).contains("DIGEST_INVALID");
  }
}
