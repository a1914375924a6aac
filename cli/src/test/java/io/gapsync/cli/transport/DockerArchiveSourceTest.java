package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveSourceTest {

  @TempDir Path tmp;

  private static String manifestJson(String tags, String layer) {
    return "[{\"Config\":\"cfg.json\",\"RepoTags\":[" + tags + "],\"Layers\":[\"" + layer + "\"]}]";
  }

  private Path archive(Fixtures.Image image, String tags) throws Exception {
    return new Fixtures.Tar()
        .file("cfg.json", image.config())
        .file("0123/layer.tar", image.layer())
        .file("manifest.json", manifestJson(tags, "0123/layer.tar"))
        .write(tmp.resolve("d.tar"));
  }

  private ImageSource open(Path file, String ref) throws Exception {
    return TransportRef.parse("docker-archive:" + file + (ref == null ? "" : ":" + ref))
        .openSource();
  }

  @Test
  void generatesAnOciManifestOverTheStoredFiles() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello");
    Path file = archive(image, "\"repo/x:t\"");

    try (ImageSource source = open(file, null)) {
      SourceImage root = source.roots().get(0);
      Manifest m =
          ManifestParser.parse(
              source.readManifest(root.descriptor()), root.descriptor().mediaType(), "test");

      assertThat(root.refName()).isEqualTo("repo/x:t");
      assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(m.config())
          .isEqualTo(
              Descriptor.of(
                  MediaTypes.OCI_CONFIG, image.configD().digest(), image.config().length));
      assertThat(m.layers())
          .containsExactly(
              Descriptor.of(
                  MediaTypes.OCI_LAYER_TAR, image.layerD().digest(), image.layerD().size()));
      try (InputStream in = source.openBlob(m.layers().get(0));
          DigestingInputStream d = new DigestingInputStream(in, DigestAlgorithm.SHA256)) {
        d.readAllBytes();
        d.verify(image.layerD().digest(), image.layerD().size(), "layer");
      }
    }
  }

  @Test
  void generatedManifestIsDeterministic() throws Exception {
    Path file = archive(Fixtures.Image.of("hello"), "\"repo/x:t\"");

    byte[] first;
    try (ImageSource source = open(file, null)) {
      first = source.readManifest(source.roots().get(0).descriptor());
    }
    try (ImageSource source = open(file, null)) {
      assertThat(source.readManifest(source.roots().get(0).descriptor())).isEqualTo(first);
    }
    assertThat(Fixtures.text(first))
        .startsWith(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"");
  }

  @Test
  void gzipLayerGetsGzipMediaTypeAndItsDiffIdIsChecked() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello", true);
    Path file = archive(image, "\"repo/x:t\"");

    try (ImageSource source = open(file, null)) {
      Manifest m =
          ManifestParser.parse(
              source.readManifest(source.roots().get(0).descriptor()),
              MediaTypes.OCI_MANIFEST,
              "test");
      assertThat(m.layers().get(0).mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
      assertThat(m.layers().get(0).digest()).isEqualTo(image.layerD().digest());
    }
  }

  @Test
  void selectsByNormalizedRepoTag() throws Exception {
    Path file = archive(Fixtures.Image.of("hello"), "\"docker.io/repo/x:t\",\"other:2\"");

    try (ImageSource source = open(file, "repo/x:t")) {
      assertThat(source.roots())
          .extracting(SourceImage::refName)
          .containsExactly("docker.io/repo/x:t");
    }
  }

  @Test
  void withoutRefListsEveryRepoTag() throws Exception {
    Path file = archive(Fixtures.Image.of("hello"), "\"repo/x:t\",\"other:2\"");

    try (ImageSource source = open(file, null)) {
      assertThat(source.roots())
          .extracting(SourceImage::refName)
          .containsExactly("repo/x:t", "other:2");
      assertThat(source.roots().get(0).descriptor()).isEqualTo(source.roots().get(1).descriptor());
    }
  }

  @Test
  void selectsByImageIndex() throws Exception {
    Path file = archive(Fixtures.Image.of("hello"), "\"repo/x:t\"");

    try (ImageSource source = open(file, "@0")) {
      assertThat(source.roots()).extracting(SourceImage::refName).containsExactly("repo/x:t");
    }
    assertThatThrownBy(() -> open(file, "@1"))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("lists only 1 image(s)");
  }

  @Test
  void unknownTagListsTheRepoTags() throws Exception {
    Path file = archive(Fixtures.Image.of("hello"), "\"repo/x:t\"");

    assertThatThrownBy(() -> open(file, "repo/x:nope"))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("its RepoTags are [repo/x:t]")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.IMAGE_NOT_FOUND);
  }

  @Test
  void followsSymlinkedLayerInsideTheArchive() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello");
    String hex = image.layerD().digest().hex();
    Path file =
        new Fixtures.Tar()
            .file(hex + ".tar", image.layer())
            .symlink("0123/layer.tar", "../" + hex + ".tar")
            .file("cfg.json", image.config())
            .file("manifest.json", manifestJson("\"repo/x:t\"", "0123/layer.tar"))
            .write(tmp.resolve("d.tar"));

    try (ImageSource source = open(file, null)) {
      assertThat(Fixtures.readAll(source.openBlob(image.layerD()))).isEqualTo(image.layer());
    }
  }

  @Test
  void rejectsSymlinkPointingOutOfTheArchive() throws Exception {
    Path file =
        new Fixtures.Tar()
            .symlink("0123/layer.tar", "../../etc/passwd")
            .file("manifest.json", "[]")
            .write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("outside the archive");
  }

  @Test
  void rejectsLayerThatDoesNotMatchItsDiffId() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello");
    Fixtures.Image other = Fixtures.Image.of("other");
    Path file =
        new Fixtures.Tar()
            .file("cfg.json", image.config())
            .file("0123/layer.tar", other.layer())
            .file("manifest.json", manifestJson("\"repo/x:t\"", "0123/layer.tar"))
            .write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining(
            "layer 0 (0123/layer.tar) has the uncompressed digest " + other.layerD().digest())
        .hasMessageContaining("rootfs.diff_ids[0] is " + image.layerD().digest())
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.CONTENT_INVALID);
  }

  @Test
  void rejectsDiffIdCountMismatch() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello");
    Path file =
        new Fixtures.Tar()
            .file("cfg.json", image.config())
            .file("a/layer.tar", image.layer())
            .file(
                "manifest.json",
                "[{\"Config\":\"cfg.json\",\"RepoTags\":null,"
                    + "\"Layers\":[\"a/layer.tar\",\"a/layer.tar\"]}]")
            .write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("lists 1 rootfs.diff_ids but manifest.json lists 2 layers");
  }

  @Test
  void rejectsMissingLayerFile() throws Exception {
    Fixtures.Image image = Fixtures.Image.of("hello");
    Path file =
        new Fixtures.Tar()
            .file("cfg.json", image.config())
            .file("manifest.json", manifestJson("\"repo/x:t\"", "0123/layer.tar"))
            .write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("layer 0123/layer.tar of image 0 of docker-archive:" + file)
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.CONTENT_MISSING);
  }

  @Test
  void rejectsMalformedManifestJson() throws Exception {
    Path file =
        new Fixtures.Tar()
            .file("manifest.json", "{\"Config\":1}".getBytes(StandardCharsets.UTF_8))
            .write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("manifest.json from docker-archive:" + file)
        .hasMessageContaining("not a non-empty JSON array");
  }

  @Test
  void rejectsArchiveWithoutManifestJson() throws Exception {
    Path file = new Fixtures.Tar().file("x", "y").write(tmp.resolve("d.tar"));

    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("it has no manifest.json");
  }
}
