package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BatchingUdpSink} against a plain JDK socket on 127.0.0.1: every datagram arrives on its
 * own, byte for byte and in order, whatever the batching; and a whole transfer to a real {@link
 * DiodeReceiver}.
 */
@Timeout(60)
class BatchingUdpSinkTest {

  /** No batch is written for its age in these tests: only full, other length, flush or close. */
  private static final long NEVER = TimeUnit.MINUTES.toNanos(10);

  /** Linux {@code SOL_SOCKET} and {@code SO_NO_CHECK}: no UDP checksum, which GSO refuses. */
  private static final IntegerUnixChannelOption SO_NO_CHECK =
      new IntegerUnixChannelOption("SO_NO_CHECK", 1, 11);

  @TempDir Path tmp;

  private DatagramChannel receiver;
  private InetSocketAddress address;
  private final Random random = new Random(11);
  private int sent;

  @BeforeEach
  void openReceiver() throws IOException {
    receiver = DatagramChannel.open();
    receiver.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
    receiver.bind(new InetSocketAddress("127.0.0.1", 0));
    receiver.socket().setSoTimeout(5000);
    address = (InetSocketAddress) receiver.getLocalAddress();
  }

  @AfterEach
  void closeReceiver() throws IOException {
    receiver.close();
  }

  /** A datagram of {@code length} random bytes that starts with its number. */
  private byte[] datagram(int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    ByteBuffer.wrap(b).putInt(sent++);
    return b;
  }

  /** Sends datagrams of the given lengths; returns them. */
  private List<byte[]> send(PacketSink sink, int... lengths) throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (int length : lengths) {
      byte[] d = datagram(length);
      out.add(d);
      sink.send(ByteBuffer.wrap(d));
    }
    return out;
  }

  /** {@code n} times {@code length}. */
  private static int[] run(int n, int length) {
    int[] r = new int[n];
    Arrays.fill(r, length);
    return r;
  }

  /** Receives exactly the datagrams expected, each on its own, in order. */
  private void assertReceived(List<byte[]> expected) throws IOException {
    java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[65_536], 65_536);
    for (int i = 0; i < expected.size(); i++) {
      p.setLength(65_536);
      receiver.socket().receive(p);
      byte[] got = Arrays.copyOf(p.getData(), p.getLength());
      assertThat(got).as("datagram %d of %d", i, expected.size()).isEqualTo(expected.get(i));
    }
  }

  /** Asserts that nothing arrives for a while. */
  private void assertNothingArrives() throws IOException {
    receiver.socket().setSoTimeout(200);
    try {
      receiver.socket().receive(new java.net.DatagramPacket(new byte[65_536], 65_536));
      throw new AssertionError("a datagram arrived before the flush");
    } catch (SocketTimeoutException expected) {
      // nothing sent yet
    } finally {
      receiver.socket().setSoTimeout(5000);
    }
  }

  @Test
  void runsOfEqualLengthGoOutAsOneGsoSendEachAndArriveSeparatelyInOrder() throws IOException {
    assertThat(EpollDatagramChannel.isSegmentedDatagramPacketSupported())
        .as("this kernel has UDP GSO (Linux 4.18+)")
        .isTrue();
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER)) {
      // 64: one full batch. 65: a full batch and one. Then runs broken by other lengths.
      List<byte[]> first = send(sink, run(64, 1000));
      first.addAll(send(sink, run(65, 1000)));
      first.addAll(send(sink, 500));
      first.addAll(send(sink, run(3, 1200)));
      first.addAll(send(sink, 700, 701, 700));
      sink.flush();
      assertReceived(first);
      // 64 + (64 + 1) + 1 + 3 + 1 + 1 + 1 datagrams in 8 batches, 3 of them of more than one.
      assertThat(sink.batches()).isEqualTo(8);

      // Big datagrams: 2 of 30000 fill a batch (65507 bytes at most); 60000 goes alone.
      List<byte[]> second = send(sink, run(5, 30_000));
      second.addAll(send(sink, 60_000, 64, 64));
      sink.flush();
      assertReceived(second);
      // [30000 x 2] [30000 x 2] [30000] [60000] [64 x 2]
      assertThat(sink.batches()).isEqualTo(8 + 5);
      assertThat(sink.gsoSends()).isEqualTo(3 + 3);
      assertThat(sink.gso()).isTrue();
    }
  }

  @Test
  void withoutGsoBatchesGoOutThroughSendmmsgAndArriveTheSame() throws IOException {
    try (BatchingUdpSink sink = new BatchingUdpSink(address, false, NEVER)) {
      List<byte[]> all = send(sink, run(130, 1452));
      all.addAll(send(sink, 48, 1452, 1452));
      sink.flush();

      assertReceived(all);
      assertThat(sink.batches()).isEqualTo(3 + 2);
      assertThat(sink.gsoSends()).isZero();
    }
  }

  @Test
  void aPartialBatchWaitsForTheFlush() throws IOException {
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER)) {
      List<byte[]> held = send(sink, run(3, 800));

      assertNothingArrives();
      sink.flush();

      assertReceived(held);
      assertThat(sink.batches()).isEqualTo(1);
    }
  }

  @Test
  void aBatchIsWrittenOnceItsFirstDatagramHasWaitedTheMaximumDelay() throws Exception {
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, 1_000_000)) {
      List<byte[]> all = send(sink, 900);
      Thread.sleep(5);
      all.addAll(send(sink, 900));

      assertReceived(all);
      assertThat(sink.batches()).isEqualTo(1);
    }
  }

  @Test
  void closeSendsWhatIsHeld() throws IOException {
    BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER);
    List<byte[]> held = send(sink, run(5, 1300));

    sink.close();

    assertReceived(held);
    assertThatThrownBy(() -> sink.send(ByteBuffer.wrap(datagram(10))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void aGsoSendTheKernelRefusesTurnsGsoOffAndTheBatchStillArrives() throws IOException {
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER)) {
      // No checksum: the kernel refuses UDP_SEGMENT on this socket (EINVAL), plain sends work.
      sink.channel().config().setOption(SO_NO_CHECK, 1);
      List<byte[]> all = send(sink, run(10, 1000));
      sink.flush();
      all.addAll(send(sink, run(4, 1000)));
      sink.flush();

      assertReceived(all);
      assertThat(sink.gso()).isFalse();
      assertThat(sink.gsoSends()).isZero();
      assertThat(sink.batches()).isEqualTo(2);
    }
  }

  @Test
  void aFailedWriteSurfacesOnTheNextCall() throws Exception {
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER)) {
      // Larger than any UDP datagram: the kernel answers EMSGSIZE on the event loop.
      sink.send(ByteBuffer.allocate(70_000));

      IOException failure = null;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (failure == null && System.nanoTime() < end) {
        try {
          sink.flush();
          Thread.sleep(5);
        } catch (IOException e) {
          failure = e;
        }
      }

      assertThat(failure)
          .isNotNull()
          .hasMessageStartingWith("Tried to send 1 datagram(s) of 70000 bytes to /127.0.0.1:")
          .hasMessageContaining("but the socket failed");
      // Reported once: the socket still works.
      List<byte[]> after = send(sink, 100);
      sink.flush();
      assertReceived(after);
    }
  }

  @Test
  void portUnreachableAnswersAreCountedAndIgnored() throws Exception {
    InetSocketAddress closed;
    try (DatagramChannel gone = DatagramChannel.open()) {
      gone.bind(new InetSocketAddress("127.0.0.1", 0));
      closed = (InetSocketAddress) gone.getLocalAddress();
    }
    try (BatchingUdpSink sink = new BatchingUdpSink(closed, true, NEVER)) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (sink.unreachable() == 0 && System.nanoTime() < end) {
        send(sink, run(4, 200));
        sink.flush();
        Thread.sleep(5);
      }

      assertThat(sink.unreachable()).isPositive();
    }
  }

  @Test
  void aTransferThroughTheBatchingSinkArrivesBitExactWithGso() throws Exception {
    SigningKey key = DiodeTestKit.key(1);
    DiodeTestKit.Events events = new DiodeTestKit.Events();
    byte[] content = new byte[5_000_003];
    new Random(3).nextBytes(content);
    Path in = Files.write(tmp.resolve("h.gsa"), content);
    Path spool = tmp.resolve("spool");
    try (DiodeReceiver r =
        DiodeReceiver.start(
            DiodeReceiverConfig.defaults(new InetSocketAddress("127.0.0.1", 0), spool)
                .withRing(4 << 20),
            TrustPolicy.of(key.publicKey()),
            events)) {
      SendReport report;
      long gsoSends;
      long batches;
      try (PacketSink sink = PacketSinks.udp(r.address())) {
        assertThat(sink).isInstanceOf(BatchingUdpSink.class);
        report =
            new DiodeSender(DiodeSenderConfig.defaults().withRate(80_000_000L), key, sink)
                .send(List.of(in));
        gsoSends = ((BatchingUdpSink) sink).gsoSends();
        batches = ((BatchingUdpSink) sink).batches();
      }

      Path out = events.published.poll(30, TimeUnit.SECONDS);

      assertThat(out).as("published; refusals %s", events.refusals).isNotNull();
      assertThat(Files.mismatch(in, out)).isEqualTo(-1);
      assertThat(r.stats().blocksRepaired()).isZero();
      assertThat(gsoSends).isPositive();
      assertThat(report.packets()).isGreaterThan(5_000_003 / 1416);
      // About 150 us per datagram at this rate: several datagrams fill a batch within 2 ms.
      assertThat(batches).isLessThan(report.packets() / 2);
    }
  }

  /** Passes datagrams on and notes when each send and flush came: "S" or "F", then nanoTime. */
  private static final class CallLog implements PacketSink {
    final PacketSink sink;
    final List<long[]> calls = new ArrayList<>();

    CallLog(PacketSink sink) {
      this.sink = sink;
    }

    @Override
    public void send(ByteBuffer datagram) throws IOException {
      calls.add(new long[] {'S', System.nanoTime()});
      sink.send(datagram);
    }

    @Override
    public void flush() throws IOException {
      calls.add(new long[] {'F', System.nanoTime()});
      sink.flush();
    }

    @Override
    public void close() throws IOException {
      sink.close();
    }
  }

  @Test
  void theSenderFlushesBeforeEveryLongPacingWaitAndAtTheEnd() throws Exception {
    Path in = Files.write(tmp.resolve("i.gsa"), new byte[100_000]);
    // 1 Mbit/s: the burst of 64 datagrams is 0.77 s; once it is spent the sender parks about
    // 0.38 s (half the burst) at a time, and nothing it sent may wait in the batch meanwhile.
    CallLog log;
    SendReport report;
    try (BatchingUdpSink sink = new BatchingUdpSink(address, true, NEVER)) {
      log = new CallLog(sink);
      report =
          new DiodeSender(
                  DiodeSenderConfig.defaults().withRate(1_000_000L), DiodeTestKit.key(1), log)
              .send(List.of(in));

      // Every datagram has left before close: the end of send flushed the last batch.
      java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[65_536], 65_536);
      for (long i = 0; i < report.packets(); i++) {
        receiver.socket().receive(p);
      }
    }

    int longWaits = 0;
    long[] previousSend = null;
    boolean flushedSince = false;
    for (long[] call : log.calls) {
      if (call[0] == 'F') {
        flushedSince = true;
        continue;
      }
      if (previousSend != null && call[1] - previousSend[1] > 200_000_000L) {
        longWaits++;
        assertThat(flushedSince).as("a flush before the wait ending at send %s", call[1]).isTrue();
      }
      previousSend = call;
      flushedSince = false;
    }
    assertThat(longWaits).as("the sender waited").isPositive();
    assertThat(log.calls.get(log.calls.size() - 1)[0]).isEqualTo('F');
  }
}
