package io.gapsync.protocol.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive's checksum file: what export writes, what coreutils' {@code sha256sum -c} accepts,
 * and what the diode sender may take a digest from.
 */
class ChecksumFileTest {

  @TempDir Path dir;

  @Test
  void aSingleFileArchiveGetsAChecksumFileThatSha256sumChecks() throws Exception {
    byte[] content = new byte[300_000];
    new Random(3).nextBytes(content);
    List<Path> files;
    try (VolumeWriter out = new VolumeWriter(dir, "gapsync-depot-000001.gsa", 0)) {
      out.write(content);
      files = out.finish();
      assertThat(out.checksumFile()).isEqualTo(dir.resolve("gapsync-depot-000001.gsa.sha256"));
    }

    assertThat(files).containsExactly(dir.resolve("gapsync-depot-000001.gsa"));
    assertThat(Files.readString(dir.resolve("gapsync-depot-000001.gsa.sha256")))
        .isEqualTo(Digest.sha256Of(content).hex() + "  gapsync-depot-000001.gsa\n");
    assertThat(sha256sumCheck("gapsync-depot-000001.gsa.sha256"))
        .isEqualTo("gapsync-depot-000001.gsa: OK\n");
    assertThat(ChecksumFile.lookup(files.get(0))).contains(Digest.sha256Of(content));
  }

  @Test
  void aSplitArchiveListsEveryVolumeAndItsIndexAndEachFindsItsLine() throws Exception {
    byte[] content = new byte[200_000];
    new Random(4).nextBytes(content);
    List<Path> files;
    try (VolumeWriter out = new VolumeWriter(dir, "a.gsa", VolumeWriter.VOLUME_SIZE_MIN_BYTES)) {
      out.write(content);
      files = out.finish();
    }

    assertThat(files).hasSize(5);
    Map<String, Digest> sums = ChecksumFile.read(dir.resolve("a.gsa.sha256"));
    assertThat(sums.keySet())
        .containsExactly(
            "a.gsa.vol001", "a.gsa.vol002", "a.gsa.vol003", "a.gsa.vol004", "a.gsa.volumes.json");
    for (Path f : files) {
      assertThat(ChecksumFile.forFile(f)).isEqualTo(dir.resolve("a.gsa.sha256"));
      assertThat(ChecksumFile.lookup(f)).contains(Digest.sha256Of(Files.readAllBytes(f)));
    }
    assertThat(sha256sumCheck("a.gsa.sha256"))
        .isEqualTo(
            "a.gsa.vol001: OK\na.gsa.vol002: OK\na.gsa.vol003: OK\na.gsa.vol004: OK\n"
                + "a.gsa.volumes.json: OK\n");
  }

  @Test
  void anExportWhoseFilesCannotBeRenamedIntoPlaceLeavesNoChecksumFile() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));
    // A non-empty folder where the archive should go: the rename after the checksum file fails.
    Files.createDirectories(other.resolve("c.gsa"));
    Files.write(other.resolve("c.gsa").resolve("in-the-way"), new byte[1]);

    try (VolumeWriter out = new VolumeWriter(other, "c.gsa", 0)) {
      out.write(new byte[1000]);
      assertThatThrownBy(out::finish).isInstanceOf(java.io.IOException.class);
    }

    try (var s = Files.list(other)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("c.gsa");
    }
  }

  @Test
  void sha256sumsOwnOutputReadsBackIncludingBinaryMarks() throws Exception {
    Path f = Files.write(dir.resolve("x.gsa"), "hello".getBytes(StandardCharsets.UTF_8));
    Process p =
        new ProcessBuilder("sha256sum", "--binary", "x.gsa")
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("x.gsa.sha256").toFile())
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();

    assertThat(Files.readString(dir.resolve("x.gsa.sha256"))).contains(" *x.gsa");
    assertThat(ChecksumFile.lookup(f)).contains(Digest.sha256Of("hello"));
  }

  @Test
  void aChecksumFileOlderThanItsFileIsIgnoredAndAMissingOneGivesNothing() throws Exception {
    Path f = Files.write(dir.resolve("y.gsa"), new byte[] {1, 2, 3});
    Map<String, Digest> sums = new LinkedHashMap<>();
    sums.put("y.gsa", Digest.sha256Of(new byte[] {1, 2, 3}));
    ChecksumFile.write(dir.resolve("y.gsa.sha256"), sums);
    assertThat(ChecksumFile.lookup(f)).isPresent();

    // The archive replaced after its checksum file was written: the digest may be stale.
    Files.setLastModifiedTime(
        f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 60_000));

    assertThat(ChecksumFile.lookup(f)).isEmpty();
    assertThat(ChecksumFile.lookup(Files.write(dir.resolve("z.gsa"), new byte[1]))).isEmpty();
    // Listed under another name only: nothing for this file.
    Files.writeString(dir.resolve("w.gsa.sha256"), Digest.sha256Of("x").hex() + "  v.gsa\n");
    assertThat(ChecksumFile.lookup(Files.write(dir.resolve("w.gsa"), new byte[1]))).isEmpty();
  }

  @Test
  void crlfLineEndsReadTheSame() throws Exception {
    Path f = Files.write(dir.resolve("v.gsa"), new byte[] {9});
    Files.writeString(
        dir.resolve("v.gsa.sha256"), Digest.sha256Of(new byte[] {9}).hex() + "  v.gsa\r\n");

    assertThat(ChecksumFile.lookup(f)).contains(Digest.sha256Of(new byte[] {9}));
  }

  @Test
  void malformedChecksumFilesAreRefusedNamingTheLine() throws Exception {
    String hex = Digest.sha256Of("a").hex();
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("short digest", hex.substring(2) + "  a.gsa\n");
    bad.put("upper case", hex.toUpperCase(java.util.Locale.ROOT) + "  a.gsa\n");
    bad.put("one space and a name with a space", hex + " a b.gsa\nnot a line\n");
    bad.put("a path", hex + "  ../a.gsa\n");
    bad.put("twice", hex + "  a.gsa\n" + hex + "  a.gsa\n");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Path f = dir.resolve("bad.sha256");
      Files.writeString(f, e.getValue());
      assertThatThrownBy(() -> ChecksumFile.read(f))
          .as(e.getKey())
          .isInstanceOf(ProtocolException.class)
          .hasMessageStartingWith("Tried to read the checksum file " + f + " but line ")
          .hasMessageEndingWith("; delete it or write it again with sha256sum");
    }
    Path big = dir.resolve("big.sha256");
    Files.write(big, new byte[ChecksumFile.MAX_BYTES + 1]);
    assertThatThrownBy(() -> ChecksumFile.read(big))
        .hasMessageContaining("it is larger than " + ChecksumFile.MAX_BYTES + " bytes");
  }

  @Test
  void volumesAndIndexNamesMapToTheArchivesChecksumFile() {
    assertThat(ChecksumFile.forFile(dir.resolve("a.gsa"))).isEqualTo(dir.resolve("a.gsa.sha256"));
    assertThat(ChecksumFile.forFile(dir.resolve("a.gsa.vol012")))
        .isEqualTo(dir.resolve("a.gsa.sha256"));
    assertThat(ChecksumFile.forFile(dir.resolve("a.gsa.vol1234")))
        .isEqualTo(dir.resolve("a.gsa.sha256"));
    assertThat(ChecksumFile.forFile(dir.resolve("a.gsa.volumes.json")))
        .isEqualTo(dir.resolve("a.gsa.sha256"));
    assertThat(ChecksumFile.forFile(dir.resolve("notes.txt")))
        .isEqualTo(dir.resolve("notes.txt.sha256"));
  }

  private String sha256sumCheck(String sums) throws Exception {
    Process p =
        new ProcessBuilder("sha256sum", "-c", sums)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
