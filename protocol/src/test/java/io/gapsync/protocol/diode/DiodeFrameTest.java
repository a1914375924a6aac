package io.gapsync.protocol.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustException;
import io.gapsync.protocol.trust.TrustPolicy;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The diode wire format: header flyweight, CRC, and the control payloads. */
class DiodeFrameTest {

  private static final Digest DIGEST = Digest.sha256Of("an archive");

  private static SigningKey key(int seed) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(seed);
    return SigningKey.generate(r);
  }

  @Test
  void headerFieldsRoundTripBigEndianAtNamedOffsets() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(100);
    DiodeFrame frame = new DiodeFrame().wrap(buffer, 10, 90);
    frame.header(DiodeFrame.TYPE_SYMBOL, 0xCAFEBABE, 0x0102030405060708L, -2L, 7, 219);
    buffer.put(10 + DiodeFrame.HEADER_LENGTH, (byte) 42);
    int length = frame.seal(1);

    DiodeFrame read = new DiodeFrame().wrap(buffer, 10, length);
    assertThat(read.check()).isNull();
    assertThat(length).isEqualTo(37);
    assertThat(read.type()).isEqualTo(DiodeFrame.TYPE_SYMBOL);
    assertThat(read.epoch()).isEqualTo(0xCAFEBABE);
    assertThat(read.sequence()).isEqualTo(0x0102030405060708L);
    assertThat(read.objectId()).isEqualTo(-2L);
    assertThat(read.block()).isEqualTo(7);
    assertThat(read.symbol()).isEqualTo(219);
    assertThat(read.payloadLength()).isEqualTo(1);
    assertThat(buffer.get(read.payloadOffset())).isEqualTo((byte) 42);
    // Big-endian on the wire: magic "GD" then version 1, sequence most significant byte first.
    assertThat(buffer.get(10)).isEqualTo((byte) 'G');
    assertThat(buffer.get(11)).isEqualTo((byte) 'D');
    assertThat(buffer.get(12)).isEqualTo((byte) 1);
    assertThat(buffer.get(10 + DiodeFrame.SEQUENCE_OFFSET)).isEqualTo((byte) 1);
  }

  @Test
  void everySingleBitFlipIsCaughtByTheCrcOrTheHeaderChecks() {
    ByteBuffer buffer = ByteBuffer.allocate(64);
    DiodeFrame frame = new DiodeFrame().wrap(buffer, 0, 64);
    frame.header(DiodeFrame.TYPE_HEARTBEAT, 1, 2, 3, 4, 5);
    int length = frame.seal(new Heartbeat(9, 800_000_000L, 1, 2).encode(buffer, 32));
    for (int bit = 0; bit < length * 8; bit++) {
      buffer.put(bit / 8, (byte) (buffer.get(bit / 8) ^ (1 << (bit % 8))));
      assertThat(new DiodeFrame().wrap(buffer, 0, length).check()).as("bit %d", bit).isNotNull();
      buffer.put(bit / 8, (byte) (buffer.get(bit / 8) ^ (1 << (bit % 8))));
    }
    assertThat(new DiodeFrame().wrap(buffer, 0, length).check()).isNull();
    assertThat(new DiodeFrame().wrap(buffer, 0, 20).check()).isEqualTo("short");
    buffer.put(2, (byte) 2);
    assertThat(new DiodeFrame().wrap(buffer, 0, length).check()).isEqualTo("version");
  }

  @Test
  void heartbeatRoundTrips() {
    ByteBuffer buffer = ByteBuffer.allocate(64);
    Heartbeat h = new Heartbeat(123_456_789_012L, 800_000_000L, 2, 3);
    assertThat(Heartbeat.decode(buffer, 4, h.encode(buffer, 4))).isEqualTo(h);
    assertThatThrownBy(() -> Heartbeat.decode(buffer, 4, 23))
        .isInstanceOf(DiodeException.class)
        .hasMessage("Diode heartbeat is 23 bytes, expected 24");
  }

  @Test
  void signedAnnouncementRoundTripsAndVerifies() throws Exception {
    SigningKey key = key(1);
    Announcement a =
        new Announcement(DIGEST, "x.gsa", new BlockLayout(1_000_000, 1416, 200, 20, 32), null)
            .signedBy(key);
    ByteBuffer buffer = ByteBuffer.allocate(1500);
    int length = a.encode(buffer, 32);
    assertThat(length).isLessThanOrEqualTo(Announcement.PAYLOAD_LENGTH_MAX);

    Announcement read = Announcement.decode(buffer, 32, length);

    assertThat(read).isEqualTo(a);
    assertThat(read.objectId()).isEqualTo(DiodeFrame.objectId(DIGEST.raw()));
    read.verify(TrustPolicy.of(key.publicKey()));
  }

  @Test
  void announcementFromAnotherKeyOrTamperedIsRefusedNamingTheObject() throws Exception {
    SigningKey key = key(1);
    Announcement a =
        new Announcement(DIGEST, "x.gsa", new BlockLayout(1_000_000, 1416, 200, 20, 32), null)
            .signedBy(key);
    ByteBuffer buffer = ByteBuffer.allocate(1500);
    int length = a.encode(buffer, 0);
    assertThatThrownBy(() -> a.verify(TrustPolicy.of(key(2).publicKey())))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("diode announcement of x.gsa (" + DIGEST + ")")
        .hasMessageContaining("keys this site does not trust");
    buffer.put(15, (byte) (buffer.get(15) ^ 1)); // size field
    Announcement tampered = Announcement.decode(buffer, 0, length);
    assertThatThrownBy(() -> tampered.verify(TrustPolicy.of(key.publicKey())))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("tampered");
  }

  @Test
  void outerBlocksTravelInByteThreeAndAreSignedAndCounted() throws Exception {
    SigningKey key = key(1);
    // 1,000,000 bytes in blocks of 20 x 1,408: 36 data blocks; one outer block per 16: 2 more,
    // the second covering blocks 16 to 35 (the last group takes the rest).
    BlockLayout layout =
        new BlockLayout(1_000_000, 1408, 20, 4, 8, Announcement.SCHEME_CAUCHY_BITMATRIX_GF256, 16);
    assertThat(layout.blockCount()).isEqualTo(36);
    assertThat(layout.outerCount()).isEqualTo(2);
    assertThat(layout.totalBlocks()).isEqualTo(38);
    assertThat(layout.isOuter(35)).isFalse();
    assertThat(layout.isOuter(36)).isTrue();
    assertThat(layout.outerGroup(15)).isEqualTo(0);
    assertThat(layout.outerGroup(35)).isEqualTo(1);
    assertThat(layout.outerGroup(37)).isEqualTo(1);
    assertThat(layout.outerFirst(1)).isEqualTo(16);
    assertThat(layout.outerEnd(0)).isEqualTo(16);
    assertThat(layout.outerEnd(1)).isEqualTo(36);
    // The last data block is short; outer blocks always have k data symbols.
    assertThat(layout.dataSymbols(35)).isLessThan(20);
    assertThat(layout.dataSymbols(37)).isEqualTo(20);
    assertThat(layout.totalSymbols()).isEqualTo(35L * 24 + layout.dataSymbols(35) + 4 + 2L * 24);
    assertThat(layout.overhead()).isCloseTo(17.0 * 24 / (16 * 20) - 1, within(1e-12));
    // Fewer blocks than one group: no outer block at all.
    assertThat(
            new BlockLayout(100_000, 1408, 20, 4, 8, Announcement.SCHEME_CAUCHY_BITMATRIX_GF256, 16)
                .outerCount())
        .isZero();
    Announcement a = new Announcement(DIGEST, "x.gsa", layout, null).signedBy(key);
    ByteBuffer buffer = ByteBuffer.allocate(1500);
    int length = a.encode(buffer, 0);
    assertThat(buffer.get(3)).isEqualTo((byte) 16);

    Announcement read = Announcement.decode(buffer, 0, length);

    assertThat(read).isEqualTo(a);
    read.verify(TrustPolicy.of(key.publicKey()));
    buffer.put(3, (byte) 0); // a receiver that ignored the outer blocks would be told otherwise
    Announcement tampered = Announcement.decode(buffer, 0, length);
    assertThatThrownBy(() -> tampered.verify(TrustPolicy.of(key.publicKey())))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("tampered");
    assertThatThrownBy(
            () ->
                new BlockLayout(
                    1_000, 1408, 20, 4, 8, Announcement.SCHEME_CAUCHY_BITMATRIX_GF256, 256))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("outer=256 (0..255)");
  }

  @Test
  void theBitMatrixSchemeRoundTripsAndRefusesASymbolSizeItCannotCode() throws Exception {
    SigningKey key = key(1);
    Announcement a =
        new Announcement(
                DIGEST,
                "x.gsa",
                new BlockLayout(
                    1_000_000, 1408, 200, 10, 32, Announcement.SCHEME_CAUCHY_BITMATRIX_GF256),
                null)
            .signedBy(key);
    ByteBuffer buffer = ByteBuffer.allocate(1500);
    int length = a.encode(buffer, 0);
    assertThat(buffer.get(0)).isEqualTo((byte) 2);

    Announcement read = Announcement.decode(buffer, 0, length);

    assertThat(read).isEqualTo(a);
    assertThat(read.layout().code()).isInstanceOf(CauchyBitMatrixCode.class);
    read.verify(TrustPolicy.of(key.publicKey()));
    buffer.putShort(4, (short) 1416);
    assertThatThrownBy(() -> Announcement.decode(buffer, 0, length))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("symbolSize=1416")
        .hasMessageContaining("scheme=2 (1, or 2 with a symbol size that is a multiple of 64)");
  }

  @Test
  void announcementWithAnUnknownSchemeOrBadLengthIsRefused() throws Exception {
    Announcement a =
        new Announcement(DIGEST, "x.gsa", new BlockLayout(10, 1416, 200, 20, 32), null)
            .signedBy(key(1));
    ByteBuffer buffer = ByteBuffer.allocate(1500);
    int length = a.encode(buffer, 0);
    assertThatThrownBy(() -> Announcement.decode(buffer, 0, length - 1))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("needs " + length);
    buffer.put(0, (byte) 6);
    assertThatThrownBy(() -> Announcement.decode(buffer, 0, length))
        .isInstanceOf(DiodeException.class)
        .hasMessage(
            "Diode announcement uses FEC scheme 6 but this receiver knows only 1 (Cauchy"
                + " Reed-Solomon) and 2 (Cauchy Reed-Solomon, bit-matrix): upgrade the receiver");
  }

  @Test
  void unsafeNamesAreRefused() {
    for (String bad : List.of("", ".hidden", "a/b", "..", "a\\b", "tab\tname", "x".repeat(256))) {
      assertThatThrownBy(() -> Announcement.checkName(bad))
          .as(bad)
          .isInstanceOf(DiodeException.class)
          .hasMessageContaining("rename the file");
    }
    Announcement.checkName("site-a.0001.gsa");
  }

  @Test
  void catalogueSplitsIntoPartsThatFitAndRoundTrips() {
    List<CatalogEntry> entries = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      entries.add(
          new CatalogEntry(Digest.sha256Of("o" + i), i * 1000L, 1, 3, "file-" + i + ".gsa"));
    }
    List<List<CatalogEntry>> parts = CatalogEntry.split(entries, 1416);
    assertThat(parts).hasSizeGreaterThan(1);
    List<CatalogEntry> read = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.allocate(1416);
    for (List<CatalogEntry> part : parts) {
      int length = CatalogEntry.encode(part, buffer, 0);
      assertThat(length).isLessThanOrEqualTo(1416);
      read.addAll(CatalogEntry.decode(buffer, 0, length));
    }
    assertThat(read).isEqualTo(entries);
    assertThatThrownBy(() -> CatalogEntry.decode(buffer, 0, 40))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("truncated at entry 0");
  }

  @Test
  void blockLayoutCountsBlocksSymbolsAndTheShortLastBlock() {
    BlockLayout l = new BlockLayout(200L * 1000 * 3 + 1001, 1000, 200, 20, 2);
    assertThat(l.blockCount()).isEqualTo(4);
    assertThat(l.dataSymbols(0)).isEqualTo(200);
    assertThat(l.dataSymbols(3)).isEqualTo(2);
    assertThat(l.totalSymbols()).isEqualTo(3 * 220 + 22);
    assertThat(l.groupCount()).isEqualTo(2);
    assertThat(l.dataOffset(1, 3)).isEqualTo(203_000);
    assertThat(new BlockLayout(0, 1000, 200, 20, 2).blockCount()).isZero();
    assertThatThrownBy(() -> new BlockLayout(10, 1000, 200, 57, 2))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("k + m <= 256");
  }
}
