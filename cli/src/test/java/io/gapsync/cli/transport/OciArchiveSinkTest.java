package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveSinkTest {

  private final Fixtures.Image image = Fixtures.Image.of("hello");

  @TempDir Path tmp;

  private void write(ImageSink sink) throws Exception {
    sink.putBlob(image.layerD(), new ByteArrayInputStream(image.layer()));
    sink.putBlob(image.configD(), new ByteArrayInputStream(image.config()));
    sink.putManifest(image.manifestD(), image.manifest());
    sink.addRoot(image.manifestD(), "v1");
  }

  @Test
  void writesAnArchiveThatReadsBack() throws Exception {
    Path file = tmp.resolve("x.tar");

    try (ImageSink sink = TransportRef.parse("oci-archive:" + file).openSink()) {
      write(sink);
      sink.commit();
    }

    assertThat(tmp.resolve("x.tar.partial")).doesNotExist();
    try (ImageSource source = TransportRef.parse("oci-archive:" + file + ":v1").openSource()) {
      assertThat(source.readManifest(image.manifestD())).isEqualTo(image.manifest());
      assertThat(Fixtures.readAll(source.openBlob(image.layerD()))).isEqualTo(image.layer());
    }
  }

  @Test
  void sameContentGivesTheSameArchiveBytes() throws Exception {
    Path a = tmp.resolve("a.tar");
    Path b = tmp.resolve("b.tar");
    for (Path file : new Path[] {a, b}) {
      try (ImageSink sink = TransportRef.parse("oci-archive:" + file).openSink()) {
        write(sink);
        sink.commit();
      }
    }

    assertThat(a).hasSameBinaryContentAs(b);
  }

  @Test
  void writingABlobTwiceAddsOneEntry() throws Exception {
    Path file = tmp.resolve("x.tar");

    try (ImageSink sink = TransportRef.parse("oci-archive:" + file).openSink()) {
      write(sink);
      sink.putBlob(image.layerD(), new ByteArrayInputStream(image.layer()));
      sink.commit();
    }

    try (ImageSource source = TransportRef.parse("oci-archive:" + file).openSource()) {
      assertThat(source.roots()).hasSize(1);
    }
  }

  @Test
  void closingWithoutCommitLeavesNoFile() throws Exception {
    Path file = tmp.resolve("x.tar");

    try (ImageSink sink = TransportRef.parse("oci-archive:" + file).openSink()) {
      write(sink);
    }

    assertThat(file).doesNotExist();
    assertThat(tmp.resolve("x.tar.partial")).doesNotExist();
  }

  @Test
  void aMismatchedBlobMakesTheSinkUnusableAndLeavesNoFile() throws Exception {
    Path file = tmp.resolve("x.tar");

    try (ImageSink sink = TransportRef.parse("oci-archive:" + file).openSink()) {
      assertThatThrownBy(
              () -> sink.putBlob(image.configD(), new ByteArrayInputStream(image.layer())))
          .isInstanceOf(ProtocolException.class);
      assertThatThrownBy(sink::commit)
          .isInstanceOf(TransportException.class)
          .extracting(e -> ((TransportException) e).code())
          .isEqualTo(TransportException.Code.SINK_STATE);
    }

    assertThat(file).doesNotExist();
    assertThat(tmp.resolve("x.tar.partial")).doesNotExist();
  }

  @Test
  void refusesAMissingParentDirectory() {
    assertThatThrownBy(
            () -> TransportRef.parse("oci-archive:" + tmp.resolve("no/x.tar")).openSink())
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("does not exist");
    assertThat(Files.exists(tmp.resolve("no"))).isFalse();
  }
}
