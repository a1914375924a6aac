package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.diode.DiodeFrame;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The receiver's sha256 is computed as blocks are written ({@link HashCursor}), over real UDP on
 * 127.0.0.1 with deterministic loss: what it publishes is bit-exact, the publish reads back only
 * what was not hashed yet, and content that does not match the announcement is refused as before.
 */
class DiodePublishDigestTest {

  /** As in {@link DiodeTransferTest}: slow enough that loopback itself never drops. */
  private static final long RATE = 80_000_000L;

  /** 2,000,000 bytes in blocks of 20 x 1,408: 72 blocks, the last one 560 bytes. */
  private static final int SIZE = 2_000_000;

  @TempDir Path tmp;

  private final SigningKey key = DiodeTestKit.key(1);
  private final TrustPolicy trust = TrustPolicy.of(key.publicKey());
  private final DiodeTestKit.Events events = new DiodeTestKit.Events();

  private DiodeReceiver receiver(Path spool) throws IOException {
    return DiodeReceiver.start(
        DiodeReceiverConfig.defaults(new InetSocketAddress("127.0.0.1", 0), spool)
            .withRing(4 << 20)
            .withBlockBuffers(BlockPool.BUDGET_BYTES_DEFAULT),
        trust,
        events);
  }

  private static DiodeSenderConfig small() {
    return DiodeSenderConfig.defaults().withRate(RATE).withFec(20, 4, 4).withOuter(0);
  }

  private static long blockBytes(DiodeSenderConfig c) {
    return 20L * c.symbolSize();
  }

  private void send(DiodeReceiver r, DiodeSenderConfig config, LossModel loss, Path file)
      throws IOException {
    send(new LossInjectingSink(PacketSinks.udp(r.address()), loss, 7, 0, 50), config, file);
  }

  private void send(PacketSink sink, DiodeSenderConfig config, Path file) throws IOException {
    try (sink) {
      new DiodeSender(config, key, sink).send(List.of(file));
    }
  }

  /** Drops every symbol of blocks 30 and later: blocks 0-29 arrive whole, the rest not at all. */
  private static boolean secondPart(DiodeFrame f) {
    return f.type() == DiodeFrame.TYPE_SYMBOL && f.block() >= 30;
  }

  @Test
  void anObjectReceivedInOrderIsHashedAsItIsWrittenAndNothingIsReadBack() throws Exception {
    Path spool = tmp.resolve("spool");
    DiodeSenderConfig config = small();
    // 73 blocks: the last, 100 bytes in a padded symbol, alone in its interleave group, so every
    // block completes in order and is hashed from the bytes just written (the padding not).
    int size = (int) (72 * blockBytes(config) + 100);
    Path in = DiodeTestKit.file(tmp, "a.gsa", size, 1);
    try (DiodeReceiver r = receiver(spool)) {
      send(r, config, LossModel.none(), in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().publishReadBytes()).isZero();
      assertThat(r.stats().hashReadBackBytes()).isZero();
    }
  }

  @Test
  void aShortLastBlockCompletingBeforeItsGroupIsReadBackBeforeThePublish() throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "a2.gsa", SIZE, 1);
    DiodeSenderConfig config = small();
    try (DiodeReceiver r = receiver(spool)) {
      send(r, config, LossModel.none(), in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().publishReadBytes()).isZero();
      // Block 71 (one symbol) completes first of blocks 68-71 and waits to be read back.
      assertThat(r.stats().hashReadBackBytes()).isEqualTo(SIZE - 71 * blockBytes(config));
    }
  }

  @Test
  void randomLossAndReorderingCompleteBlocksOutOfOrderAndTheDigestStillMatches() throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "b.gsa", 6_000_000, 2);
    try (DiodeReceiver r = receiver(spool)) {
      // The loss and reordering DiodeTransferTest repairs in one pass.
      send(
          new LossInjectingSink(
              PacketSinks.udp(r.address()), LossModel.random(42, 0.05), 7, 0.02, 50),
          DiodeSenderConfig.defaults().withRate(RATE).withFec(100, 25, 8),
          in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().blocksRepaired()).isPositive();
      assertThat(r.stats().hashReadBackBytes()).isPositive();
      // Blocks completed out of order were read back during the transfer, not by the publish.
      assertThat(r.stats().publishReadBytes()).isLessThan(6_000_000 / 4);
    }
  }

  @Test
  void blocksRepairedByParityAndOneRestoredFromItsOuterGroupStillPublishBitExact()
      throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "c.gsa", SIZE, 3);
    DiodeSenderConfig config = small().withOuter(24);
    // Every fifth block loses 2 data symbols (within its parity: it completes after the others of
    // its group); block 70 loses 6 and comes back from its outer group (blocks 48-71) after the
    // pass.
    LossModel loss =
        f ->
            f.type() == DiodeFrame.TYPE_SYMBOL
                && ((f.block() % 5 == 1 && f.block() < 72 && f.symbol() < 2)
                    || (f.block() == 70 && f.symbol() < 6));
    try (DiodeReceiver r = receiver(spool)) {
      send(r, config, loss, in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().blocksRepaired()).isPositive();
      assertThat(r.stats().blocksRestoredByOuter()).isEqualTo(1);
      assertThat(r.stats().hashReadBackBytes()).isPositive();
      // The hash waited at block 70 until the worker took the outer recovery in, then the object
      // was complete: the publish read the rest (blocks 70 and 71), nothing before.
      assertThat(r.stats().publishReadBytes()).isEqualTo(SIZE - 70 * blockBytes(config));
    }
  }

  @Test
  void aReceiverRestartedMidObjectHashesTheBlocksFoundOnDiskAndPublishesBitExact()
      throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "d.gsa", SIZE, 4);
    DiodeSenderConfig config = small();
    try (DiodeReceiver first = receiver(spool)) {
      send(first, config, DiodePublishDigestTest::secondPart, in);
      assertThat(events.reports.poll(30, TimeUnit.SECONDS)).isNotNull();
    }
    try (DiodeReceiver second = receiver(spool)) {
      assertThat(second.stats().resumedSymbols()).isEqualTo(30L * 20); // data symbols only

      send(second, config, LossModel.none(), in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      // Blocks 0-29 were read back from the files (the digest's state is never saved) while the
      // rest arrived; nothing was left for the publish.
      assertThat(second.stats().hashReadBackBytes())
          .isGreaterThanOrEqualTo(30 * blockBytes(config));
      assertThat(second.stats().publishReadBytes()).isZero();
    }
  }

  @Test
  void aBlockChangedOnDiskWhileTheReceiverWasStoppedIsCaughtByTheDigest() throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "e.gsa", SIZE, 5);
    DiodeSenderConfig config = small();
    try (DiodeReceiver first = receiver(spool)) {
      send(first, config, DiodePublishDigestTest::secondPart, in);
      assertThat(events.reports.poll(30, TimeUnit.SECONDS)).isNotNull();
    }
    // Block 3 was received whole before the stop; flip one of its bytes on disk (a page the power
    // cut lost, a disk that lied).
    Path data = spool.resolve(".diode-partial").resolve(DiodeTestKit.sha256(in)).resolve("data");
    try (FileChannel ch =
        FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long at = 3 * blockBytes(config) + 5;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x40));
      ch.write(b.flip(), at);
    }
    try (DiodeReceiver second = receiver(spool)) {
      send(second, config, LossModel.none(), in);

      String refusal = events.refusals.poll(30, TimeUnit.SECONDS);

      assertThat(refusal)
          .startsWith("Tried to publish e.gsa received over the diode but failed because")
          .contains("not the announced sha256:" + DiodeTestKit.sha256(in))
          .endsWith("the partial state was deleted and the next pass starts afresh");
      assertThat(spool.resolve("e.gsa")).doesNotExist();
      assertThat(data.getParent()).doesNotExist();

      send(second, config, LossModel.none(), in);
      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
    }
  }

  /**
   * Symbol 0 of one block arrives with a byte changed and a valid CRC (what a checksum cannot
   * catch): block 2 is hashed from memory as it is written, the short last block (71) completes
   * before the rest of its group and is read back. Either way the object is refused.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 71})
  void aSymbolChangedInFlightIsHashedAndTheObjectIsRefusedThenSentAgainCleanly(int block)
      throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "f.gsa", SIZE, 6);
    DiodeSenderConfig config = small();
    try (DiodeReceiver r = receiver(spool)) {
      send(new CorruptingSink(PacketSinks.udp(r.address()), block), config, in);

      String refusal = events.refusals.poll(30, TimeUnit.SECONDS);

      assertThat(refusal)
          .startsWith("Tried to publish f.gsa received over the diode but failed because")
          .contains("its content hashes to sha256:")
          .contains("not the announced sha256:" + DiodeTestKit.sha256(in));
      assertThat(spool.resolve("f.gsa")).doesNotExist();
      assertThat(events.published).isEmpty();
      // The running digest caught it: nothing was read back at the publish.
      assertThat(r.stats().publishReadBytes()).isZero();

      send(r, config, LossModel.none(), in);
      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
    }
  }

  /** Changes a byte of symbol 0 of one block and seals the frame again (its CRC stays valid). */
  private static final class CorruptingSink implements PacketSink {
    private final PacketSink next;
    private final int block;
    private final DiodeFrame frame = new DiodeFrame();

    CorruptingSink(PacketSink next, int block) {
      this.next = next;
      this.block = block;
    }

    @Override
    public void send(ByteBuffer datagram) throws IOException {
      frame.wrap(datagram, datagram.position(), datagram.remaining());
      if (frame.type() == DiodeFrame.TYPE_SYMBOL && frame.block() == block && frame.symbol() == 0) {
        ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
        copy.put(datagram.duplicate()).flip();
        DiodeFrame f = new DiodeFrame().wrap(copy, 0, copy.remaining());
        copy.put(f.payloadOffset() + 7, (byte) (copy.get(f.payloadOffset() + 7) ^ 1));
        f.seal(f.payloadLength());
        next.send(copy);
      } else {
        next.send(datagram);
      }
    }

    @Override
    public void flush() throws IOException {
      next.flush();
    }

    @Override
    public void close() throws IOException {
      next.close();
    }
  }
}
