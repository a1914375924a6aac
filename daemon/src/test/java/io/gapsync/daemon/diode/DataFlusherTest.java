package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.BlockLayout;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's flush thread ({@link DataFlusher}): a saved bitmap follows the flush of the data
 * it claims ({@link PartialObject#flush}, driven by hand), and over real UDP on 127.0.0.1 the
 * thread flushes while objects arrive, which still publish bit-exact with loss and across a
 * receiver closed mid-object.
 */
class DataFlusherTest {

  /** As in {@link DiodeTransferTest}: slow enough that loopback itself never drops. */
  private static final long RATE = 40_000_000L;

  /** Short, so a transfer of a second or two spans many flush rounds. */
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private static final String FLUSH_THREAD = "gapsync-diode-flush";

  @TempDir Path tmp;

  private final SigningKey key = DiodeTestKit.key(1);
  private final TrustPolicy trust = TrustPolicy.of(key.publicKey());
  private final DiodeTestKit.Events events = new DiodeTestKit.Events();

  private DiodeReceiver receiver(Path spool, int port) throws IOException {
    return DiodeReceiver.start(
        DiodeReceiverConfig.defaults(new InetSocketAddress("127.0.0.1", port), spool)
            .withRing(4 << 20)
            .withCheckpointInterval(INTERVAL),
        trust,
        events);
  }

  private void send(DiodeReceiver r, DiodeSenderConfig config, LossModel loss, Path file)
      throws IOException {
    try (PacketSink sink = new LossInjectingSink(PacketSinks.udp(r.address()), loss, 7, 0.02, 50)) {
      new DiodeSender(config, key, sink).send(List.of(file));
    }
  }

  private static long flushThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(FLUSH_THREAD) && t.isAlive())
        .count();
  }

  // ---- PartialObject.flush by hand: 10 blocks of 4 data symbols of 64 bytes, no block buffers.

  private static final BlockLayout LAYOUT = new BlockLayout(10 * 4 * 64, 64, 4, 2, 4);

  private final byte[] content = new byte[(int) LAYOUT.size()];

  private PartialObject create(Path partialRoot) throws IOException {
    new Random(3).nextBytes(content);
    Announcement a =
        new Announcement(Digest.sha256Of(content), "u.gsa", LAYOUT, null).signedBy(key);
    ByteBuffer payload = ByteBuffer.allocate(Announcement.PAYLOAD_LENGTH_MAX);
    int n = a.encode(payload, 0);
    // A budget of 0: every symbol is written straight to the data file as it is accepted.
    BlockPool pool = new BlockPool(0, new AtomicLong(), new AtomicLong());
    return PartialObject.create(partialRoot, a, Arrays.copyOf(payload.array(), n), pool);
  }

  /** Accepts data symbol {@code s} of block {@code b} from {@link #content}. */
  private int accept(PartialObject o, int b, int s) throws IOException {
    int at = (b * 4 + s) * 64;
    return o.accept(b, s, ByteBuffer.wrap(content), at, 64, 0);
  }

  private static BitSet savedBits(PartialObject o) throws IOException {
    return BitSet.valueOf(Files.readAllBytes(o.dir.resolve(PartialObject.BITS)));
  }

  @Test
  void aCheckpointIsSavedOnlyByTheFlushThatFollowsIt() throws Exception {
    PartialObject o = create(tmp.resolve("partial"));
    ReceiverStats stats = new ReceiverStats();
    accept(o, 0, 0);
    accept(o, 0, 2);

    o.checkpoint();

    // The worker only handed the bitmap over: nothing claims the symbols before a flush.
    assertThat(o.dir.resolve(PartialObject.BITS)).doesNotExist();

    o.flush(stats);

    assertThat(stats.flushes()).isEqualTo(1); // the data file; the parity file was not written
    assertThat(savedBits(o)).isEqualTo(BitSet.valueOf(new long[] {0b101}));

    o.flush(stats);

    assertThat(stats.flushes()).as("nothing written since the last flush").isEqualTo(1);
    o.close();
  }

  @Test
  void aCloseFlushesAndSavesTheBitmapAndLaterFlushesDoNothing() throws Exception {
    PartialObject o = create(tmp.resolve("partial"));
    ReceiverStats stats = new ReceiverStats();
    accept(o, 1, 3);
    o.checkpoint();
    accept(o, 2, 0); // after the checkpoint: only the close can claim it

    o.close();

    BitSet expected = new BitSet();
    expected.set(1 * 6 + 3);
    expected.set(2 * 6);
    assertThat(savedBits(o)).isEqualTo(expected);
    assertThat(o.closed()).isTrue();

    o.flush(stats);

    assertThat(stats.flushes()).isZero();
    assertThat(savedBits(o)).isEqualTo(expected);
  }

  @Test
  void aFlushAfterThePublishLeavesTheDeletedFolderAlone() throws Exception {
    Path spool = tmp.resolve("spool");
    PartialObject o = create(spool.resolve(".diode-partial"));
    ReceiverStats stats = new ReceiverStats();
    for (int b = 0; b < 10; b++) {
      for (int s = 0; s < 4; s++) {
        accept(o, b, s);
      }
    }
    o.checkpoint(); // a bitmap waiting for the flush thread when the publish comes

    Path published = o.publish(spool);
    o.flush(stats);

    assertThat(Files.readAllBytes(published)).isEqualTo(content);
    assertThat(o.dir).doesNotExist();
    assertThat(stats.flushes()).isZero();
  }

  // ---- The flush thread in a receiver, over UDP.

  @Test
  void theFlushThreadFlushesWhileAFileIsReceivedAndItArrivesBitExact() throws Exception {
    Path spool = tmp.resolve("spool");
    // About 1.2 s at 40 Mbit/s: more than twenty flush intervals.
    Path in = DiodeTestKit.file(tmp, "a.gsa", 6_000_000, 1);
    try (DiodeReceiver r = receiver(spool, 0)) {
      send(r, DiodeSenderConfig.defaults().withRate(RATE), LossModel.none(), in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().flushes()).isPositive();
      assertThat(r.stats().flushNanos()).isPositive();
      assertThat(r.stats().toString()).contains(" flushes=" + r.stats().flushes());
    }
    assertThat(flushThreads()).as("the flush thread stopped with the receiver").isZero();
  }

  @Test
  void withFivePercentLossTheFlushedFileIsRepairedBitExact() throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "b.gsa", 6_000_000, 2);
    try (DiodeReceiver r = receiver(spool, 0)) {
      send(
          r,
          DiodeSenderConfig.defaults().withRate(RATE).withFec(100, 25, 8),
          LossModel.random(42, 0.05),
          in);

      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(r.stats().blocksRepaired()).isPositive();
      assertThat(r.stats().flushes()).isPositive();
    }
  }

  @Test
  void aReceiverClosedWhileFlushingStopsCleanlyAndTheObjectResumesBitExact() throws Exception {
    Path spool = tmp.resolve("spool");
    Path in = DiodeTestKit.file(tmp, "c.gsa", 6_000_000, 7);
    DiodeReceiver first = receiver(spool, 0);
    int port = first.address().getPort();
    // Slow enough to close the receiver in the middle of the first pass.
    DiodeSenderConfig slow = DiodeSenderConfig.defaults().withRate(20_000_000).withPasses(2);
    Thread sender =
        new Thread(
            () -> {
              try (PacketSink sink = new UdpPacketSink(first.address())) {
                new DiodeSender(slow, key, sink).send(List.of(in));
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    sender.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while ((first.stats().symbols() < 1500 || first.stats().flushes() == 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(first.stats().flushes()).as("flushed before the close").isPositive();
    assertThat(events.published).as("closed mid-object").isEmpty();

    first.close();

    assertThat(flushThreads()).as("the flush thread stopped with the receiver").isZero();
    long before = first.stats().symbols();
    Path dir =
        spool.resolve(".diode-partial").resolve(Digest.sha256Of(Files.readAllBytes(in)).hex());
    assertThat(BitSet.valueOf(Files.readAllBytes(dir.resolve(PartialObject.BITS))).cardinality())
        .as("the bitmap saved at the close claims every symbol stored")
        .isEqualTo(before);
    try (DiodeReceiver second = receiver(spool, port)) {
      assertThat(Files.mismatch(in, events.awaitPublished())).isEqualTo(-1);
      assertThat(second.stats().resumedSymbols()).isEqualTo(before);
      assertThat(second.stats().flushes()).isPositive();
    }
    sender.join();
    assertThat(events.refusals).isEmpty();
  }
}
