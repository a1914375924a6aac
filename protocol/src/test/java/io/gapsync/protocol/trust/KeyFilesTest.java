package io.gapsync.protocol.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key generation, key files and their permissions. */
class KeyFilesTest {

  @TempDir Path dir;

  private static SigningKey key(long seed) {
    return SigningKey.generate(seeded(seed));
  }

  /** A deterministic SecureRandom, so tests generate the same keys every run. */
  static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void writeCreatesPrivateKeyWithMode0600AndPublicKeyFile() throws Exception {
    SigningKey k = key(1);
    Path[] files = KeyFiles.write(dir.resolve("producer"), k);

    assertThat(files[0]).isEqualTo(dir.resolve("producer.key"));
    assertThat(files[1]).isEqualTo(dir.resolve("producer.pub"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files[0])))
        .isEqualTo("rw-------");
    assertThat(Files.readString(files[1])).contains("\"keyId\" : \"" + k.keyId() + "\"");
    assertThat(Files.readString(files[1])).doesNotContain("privateKey");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("producer.key", "producer.pub");
    }
  }

  @Test
  void readBackGivesTheSameKeysAndTheirSignaturesVerify() throws Exception {
    SigningKey k = key(2);
    KeyFiles.write(dir.resolve("p"), k);

    SigningKey priv = KeyFiles.readPrivate(dir.resolve("p.key"));
    VerifyingKey pub = KeyFiles.readPublic(dir.resolve("p.pub"));

    assertThat(priv).isEqualTo(k);
    assertThat(pub).isEqualTo(k.publicKey());
    byte[] msg = "statement".getBytes(StandardCharsets.UTF_8);
    assertThat(pub.verify(msg, priv.sign(msg).signature())).isTrue();
    assertThat(KeyFiles.readPrivate(dir.resolve("p"))).isEqualTo(k);
  }

  @Test
  void keyIdIsDerivedFromThePublicKey() {
    SigningKey k = key(3);
    assertThat(k.keyId().toString()).matches("ed25519:[0-9a-f]{32}");
    assertThat(k.keyId())
        .isEqualTo(
            KeyId.parse(
                "ed25519:"
                    + io.gapsync.protocol.Digest.sha256Of(k.publicKey().raw())
                        .hex()
                        .substring(0, 32)));
    assertThat(key(4).keyId()).isNotEqualTo(k.keyId());
  }

  @Test
  void writeNeverOverwritesAnExistingKey() throws Exception {
    KeyFiles.write(dir.resolve("p"), key(5));
    byte[] before = Files.readAllBytes(dir.resolve("p.key"));

    assertThatThrownBy(() -> KeyFiles.write(dir.resolve("p"), key(6)))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(dir.resolve("p.key"))).isEqualTo(before);
  }

  @Test
  void readPrivateRefusesAKeyOthersCanRead() throws Exception {
    KeyFiles.write(dir.resolve("p"), key(7));
    Files.setPosixFilePermissions(
        dir.resolve("p.key"), PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> KeyFiles.readPrivate(dir.resolve("p.key")))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("readable by others")
        .hasMessageContaining("chmod 600")
        .extracting(e -> ((TrustException) e).reason())
        .isEqualTo(TrustException.Reason.FILE_INVALID);
  }

  @Test
  void readPublicRefusesAKeyIdThatDoesNotMatchTheKey() throws Exception {
    KeyFiles.write(dir.resolve("p"), key(8));
    Path pub = dir.resolve("p.pub");
    String other = key(9).keyId().toString();
    Files.writeString(pub, Files.readString(pub).replaceAll("ed25519:[0-9a-f]{32}", other));

    assertThatThrownBy(() -> KeyFiles.readPublic(pub))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("is not the id of its key")
        .extracting(e -> ((TrustException) e).reason())
        .isEqualTo(TrustException.Reason.KEY_INVALID);
  }

  @Test
  void readPublicRefusesANewerFormatVersionNamingBoth() throws Exception {
    KeyFiles.write(dir.resolve("p"), key(10));
    Path pub = dir.resolve("p.pub");
    Files.writeString(
        pub, Files.readString(pub).replace("\"formatVersion\" : 1", "\"formatVersion\" : 2"));

    assertThatThrownBy(() -> KeyFiles.readPublic(pub))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining(
            "formatVersion is 2 and this gapsync reads version 1: upgrade gapsync");
  }

  @Test
  void signingKeyToStringDoesNotRevealTheSecret() {
    SigningKey k = key(11);
    assertThat(k.toString()).isEqualTo("SigningKey[" + k.keyId() + "]");
  }
}
