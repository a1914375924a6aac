package io.gapsync.protocol.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signature checks against trusted keys and a threshold. */
class TrustPolicyTest {

  @TempDir Path dir;

  private static final byte[] MSG = "the statement".getBytes(StandardCharsets.UTF_8);
  private final SigningKey a = SigningKey.generate(KeyFilesTest.seeded(21));
  private final SigningKey b = SigningKey.generate(KeyFilesTest.seeded(22));
  private final SigningKey c = SigningKey.generate(KeyFilesTest.seeded(23));

  private TrustPolicy policy(int threshold, SigningKey... keys) {
    return new TrustPolicy(
        java.util.Arrays.stream(keys).map(k -> new TrustedKey(k.publicKey(), "k")).toList(),
        threshold);
  }

  @Test
  void verifyAcceptsASignatureByATrustedKey() {
    assertThat(policy(1, a).verify(MSG, List.of(a.sign(MSG)), "x")).containsExactly(a.keyId());
  }

  @Test
  void verifyRejectsASignatureOverOtherBytes() {
    byte[] tampered = MSG.clone();
    tampered[0] ^= 1;
    assertThatThrownBy(() -> policy(1, a).verify(tampered, List.of(a.sign(MSG)), "archive x"))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("Tried to verify archive x but failed because 0 of the required 1")
        .hasMessageContaining(
            "signatures that do not verify (tampered or wrong key) by [" + a.keyId() + "]")
        .extracting(e -> ((TrustException) e).reason())
        .isEqualTo(TrustException.Reason.THRESHOLD_NOT_MET);
  }

  @Test
  void verifyRejectsASignatureByAnUnknownKeyNamingIt() {
    assertThatThrownBy(() -> policy(1, a).verify(MSG, List.of(b.sign(MSG)), "archive x"))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("signed by keys this site does not trust: [" + b.keyId() + "]");
  }

  @Test
  void verifyRejectsASignatureClaimingATrustedKeyIdButMadeByAnotherKey() {
    KeySignature forged = new KeySignature(a.keyId(), b.sign(MSG).signature());
    assertThatThrownBy(() -> policy(1, a).verify(MSG, List.of(forged), "x"))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("do not verify");
  }

  @Test
  void thresholdCountsDistinctKeysSoADuplicatedSignatureCannotFakeIt() {
    TrustPolicy two = policy(2, a, b, c);
    assertThatThrownBy(() -> two.verify(MSG, List.of(a.sign(MSG), a.sign(MSG)), "x"))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("1 of the required 2");
    assertThat(two.verify(MSG, List.of(a.sign(MSG), c.sign(MSG)), "x"))
        .containsExactlyInAnyOrder(a.keyId(), c.keyId());
  }

  @Test
  void rotationAcceptsOldAndNewKeyWhileBothAreTrusted() {
    TrustPolicy both = policy(1, a, b);
    assertThat(both.verify(MSG, List.of(a.sign(MSG)), "x")).containsExactly(a.keyId());
    assertThat(both.verify(MSG, List.of(b.sign(MSG)), "x")).containsExactly(b.keyId());
    assertThat(policy(1, b).verify(MSG, List.of(a.sign(MSG), b.sign(MSG)), "x"))
        .containsExactly(b.keyId());
  }

  @Test
  void loadReadsATrustFileWrittenByToFileBytes() throws Exception {
    Path f = dir.resolve("trust.json");
    Files.write(f, policy(2, a, b).toFileBytes());

    TrustPolicy p = TrustPolicy.load(f);

    assertThat(p.threshold()).isEqualTo(2);
    assertThat(p.keys()).containsOnlyKeys(a.keyId(), b.keyId());
  }

  @Test
  void loadAcceptsASinglePublicKeyFileWithThresholdOne() throws Exception {
    KeyFiles.write(dir.resolve("p"), a);
    TrustPolicy p = TrustPolicy.load(dir.resolve("p.pub"));
    assertThat(p.threshold()).isEqualTo(1);
    assertThat(p.keys()).containsOnlyKeys(a.keyId());
  }

  @Test
  void loadDefaultsTheThresholdToOne() throws Exception {
    Path f = dir.resolve("trust.json");
    Files.writeString(
        f,
        "{\"format\":\"gapsync.trust\",\"formatVersion\":1,\"keys\":[{\"keyId\":\""
            + a.keyId()
            + "\",\"publicKey\":\""
            + a.publicKey().base64()
            + "\",\"name\":\"depot\"}]}");
    assertThat(TrustPolicy.load(f).threshold()).isEqualTo(1);
  }

  @Test
  void loadRefusesAThresholdAboveTheNumberOfKeys() throws Exception {
    Path f = dir.resolve("trust.json");
    Files.write(
        f,
        new String(policy(1, a).toFileBytes(), StandardCharsets.UTF_8)
            .replace("\"threshold\" : 1", "\"threshold\" : 2")
            .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> TrustPolicy.load(f))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("threshold 2 is outside 1..1");
  }

  @Test
  void loadRefusesDuplicateJsonKeysAndUnknownFields() throws Exception {
    Path f = dir.resolve("trust.json");
    Files.writeString(f, "{\"format\":\"gapsync.trust\",\"format\":\"gapsync.trust\"}");
    assertThatThrownBy(() -> TrustPolicy.load(f))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("uplicate");
    Files.writeString(f, "{\"format\":\"gapsync.trust\",\"formatVersion\":1,\"keys\":[],\"x\":1}");
    assertThatThrownBy(() -> TrustPolicy.load(f))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("unknown field 'x'");
  }
}
