package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.archive.ChecksumFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashing ahead of the send: the same digests as hashing in place, read errors surface, and a fresh
 * checksum file saves the read.
 */
class FileHashesTest {

  @TempDir Path tmp;

  @Test
  void hashesStartedAheadMatchSha256AndSize() throws Exception {
    byte[] a = new byte[3_000_001];
    new Random(1).nextBytes(a);
    Path fa = Files.write(tmp.resolve("a"), a);
    Path fb = Files.write(tmp.resolve("b"), new byte[0]);
    Path other = Files.write(tmp.resolve("c"), new byte[] {1, 2, 3});

    FileHashes hashes = FileHashes.start(List.of(fa, fb));

    assertThat(hashes.get(fa).size()).isEqualTo(a.length);
    assertThat(hashes.get(fa).digest().hex()).isEqualTo(sha256(a));
    assertThat(hashes.get(fb).digest().hex()).isEqualTo(sha256(new byte[0]));
    // A file it was not started with is hashed on the spot.
    assertThat(hashes.get(other).digest().hex()).isEqualTo(sha256(new byte[] {1, 2, 3}));
  }

  @Test
  void aFileThatCannotBeReadFailsTheGetWithTheFilesError() {
    Path missing = tmp.resolve("gone");

    FileHashes hashes = FileHashes.start(List.of(missing));

    assertThatThrownBy(() -> hashes.get(missing))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("gone");
  }

  @Test
  void aFreshChecksumFileIsTakenAsItIsAndAStaleOrBrokenOneIsNot() throws Exception {
    Path f = Files.write(tmp.resolve("gapsync-d-000001.gsa"), new byte[] {1, 2, 3});
    // A digest that is NOT the file's: taken as given proves the file was not read.
    Digest listed = Digest.sha256Of("something else");
    ChecksumFile.write(
        tmp.resolve("gapsync-d-000001.gsa.sha256"), Map.of(f.getFileName().toString(), listed));

    FileHashes.Hashed fresh = FileHashes.start(List.of(f)).get(f);

    assertThat(fresh.digest()).isEqualTo(listed);
    assertThat(fresh.size()).isEqualTo(3);

    // Older than the file (the archive was replaced): the file is hashed.
    Files.setLastModifiedTime(
        f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 60_000));
    assertThat(FileHashes.of(f).digest().hex()).isEqualTo(sha256(new byte[] {1, 2, 3}));

    // Unparseable: logged, and the file is hashed.
    Path g = Files.write(tmp.resolve("g.gsa"), new byte[] {4});
    Files.writeString(tmp.resolve("g.gsa.sha256"), "not a checksum line\n");
    assertThat(FileHashes.of(g).digest().hex()).isEqualTo(sha256(new byte[] {4}));

    // Unreadable (a folder where the checksum file should be): the file is hashed.
    Path h = Files.write(tmp.resolve("h.gsa"), new byte[] {5});
    Files.createDirectories(tmp.resolve("h.gsa.sha256"));
    assertThat(FileHashes.of(h).digest().hex()).isEqualTo(sha256(new byte[] {5}));
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
