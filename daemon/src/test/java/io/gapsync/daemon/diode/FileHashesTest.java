package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hashing ahead of the send: the same digests as hashing in place, and read errors surface. */
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

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
