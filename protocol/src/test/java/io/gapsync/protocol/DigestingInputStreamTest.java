package io.gapsync.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestingInputStreamTest {

  private static final byte[] CONTENT = "hello, air gap\n".getBytes(StandardCharsets.UTF_8);
  private static final Digest CONTENT_DIGEST = Digest.sha256Of(CONTENT);

  @Test
  void readAllBytesHashesAndCountsEverything() throws IOException {
    try (DigestingInputStream in = stream()) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
      assertThat(in.count()).isEqualTo(CONTENT.length);
      assertThat(in.digest()).isEqualTo(CONTENT_DIGEST);
    }
  }

  @Test
  void singleByteReadsHashLikeBulkReads() throws IOException {
    try (DigestingInputStream in = stream()) {
      while (in.read() >= 0) {
        // drain
      }
      assertThat(in.count()).isEqualTo(CONTENT.length);
      assertThat(in.digest()).isEqualTo(CONTENT_DIGEST);
    }
  }

  @Test
  void transferToHashesWhatItCopies() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DigestingInputStream in = stream()) {
      in.transferTo(out);
      assertThat(in.digest()).isEqualTo(CONTENT_DIGEST);
    }
    assertThat(out.toByteArray()).isEqualTo(CONTENT);
  }

  @Test
  void skipReadsThroughSoTheHashCoversSkippedBytes() throws IOException {
    try (DigestingInputStream in = stream()) {
      assertThat(in.skip(5)).isEqualTo(5);
      in.readAllBytes();
      assertThat(in.count()).isEqualTo(CONTENT.length);
      assertThat(in.digest()).isEqualTo(CONTENT_DIGEST);
    }
  }

  @Test
  void skipPastTheEndStopsAtTheEnd() throws IOException {
    try (DigestingInputStream in = stream()) {
      assertThat(in.skip(1_000)).isEqualTo(CONTENT.length);
      assertThat(in.digest()).isEqualTo(CONTENT_DIGEST);
    }
  }

  @Test
  void markIsNotSupported() throws IOException {
    try (DigestingInputStream in = stream()) {
      assertThat(in.markSupported()).isFalse();
    }
  }

  @Test
  void sha512StreamsComputeSha512() throws IOException {
    try (DigestingInputStream in =
        new DigestingInputStream(new ByteArrayInputStream(CONTENT), DigestAlgorithm.SHA512)) {
      in.readAllBytes();
      Digest expected =
          Digest.fromRaw(
              DigestAlgorithm.SHA512, DigestAlgorithm.SHA512.newMessageDigest().digest(CONTENT));
      assertThat(in.digest()).isEqualTo(expected);
    }
  }

  @Test
  void verifyAcceptsMatchingDigestAndSize() throws IOException {
    try (DigestingInputStream in = stream()) {
      in.readAllBytes();
      in.verify(CONTENT_DIGEST, CONTENT.length, "blob");
      in.verify(CONTENT_DIGEST, -1, "blob of unknown size");
    }
  }

  @Test
  void verifyRejectsSizeMismatch() throws IOException {
    try (DigestingInputStream in = stream()) {
      in.readAllBytes();
      assertThatThrownBy(() -> in.verify(CONTENT_DIGEST, 99, "layer 2 of oci:/tmp/x"))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.SIZE_MISMATCH)
          .hasMessage(
              "Tried to read layer 2 of oci:/tmp/x ("
                  + CONTENT_DIGEST
                  + ") but it has "
                  + CONTENT.length
                  + " bytes where 99 were announced");
    }
  }

  @Test
  void verifyRejectsDigestMismatch() throws IOException {
    Digest other = Digest.sha256Of("something else");
    try (DigestingInputStream in = stream()) {
      in.readAllBytes();
      assertThatThrownBy(() -> in.verify(other, CONTENT.length, "layer 2 of oci:/tmp/x"))
          .isInstanceOf(ProtocolException.class)
          .hasFieldOrPropertyWithValue("code", ProtocolException.Code.DIGEST_MISMATCH)
          .hasMessage(
              "Tried to read layer 2 of oci:/tmp/x but its content hashes to "
                  + CONTENT_DIGEST
                  + " instead of "
                  + other
                  + ": the source is corrupt or was modified");
    }
  }

  @Test
  void digestIsStableWhenAskedTwice() throws IOException {
    try (DigestingInputStream in = stream()) {
      in.readAllBytes();
      assertThat(in.digest()).isSameAs(in.digest());
    }
  }

  @Test
  void drainHashesTheRestOfAStreamLongerThanItsChunk() throws IOException {
    byte[] big = new byte[(1 << 20) * 2 + 17];
    new java.util.Random(5).nextBytes(big);
    DigestingInputStream in =
        new DigestingInputStream(new ByteArrayInputStream(big), DigestAlgorithm.SHA256);
    assertThat(in.read()).isEqualTo(big[0] & 0xff);

    assertThat(in.drain()).isSameAs(in);

    assertThat(in.count()).isEqualTo(big.length);
    assertThat(in.digest()).isEqualTo(Digest.sha256Of(big));
  }

  private static DigestingInputStream stream() {
    return new DigestingInputStream(new ByteArrayInputStream(CONTENT), DigestAlgorithm.SHA256);
  }
}
