package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {

  private static final String DIGEST =
      "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  @Test
  void parseReadsRepositoryAndTag() {
    Reference r = Reference.parse("library/nginx:1.27");

    assertThat(r).isEqualTo(new Reference("library/nginx", "1.27", null));
  }

  @Test
  void parseReadsRepositoryAndDigest() {
    Reference r = Reference.parse("library/nginx@" + DIGEST);

    assertThat(r.repository()).isEqualTo("library/nginx");
    assertThat(r.tag()).isNull();
    assertThat(r.digest()).isEqualTo(Digest.parse(DIGEST));
  }

  @Test
  void parseReadsTagAndDigestTogether() {
    Reference r = Reference.parse("nginx:1.27@" + DIGEST);

    assertThat(r).isEqualTo(new Reference("nginx", "1.27", Digest.parse(DIGEST)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nginx:latest",
        "a:b",
        "a/b/c/d:e",
        "my.registry.local/team_a/app__x/svc---y:v1.2.3-rc_1",
        "a0/b1:_tag",
        "x:A.Z-9_",
      })
  void toStringGivesBackTheCanonicalInput(String input) {
    assertThat(Reference.parse(input).toString()).isEqualTo(input);
  }

  @Test
  void toStringWritesTagBeforeDigest() {
    assertThat(new Reference("a/b", "t", Digest.parse(DIGEST)).toString())
        .isEqualTo("a/b:t@" + DIGEST);
  }

  @Test
  void parseSplitsTheTagAtTheLastColonAfterTheLastSlash() {
    assertThatThrownBy(() -> Reference.parse("repo:1/sub:2"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("the repository 'repo:1/sub' does not match");
  }

  @Test
  void parseRejectsABareRepository() {
    assertThatThrownBy(() -> Reference.parse("library/nginx"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessage(
            "Tried to parse image reference 'library/nginx' but failed because it has neither a"
                + " tag nor a digest: write REPO:TAG or REPO@DIGEST");
  }

  @Test
  void parseRejectsAHostWithAPortExplainingThatRepositoriesAreLocal() {
    assertThatThrownBy(() -> Reference.parse("registry.local:5000/nginx:1.27"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessage(
            "Tried to parse image reference 'registry.local:5000/nginx:1.27' but failed because"
                + " the repository 'registry.local:5000/nginx' does not match "
                + Reference.REPOSITORY_GRAMMAR
                + ": gapsync repositories are local names without a registry host or port");
  }

  @Test
  void parseRejectsAHostWithAPortEvenWithoutTag() {
    assertThatThrownBy(() -> Reference.parse("registry.local:5000/nginx"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("without a registry host or port");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Library/nginx:1",
        "-nginx:1",
        "nginx-:1",
        "nginx..x:1",
        "nginx___x:1",
        "nginx._x:1",
        "/nginx:1",
        "nginx/:1",
        "a//b:1",
        "ngi nx:1",
        ":1",
      })
  void parseRejectsRepositoriesOutsideTheGrammar(String input) {
    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageStartingWith("Tried to parse image reference '" + input + "' but failed")
        .hasMessageContaining(Reference.REPOSITORY_GRAMMAR);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nginx:.hidden", "nginx:-dash", "nginx:a+b", "nginx:a/b@" + DIGEST})
  void parseRejectsTagsOutsideTheGrammar(String input) {
    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageStartingWith("Tried to parse image reference '" + input + "' but failed");
  }

  @Test
  void parseAcceptsA128CharacterTagAndRejects129() {
    assertThat(Reference.parse("n:" + "t".repeat(128)).tag()).hasSize(128);

    assertThatThrownBy(() -> Reference.parse("n:" + "t".repeat(129)))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("does not match " + Reference.TAG_GRAMMAR);
  }

  @Test
  void parseRejectsAnEmptyTag() {
    assertThatThrownBy(() -> Reference.parse("nginx:"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessage(
            "Tried to parse image reference 'nginx:' but failed because the tag after ':' is"
                + " empty");
  }

  @Test
  void parseRejectsABadDigestWithTheDigestReason() {
    assertThatThrownBy(() -> Reference.parse("nginx@sha256:abc"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessage(
            "Tried to parse image reference 'nginx@sha256:abc' but failed because Invalid sha256"
                + " digest 'abc': expected 64 lowercase hex characters");
  }

  @Test
  void parseRejectsTwoDigests() {
    assertThatThrownBy(() -> Reference.parse("nginx@" + DIGEST + "@" + DIGEST))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID);
  }

  @Test
  void parseRejectsEmptyAndNull() {
    assertThatThrownBy(() -> Reference.parse(""))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessage("Tried to parse image reference '' but failed because it is empty");
    assertThatThrownBy(() -> Reference.parse(null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID);
  }

  @Test
  void parseRejectsOverlongInputBeforeMatching() {
    String input = "a".repeat(10_000) + ":t";

    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("it is 10002 characters long");
  }

  @Test
  void parseRepositoryAcceptsNamesUpTo255Characters() {
    String name = "a".repeat(100) + "/" + "b".repeat(154);

    assertThat(Reference.parseRepository(name)).isEqualTo(name);
  }

  @Test
  void parseRepositoryRejects256Characters() {
    String name = "a".repeat(256);

    assertThatThrownBy(() -> Reference.parseRepository(name))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageEndingWith(
            "but failed because the repository name is 256 characters long, over 255");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "nginx:1", "nginx@" + DIGEST, "UPPER"})
  void parseRepositoryRejectsAnythingButAName(String input) {
    assertThatThrownBy(() -> Reference.parseRepository(input))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID);
  }

  @Test
  void constructorRejectsMissingTagAndDigest() {
    assertThatThrownBy(() -> new Reference("nginx", null, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("it has neither a tag nor a digest");
  }

  @Test
  void constructorRejectsMissingRepository() {
    assertThatThrownBy(() -> new Reference(null, "t", null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.REFERENCE_INVALID)
        .hasMessageContaining("it has no repository");
  }
}
