package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {

  private static final String EMPTY_SHA256 =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void parseAcceptsSha256AndKeepsCanonicalForm() {
    Digest d = Digest.parse(EMPTY_SHA256);

    assertThat(d.algorithm()).isEqualTo(DigestAlgorithm.SHA256);
    assertThat(d.hex()).hasSize(64);
    assertThat(d.toString()).isEqualTo(EMPTY_SHA256);
  }

  @Test
  void parseAcceptsSha512() {
    Digest d = Digest.parse("sha512:" + "0".repeat(128));

    assertThat(d.algorithm()).isEqualTo(DigestAlgorithm.SHA512);
  }

  @Test
  void parseRejectsUppercaseHex() {
    assertThatThrownBy(() -> Digest.parse("sha256:" + "A".repeat(64)))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessageContaining("expected 64 lowercase hex characters");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 63, 65, 128})
  void parseRejectsWrongLength(int length) {
    assertThatThrownBy(() -> Digest.parse("sha256:" + "a".repeat(length)))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessageStartingWith("Invalid sha256 digest");
  }

  @Test
  void parseRejectsUnknownAlgorithm() {
    assertThatThrownBy(() -> Digest.parse("md5:" + "a".repeat(32)))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessage("Unsupported digest algorithm 'md5': gapsync accepts sha256 and sha512");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", ":abc", "sha256"})
  void parseRejectsMissingAlgorithmOrSeparator(String value) {
    assertThatThrownBy(() -> Digest.parse(value))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessageContaining("expected algorithm:hex");
  }

  @Test
  void parseRejectsNull() {
    assertThatThrownBy(() -> Digest.parse(null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessage("Digest is missing");
  }

  @Test
  void parseRejectsOverlongInputAndAbbreviatesIt() {
    String value = "sha256:" + "a".repeat(500);

    assertThatThrownBy(() -> Digest.parse(value))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID)
        .hasMessageContaining("...")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
  }

  @Test
  void constructorRejectsNullParts() {
    assertThatThrownBy(() -> new Digest(DigestAlgorithm.SHA256, null))
        .isInstanceOf(ProtocolException.class)
        .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_INVALID);
  }

  @Test
  void isValidAgreesWithParse() {
    assertThat(Digest.isValid(EMPTY_SHA256)).isTrue();
    assertThat(Digest.isValid("sha256:xyz")).isFalse();
    assertThat(Digest.isValid(null)).isFalse();
  }

  @Test
  void sha256OfEmptyInputIsTheWellKnownValue() {
    assertThat(Digest.sha256Of(new byte[0]).toString()).isEqualTo(EMPTY_SHA256);
    assertThat(Digest.sha256Of("")).isEqualTo(Digest.parse(EMPTY_SHA256));
  }

  @Test
  void sha256OfStringHashesUtf8Bytes() {
    assertThat(Digest.sha256Of("h\u00e9"))
        .isEqualTo(Digest.sha256Of("h\u00e9".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void rawAndFromRawRoundTrip() {
    Digest d = Digest.sha256Of("gapsync");

    assertThat(d.raw()).hasSize(32);
    assertThat(Digest.fromRaw(DigestAlgorithm.SHA256, d.raw())).isEqualTo(d);
  }

  @Test
  void shortHexIsTheFirstTwelveCharacters() {
    assertThat(Digest.parse(EMPTY_SHA256).shortHex()).isEqualTo("e3b0c44298fc");
  }

  @Test
  void compareToOrdersByDigestString() {
    Digest a = Digest.parse("sha256:" + "0".repeat(63) + "1");
    Digest b = Digest.parse("sha256:" + "f".repeat(64));
    Digest c = Digest.parse("sha512:" + "0".repeat(128));

    assertThat(a).isLessThan(b);
    assertThat(b).isLessThan(c);
    assertThat(a.compareTo(Digest.parse(a.toString()))).isZero();
  }

  @Test
  void equalDigestsAreEqualAndHashAlike() {
    assertThat(Digest.parse(EMPTY_SHA256))
        .isEqualTo(Digest.parse(EMPTY_SHA256))
        .hasSameHashCodeAs(Digest.parse(EMPTY_SHA256));
  }
}
