package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportRefTest {

  @Test
  void parsesOciDirectoryWithRef() {
    TransportRef ref = TransportRef.parse("oci:/tmp/layout:v1.2");

    assertThat(ref.kind()).isEqualTo(TransportRef.Kind.OCI);
    assertThat(ref.path()).isEqualTo(Path.of("/tmp/layout"));
    assertThat(ref.ref()).isEqualTo("v1.2");
    assertThat(ref).hasToString("oci:/tmp/layout:v1.2");
  }

  @Test
  void parsesOciArchiveWithoutRef() {
    TransportRef ref = TransportRef.parse("oci-archive:x.tar");

    assertThat(ref.kind()).isEqualTo(TransportRef.Kind.OCI_ARCHIVE);
    assertThat(ref.ref()).isNull();
    assertThat(ref).hasToString("oci-archive:x.tar");
  }

  @Test
  void treatsAnEmptyRefAsNone() {
    assertThat(TransportRef.parse("oci:/x:").ref()).isNull();
  }

  @Test
  void keepsColonsOfTheRefAfterTheFirstOne() {
    TransportRef ref = TransportRef.parse("docker-archive:/tmp/x.tar:registry.local:5000/repo/x:t");

    assertThat(ref.path()).isEqualTo(Path.of("/tmp/x.tar"));
    assertThat(ref.ref()).isEqualTo("registry.local:5000/repo/x:t");
  }

  @Test
  void parsesDockerArchiveImageIndex() {
    assertThat(TransportRef.parse("docker-archive:x.tar:@3").ref()).isEqualTo("@3");
  }

  @Test
  void parsesFileWithColonsInThePath() {
    TransportRef ref = TransportRef.parse("file:/data/a:b.bin");

    assertThat(ref.kind()).isEqualTo(TransportRef.Kind.FILE);
    assertThat(ref.path()).isEqualTo(Path.of("/data/a:b.bin"));
    assertThat(ref.ref()).isNull();
  }

  @Test
  void rejectsUnknownTransport() {
    assertThatThrownBy(() -> TransportRef.parse("dir:/tmp/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown transport")
        .hasMessageContaining("oci:DIR[:REF]");
  }

  @Test
  void rejectsRegistryReferences() {
    assertThatThrownBy(() -> TransportRef.parse("docker://quay.io/x:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a local transport");
  }

  @Test
  void rejectsEmptyPath() {
    assertThatThrownBy(() -> TransportRef.parse("oci::v1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the path is empty");
  }

  @Test
  void rejectsInvalidOciRefName() {
    assertThatThrownBy(() -> TransportRef.parse("oci:/x:bad tag"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid reference 'bad tag' for oci");
  }

  @Test
  void rejectsDigestInDockerArchiveRef() {
    assertThatThrownBy(() -> TransportRef.parse("docker-archive:x.tar:repo@sha256:abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot carry a digest");
  }

  @Test
  void rejectsMalformedImageIndex() {
    assertThatThrownBy(() -> TransportRef.parse("docker-archive:x.tar:@-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not @N");
  }

  @Test
  void sinkRefOverridesTheSourceName() {
    assertThat(TransportRef.parse("oci:/x:new").refNameFor("old")).isEqualTo("new");
    assertThat(TransportRef.parse("oci:/x").refNameFor("old")).isEqualTo("old");
  }

  @Test
  void refusesToWriteDockerArchive(@TempDir Path tmp) {
    TransportRef ref = TransportRef.parse("docker-archive:" + tmp.resolve("x.tar"));

    assertThatThrownBy(ref::openSink)
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("gapsync writes only oci: and oci-archive:")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.UNSUPPORTED);
  }

  @Test
  void normalizesDockerReferencesLikeDocker() {
    assertThat(DockerReference.parse("busybox")).hasToString("docker.io/library/busybox:latest");
    assertThat(DockerReference.parse("repo/x:t")).hasToString("docker.io/repo/x:t");
    assertThat(DockerReference.parse("localhost:5000/x:t")).hasToString("localhost:5000/x:t");
  }
}
