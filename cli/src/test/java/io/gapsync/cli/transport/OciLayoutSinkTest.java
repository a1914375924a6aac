package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutSinkTest {

  private final Fixtures.Image image = Fixtures.Image.of("hello");

  @TempDir Path tmp;

  private void write(ImageSink sink, Fixtures.Image img, String refName) throws Exception {
    sink.putBlob(img.layerD(), new ByteArrayInputStream(img.layer()));
    sink.putBlob(img.configD(), new ByteArrayInputStream(img.config()));
    sink.putManifest(img.manifestD(), img.manifest());
    sink.addRoot(img.manifestD(), refName);
  }

  @Test
  void createsALayoutThatReadsBackIdentically() throws Exception {
    Path out = tmp.resolve("out");

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      write(sink, image, "v1");
      sink.commit();
    }

    assertThat(Files.readString(out.resolve("oci-layout")))
        .isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    try (ImageSource source = TransportRef.parse("oci:" + out + ":v1").openSource()) {
      assertThat(source.roots().get(0).descriptor().digest()).isEqualTo(image.manifestD().digest());
      assertThat(source.readManifest(image.manifestD())).isEqualTo(image.manifest());
      assertThat(Fixtures.readAll(source.openBlob(image.layerD()))).isEqualTo(image.layer());
    }
  }

  @Test
  void addingToALayoutReplacesTheSameNameAndKeepsOthers() throws Exception {
    Path out = image.writeLayout(tmp.resolve("out"), "keep");
    Fixtures.Image second = Fixtures.Image.of("second");
    Fixtures.Image third = Fixtures.Image.of("third");

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      write(sink, second, "latest");
      sink.commit();
    }
    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      assertThat(sink.hasBlob(second.layerD().digest())).isTrue();
      write(sink, third, "latest");
      sink.commit();
    }

    try (ImageSource source = TransportRef.parse("oci:" + out).openSource()) {
      assertThat(source.roots())
          .extracting(r -> r.refName() + "=" + r.descriptor().digest())
          .containsExactly(
              "keep=" + image.manifestD().digest(), "latest=" + third.manifestD().digest());
    }
  }

  @Test
  void blobWithWrongContentLeavesNothingBehind() throws Exception {
    Path out = tmp.resolve("out");

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      byte[] wrong = image.layer().clone();
      wrong[0] ^= 1;
      assertThatThrownBy(() -> sink.putBlob(image.layerD(), new ByteArrayInputStream(wrong)))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("blob " + image.layerD().digest() + " written to oci:" + out)
          .extracting(e -> ((ProtocolException) e).code())
          .isEqualTo(ProtocolException.Code.DIGEST_MISMATCH);
      try (Stream<Path> files = Files.list(out.resolve("blobs/sha256"))) {
        assertThat(files).isEmpty();
      }
    }
  }

  @Test
  void overlongBlobIsASizeMismatch() throws Exception {
    Path out = tmp.resolve("out");
    byte[] longer = java.util.Arrays.copyOf(image.layer(), image.layer().length + 10);

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      assertThatThrownBy(() -> sink.putBlob(image.layerD(), new ByteArrayInputStream(longer)))
          .isInstanceOf(ProtocolException.class)
          .extracting(e -> ((ProtocolException) e).code())
          .isEqualTo(ProtocolException.Code.SIZE_MISMATCH);
    }
  }

  @Test
  void closingWithoutCommitRemovesANewLayout() throws Exception {
    Path out = tmp.resolve("out");

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      write(sink, image, "v1");
    }

    assertThat(out).doesNotExist();
  }

  @Test
  void closingWithoutCommitLeavesAnExistingIndexUntouched() throws Exception {
    Path out = image.writeLayout(tmp.resolve("out"), "keep");
    byte[] before = Files.readAllBytes(out.resolve("index.json"));

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      write(sink, Fixtures.Image.of("second"), "v2");
    }

    assertThat(out.resolve("index.json")).hasBinaryContent(before);
  }

  @Test
  void refusesANonEmptyDirectoryThatIsNotALayout() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("notes.txt"), "mine");

    assertThatThrownBy(() -> TransportRef.parse("oci:" + out).openSink())
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("no oci-layout file");
    assertThat(out.resolve("notes.txt")).exists();
  }

  @Test
  void refusesToWriteThroughASymlinkedBlobsDirectory() throws Exception {
    Path out = image.writeLayout(tmp.resolve("out"), "keep");
    Path real = tmp.resolve("real");
    Files.move(out.resolve("blobs"), real);
    Files.createSymbolicLink(out.resolve("blobs"), real);

    try (ImageSink sink = TransportRef.parse("oci:" + out).openSink()) {
      assertThatThrownBy(
              () -> sink.putBlob(image.layerD(), new ByteArrayInputStream(image.layer())))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("is a symbolic link");
    }
  }

  @Test
  void refusesARootWhoseManifestWasNotWritten() throws Exception {
    try (ImageSink sink = TransportRef.parse("oci:" + tmp.resolve("out")).openSink()) {
      Descriptor root = image.manifestD();

      assertThatThrownBy(() -> sink.addRoot(root, "v1"))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("has not been written to the sink");
    }
  }

  @Test
  void refusesAnInvalidRefName() throws Exception {
    try (ImageSink sink = TransportRef.parse("oci:" + tmp.resolve("out")).openSink()) {
      sink.putManifest(image.manifestD(), image.manifest());

      assertThatThrownBy(() -> sink.addRoot(image.manifestD(), "no spaces"))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("not a valid OCI ref name");
    }
  }

  @Test
  void copiesALayoutThroughTheSourceAndSinkInterfaces() throws Exception {
    Path in = image.writeLayout(tmp.resolve("in"), "v1");
    Path out = tmp.resolve("out");
    TransportRef dest = TransportRef.parse("oci:" + out + ":renamed");

    try (ImageSource source = TransportRef.parse("oci:" + in).openSource();
        ImageSink sink = dest.openSink()) {
      Fixtures.copy(source, sink, dest);
    }

    try (ImageSource source = TransportRef.parse("oci:" + out + ":renamed").openSource()) {
      assertThat(source.roots().get(0).descriptor().digest()).isEqualTo(image.manifestD().digest());
    }
  }
}
