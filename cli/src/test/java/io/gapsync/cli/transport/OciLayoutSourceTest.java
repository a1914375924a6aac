package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutSourceTest {

  private final Fixtures.Image image = Fixtures.Image.of("hello");

  @TempDir Path tmp;

  private ImageSource open(Path dir, String ref) throws Exception {
    return TransportRef.parse("oci:" + dir + (ref == null ? "" : ":" + ref)).openSource();
  }

  @Test
  void listsEveryEntryWithItsRefNameWithoutRef() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");

    try (ImageSource source = open(dir, null)) {
      assertThat(source.roots())
          .containsExactly(new SourceImage("v1", source.roots().get(0).descriptor()));
      assertThat(source.roots().get(0).descriptor().digest()).isEqualTo(image.manifestD().digest());
      assertThat(source.describe()).isEqualTo("oci:" + dir);
    }
  }

  @Test
  void readsManifestBytesAndBlobsExactly() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");

    try (ImageSource source = open(dir, "v1")) {
      assertThat(source.readManifest(source.roots().get(0).descriptor()))
          .isEqualTo(image.manifest());
      assertThat(Fixtures.readAll(source.openBlob(image.layerD()))).isEqualTo(image.layer());
    }
  }

  @Test
  void unknownRefListsTheNamesThereAre() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");

    assertThatThrownBy(() -> open(dir, "v2"))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("the image named 'v2'")
        .hasMessageContaining("lists only v1")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.IMAGE_NOT_FOUND);
  }

  @Test
  void rejectsDirectoryWithoutOciLayoutFile() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.delete(dir.resolve("oci-layout"));

    assertThatThrownBy(() -> open(dir, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("Tried to read oci:" + dir)
        .hasMessageContaining("no oci-layout file");
  }

  @Test
  void rejectsOtherLayoutVersions() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");

    assertThatThrownBy(() -> open(dir, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("imageLayoutVersion is \"2.0.0\"")
        .hasMessageContaining("understands only \"1.0.0\"");
  }

  @Test
  void rejectsMalformedIndexJson() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{]}");

    assertThatThrownBy(() -> open(dir, null))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("index.json of oci:" + dir)
        .hasMessageContaining("not valid JSON")
        .extracting(e -> ((ProtocolException) e).code())
        .isEqualTo(ProtocolException.Code.JSON_INVALID);
  }

  @Test
  void rejectsIndexJsonWithDuplicateKeys() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.writeString(
        dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}");

    assertThatThrownBy(() -> open(dir, null))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("index.json of oci:" + dir);
  }

  @Test
  void missingBlobNamesTheManifestAndPath() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.delete(dir.resolve(Fixtures.blobName(image.layerD())));

    try (ImageSource source = open(dir, "v1")) {
      source.readManifest(source.roots().get(0).descriptor());
      assertThatThrownBy(() -> source.openBlob(image.layerD()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining(
              "blob "
                  + image.layerD().digest()
                  + " listed by manifest "
                  + image.manifestD().digest()
                  + " is missing from oci:"
                  + dir
                  + ":v1 (blobs/sha256/"
                  + image.layerD().digest().hex()
                  + ")")
          .extracting(e -> ((TransportException) e).code())
          .isEqualTo(TransportException.Code.CONTENT_MISSING);
    }
  }

  @Test
  void missingRootManifestSaysIndexJsonListsIt() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.delete(dir.resolve(Fixtures.blobName(image.manifestD())));

    try (ImageSource source = open(dir, "v1")) {
      assertThatThrownBy(() -> source.readManifest(image.manifestD()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("listed by index.json is missing from oci:" + dir + ":v1");
    }
  }

  @Test
  void manifestWithWrongContentIsADigestMismatch() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    byte[] tampered = image.manifest().clone();
    tampered[tampered.length - 2] = ' ';
    Files.write(dir.resolve(Fixtures.blobName(image.manifestD())), tampered);

    try (ImageSource source = open(dir, "v1")) {
      assertThatThrownBy(() -> source.readManifest(image.manifestD()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("manifest " + image.manifestD().digest() + " from oci:" + dir)
          .hasMessageContaining("hashes to")
          .extracting(e -> ((ProtocolException) e).code())
          .isEqualTo(ProtocolException.Code.DIGEST_MISMATCH);
    }
  }

  @Test
  void blobOfTheWrongSizeIsRefusedOnOpen() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Files.write(
        dir.resolve(Fixtures.blobName(image.layerD())), "x".getBytes(StandardCharsets.UTF_8));

    try (ImageSource source = open(dir, "v1")) {
      assertThatThrownBy(() -> source.openBlob(image.layerD()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("has 1 bytes where " + image.layerD().size() + " were announced")
          .extracting(e -> ((ProtocolException) e).code())
          .isEqualTo(ProtocolException.Code.SIZE_MISMATCH);
    }
  }

  @Test
  void refusesSymlinkedBlob() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Path blob = dir.resolve(Fixtures.blobName(image.layerD()));
    Path outside = Files.write(tmp.resolve("secret"), image.layer());
    Files.delete(blob);
    Files.createSymbolicLink(blob, outside);

    try (ImageSource source = open(dir, "v1")) {
      assertThatThrownBy(() -> source.openBlob(image.layerD()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("is a symbolic link")
          .extracting(e -> ((TransportException) e).code())
          .isEqualTo(TransportException.Code.UNSAFE_ENTRY);
    }
  }

  @Test
  void refusesSymlinkedBlobsDirectory() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Path real = tmp.resolve("elsewhere");
    Files.move(dir.resolve("blobs"), real);
    Files.createSymbolicLink(dir.resolve("blobs"), real);

    try (ImageSource source = open(dir, "v1")) {
      assertThatThrownBy(() -> source.readManifest(image.manifestD()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("blobs is a symbolic link");
    }
  }

  @Test
  void refusesSymlinkedLayoutDirectory() throws Exception {
    Path dir = image.writeLayout(tmp.resolve("l"), "v1");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);

    assertThatThrownBy(() -> open(link, null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("the layout directory is a symbolic link");
  }

  @Test
  void missingDirectoryIsAPathError() {
    assertThatThrownBy(() -> open(tmp.resolve("nope"), null))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("does not exist")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.PATH_INVALID);
  }
}
