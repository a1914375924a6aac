package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gapsync.cli.Peers;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks compatibility with the real skopeo and umoci: what they write, the sources read; what the
 * sinks write, they accept, with identical manifest digests. Builds its image locally.
 */
@Tag("peer")
class TransportPeerTest {

  @TempDir Path tmp;

  private Path layout;
  private byte[] originalManifest;

  @BeforeEach
  void buildImage() throws Exception {
    assumeTrue(Peers.available("skopeo"), "skopeo is not installed");
    assumeTrue(Peers.available("umoci"), "umoci is not installed");
    Path content = Files.createDirectories(tmp.resolve("content/etc"));
    Files.writeString(content.resolve("greeting"), "hello from gapsync\n");
    layout = Peers.buildTinyImage(tmp.resolve("L"), "t", tmp.resolve("content"));
    originalManifest = skopeoRaw("oci:" + layout + ":t");
  }

  private static byte[] skopeoRaw(String ref) {
    return Peers.run(null, "skopeo", "inspect", "--raw", ref).getBytes(StandardCharsets.UTF_8);
  }

  private static void copy(String from, String to) throws Exception {
    TransportRef dest = TransportRef.parse(to);
    try (ImageSource source = TransportRef.parse(from).openSource();
        ImageSink sink = dest.openSink()) {
      Fixtures.copy(source, sink, dest);
    }
  }

  @Test
  void layoutWrittenBySinkIsAcceptedBySkopeoWithTheSameDigest() throws Exception {
    Path out = tmp.resolve("OUT");

    copy("oci:" + layout + ":t", "oci:" + out + ":t");

    assertThat(skopeoRaw("oci:" + out + ":t")).isEqualTo(originalManifest);
    Peers.run(null, "skopeo", "copy", "oci:" + out + ":t", "oci:" + tmp.resolve("OUT2") + ":t");
    assertThat(skopeoRaw("oci:" + tmp.resolve("OUT2") + ":t")).isEqualTo(originalManifest);
    Peers.run(null, "umoci", "stat", "--image", out + ":t");
  }

  @Test
  void archiveWrittenBySinkIsAcceptedBySkopeo() throws Exception {
    Path out = tmp.resolve("out.tar");

    copy("oci:" + layout + ":t", "oci-archive:" + out + ":t");

    assertThat(skopeoRaw("oci-archive:" + out + ":t")).isEqualTo(originalManifest);
    Peers.run(
        null, "skopeo", "copy", "oci-archive:" + out + ":t", "oci:" + tmp.resolve("OUT2") + ":t");
  }

  @Test
  void readsAnOciArchiveWrittenBySkopeo() throws Exception {
    Path tar = tmp.resolve("x.tar");
    Peers.run(null, "skopeo", "copy", "oci:" + layout + ":t", "oci-archive:" + tar + ":t");

    copy("oci-archive:" + tar + ":t", "oci:" + tmp.resolve("OUT") + ":t");

    assertThat(skopeoRaw("oci:" + tmp.resolve("OUT") + ":t")).isEqualTo(originalManifest);
  }

  @Test
  void readsADockerArchiveWrittenBySkopeoWithTheOriginalConfigAndLayer() throws Exception {
    Path tar = tmp.resolve("x.tar");
    Peers.run(
        null, "skopeo", "copy", "oci:" + layout + ":t", "docker-archive:" + tar + ":repo/x:t");
    Manifest original = ManifestParser.parse(originalManifest, MediaTypes.OCI_MANIFEST, "original");

    try (ImageSource source =
        TransportRef.parse("docker-archive:" + tar + ":repo/x:t").openSource()) {
      SourceImage root = source.roots().get(0);
      Manifest m =
          ManifestParser.parse(
              source.readManifest(root.descriptor()), MediaTypes.OCI_MANIFEST, "test");

      assertThat(root.refName()).endsWith("repo/x:t");
      assertThat(m.config().digest()).isEqualTo(original.config().digest());
      assertThat(m.layers()).hasSize(1);
      // skopeo stores layers uncompressed in a docker-archive: the digest is the diff_id.
      assertThat(m.layers().get(0).mediaType()).isEqualTo(MediaTypes.OCI_LAYER_TAR);
      try (var in = source.openBlob(m.config())) {
        String config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(config).contains(m.layers().get(0).digest().toString());
      }
    }
  }

  @Test
  void readsEveryImageOfADockerArchiveWithoutRef() throws Exception {
    Path tar = tmp.resolve("x.tar");
    Peers.run(
        null, "skopeo", "copy", "oci:" + layout + ":t", "docker-archive:" + tar + ":repo/x:t");

    try (ImageSource source = TransportRef.parse("docker-archive:" + tar).openSource()) {
      assertThat(source.roots()).hasSize(1);
      assertThat(source.roots().get(0).refName()).endsWith("repo/x:t");
    }
  }
}
