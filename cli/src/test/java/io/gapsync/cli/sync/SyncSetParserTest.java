package io.gapsync.cli.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Platform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncSetParserTest {

  private static final String HEAD = "apiVersion: gapsync.io/v1alpha1\nkind: SyncSet\n";

  private static SyncSet parse(String yaml) {
    return SyncSetParser.parse(
        yaml.getBytes(StandardCharsets.UTF_8), "sync.yaml", Path.of("/etc/gapsync"));
  }

  private static SyncSetException error(String yaml) {
    try {
      parse(yaml);
    } catch (SyncSetException e) {
      return e;
    }
    throw new AssertionError("expected a SyncSetException for:\n" + yaml);
  }

  @Test
  void parsesEveryKindOfEntryWithDefaultsFromSpec() {
    SyncSet s =
        parse(
            HEAD
                + "metadata: {name: base}\n"
                + "spec:\n"
                + "  platforms: [linux/amd64, linux/arm64/v8]\n"
                + "  referrers: true\n"
                + "  registries:\n"
                + "    - {prefix: docker.io, mirror: 'mirror.lab:5000/hub'}\n"
                + "  images:\n"
                + "    - ref: docker://quay.io/org/app\n"
                + "      tags: {regex: '^1\\.', semver: '>=1.2 <2', newest: 3}\n"
                + "      as: mirror/app\n"
                + "    - ref: docker://busybox:1.36\n"
                + "      platforms: all\n"
                + "      referrers: false\n"
                + "  charts:\n"
                + "    - ref: oci://ghcr.io/org/charts/web\n"
                + "      tags: {semver: '^15'}\n"
                + "  files:\n"
                + "    - {path: files/a.bin, as: 'files/a:1'}\n"
                + "    - url: https://example.org/x/tool.tar.gz\n"
                + "      sha256: "
                + "0".repeat(64)
                + "\n");

    assertThat(s.name()).isEqualTo("base");
    assertThat(s.images()).hasSize(3);
    SyncSet.ImageEntry app = s.images().get(0);
    assertThat(app.ref().toString()).isEqualTo("docker://quay.io/org/app");
    assertThat(app.targetRepository()).isEqualTo("mirror/app");
    assertThat(app.platforms())
        .containsExactly(Platform.parse("linux/amd64"), Platform.parse("linux/arm64/v8"));
    assertThat(app.referrers()).isTrue();
    assertThat(app.tags().apply(List.of("1.1.0", "1.2.0", "1.3.1", "1.4", "1.5.0", "2.0.0", "x")))
        .containsExactly("1.3.1", "1.4", "1.5.0");
    SyncSet.ImageEntry busybox = s.images().get(1);
    assertThat(busybox.ref().toString()).isEqualTo("docker://docker.io/library/busybox:1.36");
    assertThat(busybox.platforms()).isEmpty();
    assertThat(busybox.referrers()).isFalse();
    assertThat(s.images().get(2).chart()).isTrue();
    assertThat(s.images().get(2).ref().host()).isEqualTo("ghcr.io");
    assertThat(s.files().get(0).path()).isEqualTo(Path.of("/etc/gapsync/files/a.bin"));
    assertThat(s.files().get(1).target().toString()).isEqualTo("file/tool-tar-gz:latest");
    assertThat(s.rewrites()).hasSize(1);
    assertThat(s.rewrites().get(0).to()).isEqualTo("mirror.lab:5000/hub");
  }

  @Test
  void unknownFieldNamesLineFieldAndTheKnownOnes() {
    SyncSetException e =
        error(
            HEAD
                + "spec:\n  images:\n    - ref: docker://a.io/b:1\n      platfroms: [linux/amd64]\n");

    assertThat(e.line()).isEqualTo(6);
    assertThat(e.field()).isEqualTo("spec.images[0].platfroms");
    assertThat(e.getMessage())
        .startsWith("Tried to read sync set sync.yaml:6 but spec.images[0].platfroms")
        .contains("is not a known field")
        .contains("platforms");
  }

  @Test
  void wrongApiVersionAndKindAreRefused() {
    assertThat(error("apiVersion: v2\nkind: SyncSet\nspec: {}\n").getMessage())
        .contains("sync.yaml:1 but apiVersion is 'v2'")
        .contains("gapsync.io/v1alpha1");
    assertThat(error("apiVersion: gapsync.io/v1alpha1\nkind: Pod\nspec: {}\n").getMessage())
        .contains("sync.yaml:2 but kind is 'Pod'");
    assertThat(error("kind: SyncSet\n").getMessage()).contains("apiVersion is missing");
  }

  @Test
  void badTagFiltersNameTheirLine() {
    String base = HEAD + "spec:\n  images:\n    - ref: docker://a.io/b\n";
    assertThat(error(base + "      tags: {regex: '(['}\n"))
        .satisfies(e -> assertThat(e.field()).isEqualTo("spec.images[0].tags.regex"))
        .hasMessageContaining(":6 ")
        .hasMessageContaining("not a valid regular expression");
    assertThat(error(base + "      tags:\n        newest: three\n"))
        .satisfies(e -> assertThat(e.line()).isEqualTo(7))
        .hasMessageContaining(
            "spec.images[0].tags.newest must be a whole number from 1 to 10000, got 'three'");
    assertThat(error(base + "      tags: {semver: '>=1.x.y'}\n"))
        .hasMessageContaining("spec.images[0].tags.semver has the term '>=1.x.y'");
    assertThat(error(base).getMessage())
        .contains("spec.images[0].ref names a whole repository")
        .contains("regex: '.*'");
    assertThat(
            error(
                    HEAD
                        + "spec:\n  images:\n    - ref: docker://a.io/b:1\n      tags: {newest: 2}\n")
                .getMessage())
        .contains("spec.images[0].tags cannot be used with a ref that names a tag");
  }

  @Test
  void badPlatformsReferencesAndFilesAreExplained() {
    assertThat(
            error(HEAD + "spec:\n  platforms: [linux]\n  images: [{ref: 'docker://a.io/b:1'}]\n")
                .getMessage())
        .contains(":4 but spec.platforms[0] is the invalid platform 'linux'");
    assertThat(error(HEAD + "spec:\n  images:\n    - ref: quay.io/x:1\n").getMessage())
        .contains("spec.images[0].ref is 'quay.io/x:1': expected docker://");
    assertThat(error(HEAD + "spec:\n  images:\n    - ref: docker://a.io/B:1\n").getMessage())
        .contains("spec.images[0].ref is not usable")
        .contains("lowercase");
    assertThat(
            error(
                    HEAD
                        + "spec:\n  images:\n    - ref: docker://a.io/b@sha256:"
                        + "a".repeat(64)
                        + "\n")
                .getMessage())
        .contains("has a digest but no tag: add as: REPO:TAG");
    assertThat(
            error(HEAD + "spec:\n  files:\n    - {url: 'https://x.io/f', path: /f}\n").getMessage())
        .contains("spec.files[0] must have exactly one of url and path");
    assertThat(error(HEAD + "spec:\n  files:\n    - url: ftp://x.io/f\n").getMessage())
        .contains("spec.files[0].url must be an http:// or https:// URL");
    assertThat(error(HEAD + "spec:\n  files:\n    - {path: /f, sha256: xyz}\n").getMessage())
        .contains("spec.files[0].sha256 must be 64 lowercase hex digits");
    assertThat(error(HEAD + "spec:\n  referrers: yes please\n  images: []\n").getMessage())
        .contains("spec.referrers must be true or false, got 'yes please'");
  }

  @Test
  void malformedYamlAndDuplicateKeysGiveTheLine() {
    SyncSetException bad = error(HEAD + "spec:\n  images:\n    - ref: [unclosed\n");
    assertThat(bad.getMessage()).contains("is not valid YAML");
    assertThat(bad.line()).isGreaterThanOrEqualTo(5);
    SyncSetException dup = error(HEAD + "spec:\n  images: []\n  images: []\n");
    assertThat(dup.line()).isEqualTo(5);
    assertThat(dup.getMessage()).contains("spec.images appears twice");
    assertThat(error(HEAD + "spec: {}\n").getMessage()).contains("spec lists nothing");
  }
}
