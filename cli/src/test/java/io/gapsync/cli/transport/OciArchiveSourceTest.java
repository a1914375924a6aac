package io.gapsync.cli.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveSourceTest {

  private final Fixtures.Image image = Fixtures.Image.of("hello");

  @TempDir Path tmp;

  private ImageSource open(Path file) throws Exception {
    return TransportRef.parse("oci-archive:" + file).openSource();
  }

  private Fixtures.Tar layoutTar() {
    return new Fixtures.Tar().files(image.layoutFiles("v1"));
  }

  @Test
  void readsAnArchivedLayoutWithDotSlashNames() throws Exception {
    Map<String, byte[]> prefixed = new LinkedHashMap<>();
    image.layoutFiles("v1").forEach((k, v) -> prefixed.put("./" + k, v));
    Path file = new Fixtures.Tar().files(prefixed).write(tmp.resolve("a.tar"));

    try (ImageSource source = open(file)) {
      assertThat(source.roots()).extracting(SourceImage::refName).containsExactly("v1");
      assertThat(source.readManifest(image.manifestD())).isEqualTo(image.manifest());
      assertThat(Fixtures.readAll(source.openBlob(image.configD()))).isEqualTo(image.config());
    }
  }

  @Test
  void rejectsDotDotEntry() throws Exception {
    Path file = layoutTar().file("../evil", "x").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("Tried to read entry '../evil' from oci-archive:" + file)
        .hasMessageContaining("'..' component")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.UNSAFE_ENTRY);
  }

  @Test
  void rejectsAbsolutePathEntry() throws Exception {
    Path file = layoutTar().file("/etc/passwd", "x").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("entry '/etc/passwd'")
        .hasMessageContaining("absolute path");
  }

  @Test
  void rejectsSymlinkEntry() throws Exception {
    Path file = layoutTar().symlink("blobs/sha256/abc", "/etc/passwd").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("entry 'blobs/sha256/abc'")
        .hasMessageContaining("symbolic link to '/etc/passwd'");
  }

  @Test
  void rejectsHardlinkEntry() throws Exception {
    Path file = layoutTar().hardlink("copy", "index.json").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("hard link to 'index.json'");
  }

  @Test
  void rejectsDeviceEntry() throws Exception {
    Path file = layoutTar().device("dev/null").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("it is a device");
  }

  @Test
  void rejectsDuplicateEntriesEvenWithDotSlash() throws Exception {
    Path file = layoutTar().file("./index.json", "{}").write(tmp.resolve("a.tar"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("more than one entry named 'index.json'");
  }

  @Test
  void rejectsTruncatedArchive() throws Exception {
    byte[] full = layoutTar().file("big", new byte[4096]).bytes();
    // Cut inside the last entry's data, keeping its header.
    int cut = full.length - 1024 - 2048;
    Path file = Files.write(tmp.resolve("a.tar"), Arrays.copyOf(full, cut));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("oci-archive:" + file)
        .hasMessageContaining("truncated")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.ARCHIVE_INVALID);
  }

  @Test
  void rejectsFileThatIsNotATar() throws Exception {
    byte[] junk = new byte[2048];
    Arrays.fill(junk, (byte) 'x');
    Path file = Files.write(tmp.resolve("a.tar"), junk);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("is not a readable tar archive")
        .extracting(e -> ((TransportException) e).code())
        .isEqualTo(TransportException.Code.ARCHIVE_INVALID);
  }

  @Test
  void missingBlobInArchiveIsNamed() throws Exception {
    Map<String, byte[]> files = image.layoutFiles("v1");
    files.remove(Fixtures.blobName(image.configD()));
    Path file = new Fixtures.Tar().files(files).write(tmp.resolve("a.tar"));

    try (ImageSource source = open(file)) {
      source.readManifest(image.manifestD());
      assertThatThrownBy(() -> source.openBlob(image.configD()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("is missing from oci-archive:" + file + " (blobs/sha256/");
    }
  }

  @Test
  void missingArchiveIsAPathError() {
    assertThatThrownBy(() -> open(tmp.resolve("none.tar")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("does not exist");
  }
}
