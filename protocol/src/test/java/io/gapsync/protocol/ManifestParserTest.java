package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestParserTest {

  private static final String A = "sha256:" + "a".repeat(64);
  private static final String B = "sha256:" + "b".repeat(64);
  private static final String C = "sha256:" + "c".repeat(64);

  private static final String OCI_IMAGE =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "%s", "size": 7},
        "layers": [
          {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 100},
          {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": "%s", "size": 200,
           "annotations": {"org.opencontainers.image.title": "layer.tar"}}
        ]
      }
      """
          .formatted(A, B, C);

  private static final String OCI_INDEX =
      """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
          {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 500,
           "platform": {"os": "linux", "architecture": "amd64"}},
          {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 501,
           "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
      }
      """
          .formatted(A, B);

  @Test
  void parseReadsOciImageManifest() {
    byte[] bytes = utf8(OCI_IMAGE);

    Manifest m = ManifestParser.parse(bytes, MediaTypes.OCI_MANIFEST, "manifest x");

    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(m.isIndex()).isFalse();
    assertThat(m.digest()).isEqualTo(Digest.sha256Of(bytes));
    assertThat(m.size()).isEqualTo(bytes.length);
    assertThat(m.config()).isEqualTo(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(A), 7));
    assertThat(m.layers())
        .extracting(Descriptor::digest)
        .containsExactly(Digest.parse(B), Digest.parse(C));
    assertThat(m.layers().get(1).annotations())
        .containsEntry("org.opencontainers.image.title", "layer.tar");
    assertThat(m.blobReferences()).hasSize(3);
    assertThat(m.artifactType()).isNull();
    assertThat(m.subject()).isNull();
  }

  @Test
  void parseKeepsTheExactBytes() {
    byte[] bytes = utf8(OCI_IMAGE);

    assertThat(ManifestParser.parse(bytes, null, "manifest x").bytes()).isSameAs(bytes);
  }

  @Test
  void parseReadsOciIndexWithPlatforms() {
    Manifest m = ManifestParser.parse(utf8(OCI_INDEX), null, "index x");

    assertThat(m.isIndex()).isTrue();
    assertThat(m.config()).isNull();
    assertThat(m.blobReferences()).isEmpty();
    assertThat(m.manifests())
        .extracting(Descriptor::platform)
        .containsExactly(Platform.parse("linux/amd64"), Platform.parse("linux/arm64/v8"));
  }

  @Test
  void parseReadsDockerSchema2Manifest() {
    String doc =
        """
        {"schemaVersion": 2,
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                    "digest": "%s", "size": 1469},
         "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "digest": "%s", "size": 2479}]}
        """
            .formatted(A, B);

    Manifest m = ManifestParser.parse(utf8(doc), MediaTypes.DOCKER_MANIFEST, "docker manifest");

    assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(m.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
    assertThat(m.artifactType()).isNull();
  }

  @Test
  void parseReadsDockerManifestList() {
    String doc =
        """
        {"schemaVersion": 2,
         "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
         "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                        "digest": "%s", "size": 528,
                        "platform": {"architecture": "amd64", "os": "linux"}}]}
        """
            .formatted(A);

    Manifest m = ManifestParser.parse(utf8(doc), null, "docker list");

    assertThat(m.isIndex()).isTrue();
    assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    assertThat(m.manifests()).hasSize(1);
  }

  @Test
  void parseReadsOci11ArtifactWithSubjectAndArtifactType() {
    String doc =
        """
        {"schemaVersion": 2,
         "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "artifactType": "application/vnd.example.sbom.v1",
         "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "%s", "size": 2},
         "layers": [{"mediaType": "application/spdx+json", "digest": "%s", "size": 1234}],
         "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "digest": "%s", "size": 7682}}
        """
            .formatted(A, B, C);

    Manifest m = ManifestParser.parse(utf8(doc), null, "artifact");

    assertThat(m.artifactType()).isEqualTo("application/vnd.example.sbom.v1");
    assertThat(m.subject().digest()).isEqualTo(Digest.parse(C));
    assertThat(m.descriptor().artifactType()).isEqualTo("application/vnd.example.sbom.v1");
  }

  @Test
  void parseTypesAnArtifactWithoutArtifactTypeByItsConfigMediaType() {
    String doc =
        """
        {"schemaVersion": 2,
         "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json",
                    "digest": "%s", "size": 10},
         "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                     "digest": "%s", "size": 3000}]}
        """
            .formatted(A, B);

    Manifest m = ManifestParser.parse(utf8(doc), null, "helm chart");

    assertThat(m.artifactType()).isEqualTo("application/vnd.cncf.helm.config.v1+json");
  }

  @Test
  void parseInfersOciManifestWhenMediaTypeIsAbsent() {
    String doc =
        OCI_IMAGE.replace("\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",", "");

    assertThat(ManifestParser.parse(utf8(doc), null, "m").mediaType())
        .isEqualTo(MediaTypes.OCI_MANIFEST);
  }

  @Test
  void parseRejectsDuplicateKeys() {
    String doc =
        OCI_IMAGE.replace("\"schemaVersion\": 2,", "\"schemaVersion\": 2, \"schemaVersion\": 2,");

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.JSON_INVALID)
        .hasMessageStartingWith("Tried to read manifest x but it is not valid JSON:")
        .hasMessageContaining("Duplicate field 'schemaVersion'");
  }

  @Test
  void parseRejectsNestingDeeperThan64() {
    String deep = "[".repeat(70) + "]".repeat(70);
    String doc =
        OCI_IMAGE.replace("\"schemaVersion\": 2,", "\"schemaVersion\": 2, \"x\": " + deep + ",");

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.JSON_INVALID)
        .hasMessageStartingWith("Tried to read manifest x but it exceeds a JSON limit:")
        .hasMessageContaining("64");
  }

  @Test
  void parseRejectsDocumentsOver4MiB() {
    byte[] bytes = new byte[ManifestParser.MAX_MANIFEST_BYTES + 1];
    Arrays.fill(bytes, (byte) ' ');

    assertThatThrownBy(() -> ManifestParser.parse(bytes, null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.JSON_INVALID)
        .hasMessage(
            "Tried to read manifest x but it is 4194305 bytes, over the limit of 4194304 bytes");
  }

  @Test
  void parseRejectsTrailingContent() {
    assertThatThrownBy(() -> ManifestParser.parse(utf8(OCI_IMAGE + "{}"), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.JSON_INVALID)
        .hasMessageStartingWith("Tried to read manifest x but it is not valid JSON:");
  }

  @Test
  void parseRejectsEmptyDocument() {
    assertThatThrownBy(() -> ManifestParser.parse(new byte[0], null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.JSON_INVALID)
        .hasMessage("Tried to read manifest x but it is empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "\"2\"", "3"})
  void parseRejectsSchemaVersionOtherThan2(String version) {
    String doc = OCI_IMAGE.replace("\"schemaVersion\": 2", "\"schemaVersion\": " + version);

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage(
            "Tried to read manifest x but schemaVersion must be 2 (schema 1 manifests are not"
                + " supported)");
  }

  @Test
  void parseRejectsMediaTypeThatDiffersFromTheDeclaredOne() {
    assertThatThrownBy(
            () -> ManifestParser.parse(utf8(OCI_IMAGE), MediaTypes.DOCKER_MANIFEST, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage(
            "Tried to read manifest x but its mediaType '"
                + MediaTypes.OCI_MANIFEST
                + "' differs from the declared '"
                + MediaTypes.DOCKER_MANIFEST
                + "'");
  }

  @Test
  void parseRejectsUnknownMediaType() {
    String doc = OCI_IMAGE.replace(MediaTypes.OCI_MANIFEST, "application/vnd.example+json");

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MEDIA_TYPE_UNSUPPORTED)
        .hasMessage(
            "Tried to read manifest x but its media type 'application/vnd.example+json' is not"
                + " an OCI or Docker schema 2 manifest or index");
  }

  @Test
  void parseRejectsBadDigestNamingTheDescriptor() {
    String doc = OCI_IMAGE.replace(B, "sha256:" + "B".repeat(64));

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessageStartingWith("Tried to read manifest x layers[0] but Invalid sha256 digest");
  }

  @Test
  void parseRejectsNegativeSize() {
    String doc = OCI_IMAGE.replace("\"size\": 100", "\"size\": -1");

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage(
            "Tried to read manifest x layers[0] but the descriptor's size must be a non-negative"
                + " integer");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"manifest\"", "42", "null"})
  void parseRejectsNonObjectDocuments(String doc) {
    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage("Tried to read manifest x but the top level is not a JSON object");
  }

  @Test
  void parseRejectsIndexWithLayers() {
    String doc =
        OCI_INDEX.replace("\"schemaVersion\": 2,", "\"schemaVersion\": 2, \"layers\": [],");

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "index x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage("Tried to read index x but an index must not have config or layers");
  }

  @Test
  void parseRejectsImageManifestWithoutConfig() {
    String doc =
        """
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "layers": []}
        """;

    assertThatThrownBy(() -> ManifestParser.parse(utf8(doc), null, "manifest x"))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.MANIFEST_INVALID)
        .hasMessage("Tried to read manifest x but it has no config descriptor");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
