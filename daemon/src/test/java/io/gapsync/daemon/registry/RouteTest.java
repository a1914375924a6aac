package io.gapsync.daemon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Request paths parsed into the spec's endpoints. */
class RouteTest {

  @Test
  void nameMayHaveAComponentCalledBlobs() {
    Route r = Route.parse("/v2/a/blobs/b/blobs/sha256:x");
    assertThat(r.kind()).isEqualTo(Route.Kind.BLOB);
    assertThat(r.name()).isEqualTo("a/blobs/b");
    assertThat(r.ref()).isEqualTo("sha256:x");
  }

  @Test
  void uploadPathsAreNotBlobs() {
    assertThat(Route.parse("/v2/a/blobs/uploads/").kind()).isEqualTo(Route.Kind.UPLOADS);
    assertThat(Route.parse("/v2/a/blobs/uploads").kind()).isEqualTo(Route.Kind.UPLOADS);
    Route r = Route.parse("/v2/a/b/blobs/uploads/1234?digest=sha256:x");
    assertThat(r.kind()).isEqualTo(Route.Kind.UPLOAD);
    assertThat(r.name()).isEqualTo("a/b");
    assertThat(r.ref()).isEqualTo("1234");
    assertThat(r.param("digest")).isEqualTo("sha256:x");
  }

  @Test
  void everyEndpointIsRecognised() {
    assertThat(Route.parse("/v2/").kind()).isEqualTo(Route.Kind.PING);
    assertThat(Route.parse("/v2/_catalog?n=1").kind()).isEqualTo(Route.Kind.CATALOG);
    assertThat(Route.parse("/v2/a/manifests/v1").kind()).isEqualTo(Route.Kind.MANIFEST);
    assertThat(Route.parse("/v2/a/tags/list").kind()).isEqualTo(Route.Kind.TAGS);
    assertThat(Route.parse("/v2/a/referrers/sha256:x").kind()).isEqualTo(Route.Kind.REFERRERS);
    assertThat(Route.parse("/v2/a/other/thing").kind()).isEqualTo(Route.Kind.NOT_FOUND);
    assertThat(Route.parse("/metrics").kind()).isEqualTo(Route.Kind.NOT_FOUND);
  }

  @Test
  void nameBreakingTheGrammarIsRefusedWithNameInvalid() {
    for (String bad : new String[] {"/v2/A/tags/list", "/v2/a//b/tags/list", "/v2/a-/tags/list"}) {
      assertThatThrownBy(() -> Route.parse(bad))
          .as(bad)
          .isInstanceOfSatisfying(
              RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID));
    }
    String tooLong = "a".repeat(256);
    assertThatThrownBy(() -> Route.parse("/v2/" + tooLong + "/tags/list"))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("256 characters");
  }
}
