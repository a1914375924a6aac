package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.archive.VolumeWriter;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox loop over real UDP on 127.0.0.1 into a real {@link DiodeReceiver}: archives written
 * into the outbox the way export writes them arrive bit-exact in the receiver's spool, in export
 * order, once each across restarts; temporary, growing and foreign files are left alone.
 */
class OutboxSenderTest {

  /** Slow enough that loopback never drops. */
  private static final long RATE = 200_000_000L;

  /** The rescan is an hour: every archive these tests see was noticed by the file-system watch. */
  private static final Duration NO_RESCAN = Duration.ofHours(1);

  @TempDir Path tmp;

  private final SigningKey key = DiodeTestKit.key(5);
  private final DiodeTestKit.Events events = new DiodeTestKit.Events();
  private final Sent sent = new Sent();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Path outbox;
  private Path spool;
  private DiodeReceiver receiver;

  /** Collects what the loop reports. */
  static final class Sent implements OutboxSender.Listener {
    final BlockingQueue<String> archives = new LinkedBlockingQueue<>();
    final BlockingQueue<String> repeats = new LinkedBlockingQueue<>();
    final BlockingQueue<String> failures = new LinkedBlockingQueue<>();

    @Override
    public void sent(String archive, SendReport report, boolean repeat) {
      (repeat ? repeats : archives).add(archive);
    }

    @Override
    public void failed(String archive, String message) {
      failures.add(message);
    }
  }

  /** Counts datagrams on their way to the socket. */
  static final class CountingSink implements PacketSink {
    final PacketSink sink;
    final AtomicLong datagrams = new AtomicLong();

    CountingSink(PacketSink sink) {
      this.sink = sink;
    }

    @Override
    public void send(ByteBuffer datagram) throws IOException {
      datagrams.incrementAndGet();
      sink.send(datagram);
    }

    @Override
    public void flush() throws IOException {
      sink.flush();
    }

    @Override
    public void close() throws IOException {
      sink.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private void receiver() throws IOException {
    outbox = tmp.resolve("outbox");
    spool = tmp.resolve("spool");
    Files.createDirectories(outbox);
    receiver =
        DiodeReceiver.start(
            DiodeReceiverConfig.defaults(new java.net.InetSocketAddress("127.0.0.1", 0), spool)
                .withRing(4 << 20),
            TrustPolicy.of(key.publicKey()),
            events);
    open.add(receiver);
  }

  private OutboxSenderConfig config(long rate) {
    return OutboxSenderConfig.defaults(outbox, DiodeSenderConfig.defaults().withRate(rate))
        .withTimes(Duration.ofMillis(200), NO_RESCAN, Duration.ofMillis(500));
  }

  /** Starts a loop; it is closed after the test (or earlier by the test). */
  private OutboxSender start(OutboxSenderConfig config, CountingSink sink) throws IOException {
    open.add(sink);
    OutboxSender s = OutboxSender.start(config, key, sink, "udp://" + receiver.address(), sent);
    open.add(s);
    return s;
  }

  private CountingSink sink() throws IOException {
    return new CountingSink(PacketSinks.udp(receiver.address()));
  }

  /** Random bytes behind the archive magic. */
  private static byte[] archiveBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    System.arraycopy("GAPSYNCA".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 8);
    return b;
  }

  /** Writes an archive as export does: a {@code .partial} name, then a rename. */
  private byte[] export(String name, int size, long seed) throws IOException {
    byte[] b = archiveBytes(size, seed);
    Path partial = outbox.resolve(name + ".partial");
    Files.write(partial, b);
    Files.move(partial, outbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    return b;
  }

  private String awaitSent() throws InterruptedException {
    String s = sent.archives.poll(30, TimeUnit.SECONDS);
    assertThat(s).as("sent; failures %s", sent.failures).isNotNull();
    return s;
  }

  @Test
  void anArchiveExportedIntoTheOutboxArrivesBitExactAndIsRecordedAsSent() throws Exception {
    receiver();
    OutboxSender s = start(config(RATE), sink());

    byte[] content = export("gapsync-depot-1-000001.gsa", 1_500_000, 1);

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000001.gsa");
    Path out = events.awaitPublished();
    assertThat(out).isEqualTo(spool.resolve("gapsync-depot-1-000001.gsa"));
    assertThat(Files.readAllBytes(out)).isEqualTo(content);
    Path record = outbox.resolve(".diode-sent/gapsync-depot-1-000001.gsa.sent");
    assertThat(Files.readAllLines(record))
        .startsWith(SentLog.HEADER, "archive gapsync-depot-1-000001.gsa")
        .anyMatch(l -> l.startsWith("file gapsync-depot-1-000001.gsa 1500000 "));
    OutboxSender.Status st = s.status();
    assertThat(st.archivesSent()).isEqualTo(1);
    assertThat(st.archiveBytes()).isEqualTo(1_500_000);
    assertThat(st.passes()).isEqualTo(1);
    assertThat(st.queued()).isEmpty();
    assertThat(s.metrics())
        .contains("gapsync_diode_outbox_archives_sent_total 1\n")
        .contains("gapsync_diode_outbox_archive_bytes_total 1500000\n")
        .contains("gapsync_diode_outbox_queue 0\n")
        .contains("# TYPE gapsync_diode_outbox_passes_total counter\n");
  }

  @Test
  void aRestartSendsOnlyWhatWasNotSentBefore() throws Exception {
    receiver();
    OutboxSender first = start(config(RATE), sink());
    export("gapsync-depot-1-000001.gsa", 300_000, 1);
    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000001.gsa");
    events.awaitPublished();
    first.close();

    CountingSink again = sink();
    start(config(RATE), again);
    export("gapsync-depot-1-000002.gsa", 300_000, 2);

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000002.gsa");
    assertThat(events.awaitPublished()).isEqualTo(spool.resolve("gapsync-depot-1-000002.gsa"));
    assertThat(sent.archives.poll(1, TimeUnit.SECONDS)).isNull();
    // Only the new archive's datagrams: 300,000 bytes are 212 symbols plus parity and control.
    assertThat(again.datagrams.get()).isLessThan(400);
  }

  @Test
  void aRestartInTheMiddleOfASendSendsThatArchiveAgainAndItCompletes() throws Exception {
    receiver();
    CountingSink slow = sink();
    // 4 MB at 8 Mbit/s takes about four seconds: stopped well before the end.
    OutboxSender first = start(config(8_000_000L), slow);
    byte[] content = export("gapsync-depot-1-000001.gsa", 4_000_000, 3);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (slow.datagrams.get() < 500 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long closing = System.nanoTime();
    first.close();

    assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(10));
    long stoppedAt = slow.datagrams.get();
    Thread.sleep(300);
    assertThat(slow.datagrams.get()).isEqualTo(stoppedAt);
    assertThat(outbox.resolve(".diode-sent/gapsync-depot-1-000001.gsa.sent")).doesNotExist();
    assertThat(events.published).isEmpty();

    start(config(RATE), sink());

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000001.gsa");
    assertThat(Files.readAllBytes(events.awaitPublished())).isEqualTo(content);
    // The receiver saw a new sender epoch and kept the symbols of the first one.
    assertThat(receiver.stats().lossText()).endsWith("in 2 sender epoch(s)");
    assertThat(receiver.stats().duplicates()).isPositive();
  }

  @Test
  void aTemporaryOrGrowingFileIsLeftAloneUntilItIsComplete() throws Exception {
    receiver();
    // A settle time ten times the pause between two writes of the growing copy below.
    start(config(RATE).withTimes(Duration.ofSeconds(1), NO_RESCAN, Duration.ofSeconds(1)), sink());
    byte[] content = archiveBytes(600_000, 4);
    Path partial = outbox.resolve("gapsync-depot-1-000001.gsa.partial");
    Files.write(partial, content);
    Files.write(outbox.resolve(".gapsync-depot-1-000002.gsa"), content);
    // A copy under the final name that grows every 100 ms for a second.
    Path growing = outbox.resolve("gapsync-depot-1-000003.gsa");
    byte[] copied = archiveBytes(500_000, 5);
    try (OutputStream o = Files.newOutputStream(growing, StandardOpenOption.CREATE_NEW)) {
      for (int i = 0; i < 10; i++) {
        o.write(copied, i * 50_000, 50_000);
        o.flush();
        Thread.sleep(100);
      }
    }

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000003.gsa");
    assertThat(Files.readAllBytes(events.awaitPublished())).isEqualTo(copied);
    assertThat(sent.archives.poll(1, TimeUnit.SECONDS)).isNull();

    Files.move(partial, outbox.resolve("gapsync-depot-1-000001.gsa"));

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000001.gsa");
    assertThat(Files.readAllBytes(events.awaitPublished())).isEqualTo(content);
    assertThat(spool.resolve(".gapsync-depot-1-000002.gsa")).doesNotExist();
    assertThat(sent.failures).isEmpty();
  }

  @Test
  void archivesGoOutInExportOrderWhateverTheirNamesSortAs() throws Exception {
    receiver();
    // Sequence 1,000,000 has seven digits: by name it would sort before 999,999.
    byte[] later = export("gapsync-depot-1-1000000.gsa", 200_000, 6);
    byte[] earlier = export("gapsync-depot-1-999999.gsa", 200_000, 7);
    start(config(RATE), sink());

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-999999.gsa");
    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-1000000.gsa");
    assertThat(events.awaitPublished()).isEqualTo(spool.resolve("gapsync-depot-1-999999.gsa"));
    assertThat(events.awaitPublished()).isEqualTo(spool.resolve("gapsync-depot-1-1000000.gsa"));
    assertThat(Files.readAllBytes(spool.resolve("gapsync-depot-1-999999.gsa"))).isEqualTo(earlier);
    assertThat(Files.readAllBytes(spool.resolve("gapsync-depot-1-1000000.gsa"))).isEqualTo(later);
  }

  @Test
  void aSplitArchiveGoesOutVolumesFirstAndIndexLast() throws Exception {
    receiver();
    start(config(RATE), sink());
    byte[] content = archiveBytes(200_000, 8);
    try (VolumeWriter w = new VolumeWriter(outbox, "gapsync-depot-1-000004.gsa", 65_536)) {
      w.write(content);
      w.finish();
    }

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000004.gsa");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      names.add(events.awaitPublished().getFileName().toString());
    }
    assertThat(names)
        .containsExactly(
            "gapsync-depot-1-000004.gsa.vol001",
            "gapsync-depot-1-000004.gsa.vol002",
            "gapsync-depot-1-000004.gsa.vol003",
            "gapsync-depot-1-000004.gsa.vol004",
            "gapsync-depot-1-000004.gsa.volumes.json");
    assertThat(Files.readAllBytes(spool.resolve("gapsync-depot-1-000004.gsa.volumes.json")))
        .isEqualTo(Files.readAllBytes(outbox.resolve("gapsync-depot-1-000004.gsa.volumes.json")));
  }

  @Test
  void aFileThatIsNotAnArchiveIsReportedOnceAndTheLoopGoesOn() throws Exception {
    receiver();
    Files.write(outbox.resolve("gapsync-depot-1-000001.gsa"), new byte[] {1, 2, 3});
    // A name the receiver would refuse (a control character), with an archive's bytes.
    Files.write(outbox.resolve("bell\u0007.gsa"), archiveBytes(1000, 15));
    start(config(RATE), sink());
    export("gapsync-depot-1-000002.gsa", 100_000, 9);

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000002.gsa");
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String f = sent.failures.poll(10, TimeUnit.SECONDS);
      assertThat(f).isNotNull();
      failed.add(f);
    }
    assertThat(failed)
        .anyMatch(f -> f.contains("Invalid diode object name 'bell\u0007.gsa'"))
        .contains(
            "Tried to send gapsync-depot-1-000001.gsa from the outbox "
                + outbox
                + " over the diode but it cannot be sent: gapsync-depot-1-000001.gsa does not"
                + " start with the archive magic GAPSYNCA; it stays unsent until it changes (keep"
                + " only export's archives there)");
    Thread.sleep(1_000); // several retry periods: still reported once
    assertThat(sent.failures).isEmpty();
    assertThat(spool.resolve("gapsync-depot-1-000001.gsa")).doesNotExist();
  }

  @Test
  void anArchiveRemovedFromTheOutboxIsDroppedFromTheQueue() throws Exception {
    receiver();
    // The first takes about three seconds at 8 Mbit/s; the second waits behind it and is removed.
    export("gapsync-depot-1-000001.gsa", 3_000_000, 10);
    export("gapsync-depot-1-000002.gsa", 100_000, 11);
    OutboxSender s = start(config(8_000_000L), sink());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.status().queued().size() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.status().inFlight()).isEqualTo("gapsync-depot-1-000001.gsa");
    assertThat(s.status().queued()).containsExactly("gapsync-depot-1-000002.gsa");

    Files.delete(outbox.resolve("gapsync-depot-1-000002.gsa"));

    assertThat(awaitSent()).isEqualTo("gapsync-depot-1-000001.gsa");
    assertThat(sent.archives.poll(1, TimeUnit.SECONDS)).isNull();
    assertThat(s.status().queued()).isEmpty();
    assertThat(s.status().archivesSent()).isEqualTo(1);
  }

  @Test
  void theNewestArchivesAreRepeatedWhileNothingElseWaits() throws Exception {
    receiver();
    export("gapsync-depot-1-000001.gsa", 50_000, 12);
    export("gapsync-depot-1-000002.gsa", 50_000, 13);
    export("gapsync-depot-1-000003.gsa", 50_000, 14);
    OutboxSender s = start(config(RATE).withRepeat(2, Duration.ofMillis(100)), sink());
    for (int i = 0; i < 3; i++) {
      awaitSent();
    }

    List<String> repeated = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String r = sent.repeats.poll(10, TimeUnit.SECONDS);
      assertThat(r).isNotNull();
      repeated.add(r);
    }

    assertThat(repeated)
        .containsExactly(
            "gapsync-depot-1-000002.gsa",
            "gapsync-depot-1-000003.gsa",
            "gapsync-depot-1-000002.gsa",
            "gapsync-depot-1-000003.gsa");
    assertThat(s.status().archivesSent()).isEqualTo(3);
    assertThat(s.status().repeats()).isGreaterThanOrEqualTo(4);
  }
}
