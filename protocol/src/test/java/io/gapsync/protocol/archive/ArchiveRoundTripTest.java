package io.gapsync.protocol.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustException;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.protocol.trust.TrustedKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Writing and reading real archives: round trip, and every kind of damage rejected and named. */
class ArchiveRoundTripTest {

  private final SigningKey producer = ArchiveFixture.key(31);
  private final TrustPolicy trust = TrustPolicy.of(producer.publicKey());

  /** Reads every entry's content; throws what the reader throws. */
  private Map<Digest, byte[]> read(byte[] archive, TrustPolicy trust, Instant now)
      throws IOException {
    Map<Digest, byte[]> out = new LinkedHashMap<>();
    try (InputStream in = new ByteArrayInputStream(archive)) {
      ArchiveReader r = ArchiveReader.open(in, "test.gsa", trust, now);
      r.readEntries((i, e, content) -> out.put(e.digest(), content.readAllBytes()));
    }
    return out;
  }

  @Test
  void writtenArchiveReadsBackEveryEntryBitForBit() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(1);
    byte[] archive = f.write(f.statement(), producer);

    Map<Digest, byte[]> got = read(archive, trust, ArchiveFixture.NOW);

    assertThat(got.keySet()).containsExactlyElementsOf(f.content.keySet());
    f.content.forEach((d, b) -> assertThat(got.get(d)).isEqualTo(b));
    assertThat(archive.length).isLessThan((int) (f.statement().contentBytes()));
  }

  @Test
  void openVerifiesBeforeAnyEntryAndExposesTheStatement() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(1);
    byte[] archive = f.write(f.statement(), producer);
    ArchiveReader r =
        ArchiveReader.open(new ByteArrayInputStream(archive), "t", trust, ArchiveFixture.NOW);
    assertThat(r.statement()).isEqualTo(f.statement());
    assertThat(r.signedBy()).containsExactly(producer.keyId());
    assertThat(r.statementDigest()).isEqualTo(Digest.sha256Of(f.statement().toBytes()));
  }

  @Test
  void handlerThatSkipsContentStillHasItVerified() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(1);
    byte[] archive = f.write(f.statement(), producer);
    int at = payloadOffset(archive, f.statement(), 1) + 5;
    archive[at] ^= 0x40;
    ArchiveReader r =
        ArchiveReader.open(new ByteArrayInputStream(archive), "t", trust, ArchiveFixture.NOW);
    assertThatThrownBy(() -> r.readEntries((i, e, c) -> {}))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("entry 1 (blob " + f.entries.get(1).digest())
        .hasMessageContaining("is corrupt");
  }

  @Test
  void singleByteCorruptionAnywhereIsRejected() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(2);
    byte[] good = f.write(f.statement(), producer);
    Random random = new Random(4711);
    for (int n = 0; n < 300; n++) {
      // A third in the header and statement, the rest anywhere.
      int at =
          n % 3 == 0 ? random.nextInt(Math.min(good.length, 4096)) : random.nextInt(good.length);
      byte[] bad = good.clone();
      bad[at] ^= (byte) (1 + random.nextInt(255));

      Throwable t = catchThrowable(() -> read(bad, trust, ArchiveFixture.NOW));

      assertThat(t)
          .as("corruption at offset %d of %d", at, good.length)
          .isInstanceOf(ProtocolException.class);
      assertThat(t.getMessage()).as("offset %d", at).startsWith("Tried to");
    }
  }

  @Test
  void truncationAnywhereIsRejected() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(3);
    byte[] good = f.write(f.statement(), producer);
    Random random = new Random(815);
    for (int n = 0; n < 120; n++) {
      int cut = n < 20 ? n : n < 40 ? good.length - (n - 19) : random.nextInt(good.length);
      byte[] bad = java.util.Arrays.copyOf(good, cut);

      Throwable t = catchThrowable(() -> read(bad, trust, ArchiveFixture.NOW));

      assertThat(t).as("cut at %d of %d", cut, good.length).isInstanceOf(ProtocolException.class);
    }
    Throwable tail =
        catchThrowable(
            () -> read(java.util.Arrays.copyOf(good, good.length - 1), trust, ArchiveFixture.NOW));
    assertThat(tail).isInstanceOf(ArchiveException.class).hasMessageContaining("truncated");
  }

  @Test
  void bytesAfterTheTrailerAreRejected() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(3);
    byte[] good = f.write(f.statement(), producer);
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> read(longer, trust, ArchiveFixture.NOW))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("bytes after its trailer");
  }

  @Test
  void archiveSignedByAnUntrustedKeyIsRejectedBeforeItsStatementIsRead() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(4);
    SigningKey stranger = ArchiveFixture.key(99);
    byte[] archive = f.write(f.statement(), stranger);
    assertThatThrownBy(() -> read(archive, trust, ArchiveFixture.NOW))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("does not trust: [" + stranger.keyId() + "]");
  }

  @Test
  void thresholdOfTwoNeedsTwoTrustedSignatures() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(4);
    SigningKey second = ArchiveFixture.key(32);
    TrustPolicy two =
        new TrustPolicy(
            List.of(
                new TrustedKey(producer.publicKey(), "a"), new TrustedKey(second.publicKey(), "b")),
            2);
    assertThatThrownBy(() -> read(f.write(f.statement(), producer), two, ArchiveFixture.NOW))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("1 of the required 2");
    assertThat(read(f.write(f.statement(), producer, second), two, ArchiveFixture.NOW)).hasSize(6);
  }

  @Test
  void expiredArchiveIsRejectedNamingTheTimes() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(5);
    byte[] archive = f.write(f.statement(), producer);
    Instant late = ArchiveFixture.EXPIRES.plusSeconds(1);
    assertThatThrownBy(() -> read(archive, trust, late))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("expired at " + ArchiveFixture.EXPIRES + " and it is now " + late)
        .extracting(e -> ((ArchiveException) e).reason())
        .isEqualTo(ArchiveException.Reason.EXPIRED);
    assertThat(read(archive, trust, ArchiveFixture.EXPIRES)).hasSize(6);
  }

  @Test
  void tamperedStatementIsRejectedEvenWithConsistentLengths() throws Exception {
    ArchiveFixture f = ArchiveFixture.standard(6);
    byte[] archive = f.write(f.statement(), producer);
    // Move the expiry a year on, keeping every length: only the signature can tell.
    String s = new String(archive, 0, 2000, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = s.indexOf("\"expiresAt\":\"2026") + "\"expiresAt\":\"".length() + 3;
    archive[at] = '7';
    assertThatThrownBy(() -> read(archive, trust, ArchiveFixture.NOW))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("do not verify");
  }

  @Test
  void entrySwappedInFromAnotherArchiveIsRejectedNamingTheEntry() throws Exception {
    ArchiveFixture a = ArchiveFixture.standard(7);
    ArchiveFixture b = ArchiveFixture.standard(8);
    byte[] archiveA = a.write(a.statement(), producer);
    byte[] archiveB = b.write(b.statement(), producer);
    int offA = payloadOffset(archiveA, a.statement(), 0);
    int offB = payloadOffset(archiveB, b.statement(), 0);
    long len = a.entries.get(0).storedSize();
    assertThat(b.entries.get(0).storedSize()).isEqualTo(len);
    System.arraycopy(archiveB, offB, archiveA, offA, (int) len);

    assertThatThrownBy(() -> read(archiveA, trust, ArchiveFixture.NOW))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("entry 0 (blob " + a.entries.get(0).digest())
        .hasMessageContaining("its stored bytes hash to " + b.entries.get(0).storedDigest());
  }

  @Test
  void notAnArchiveAndNewerVersionAreRefusedByName() throws Exception {
    assertThatThrownBy(
            () -> read("hello, this is not an archive".getBytes(), trust, ArchiveFixture.NOW))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("not a gapsync archive");
    ArchiveFixture f = ArchiveFixture.standard(9);
    byte[] archive = f.write(f.statement(), producer);
    archive[9] = 2;
    assertThatThrownBy(() -> read(archive, trust, ArchiveFixture.NOW))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining(
            "archive format version is 2 and this gapsync reads version 1: upgrade gapsync");
  }

  /** Offset of entry i's stored bytes in an archive. */
  static int payloadOffset(byte[] archive, ArchiveStatement s, int i) {
    ByteBuffer h = ByteBuffer.wrap(archive);
    long off = 20L + h.getInt(12) + h.getInt(16);
    for (int j = 0; j < i; j++) {
      off += 16 + s.entries().get(j).storedSize();
    }
    return (int) off + 16;
  }
}
