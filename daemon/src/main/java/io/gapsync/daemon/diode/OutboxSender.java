package io.gapsync.daemon.diode;

import io.gapsync.protocol.trust.SigningKey;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every new archive of an export outbox over the diode, in export order (docs/OPERATIONS.md,
 * "Sending the outbox automatically"): the connected side's half of {@code serve --diode-send-to}
 * and {@code diode send --watch}.
 *
 * <p>A <b>watcher</b> thread lists the outbox when the file system reports a change (a {@link
 * WatchService}) and every {@link OutboxSenderConfig#rescan()} anyway. An archive ({@link
 * OutboxArchive}) is taken once it is complete and its files have not changed for {@link
 * OutboxSenderConfig#settle()}. A <b>sender</b> thread sends the first waiting archive in export
 * order with one {@link DiodeSender} (every pass), then records it in {@code .diode-sent/} ({@link
 * SentLog}), so a restart sends only what was not finished: an archive cut off by a stop or a crash
 * is sent again whole, and the receiver completes it from its partial state with the new sender
 * epoch. The sender's catalogue names the files of the archive in flight.
 *
 * <p>Failures never stop the loop: an archive whose send fails is logged (one line) and tried again
 * after {@link OutboxSenderConfig#retry()} while later ones go ahead; a file that is not an archive
 * is logged once and left alone until it changes; an archive removed from the outbox is dropped.
 * While nothing waits, the newest {@link OutboxSenderConfig#repeatLast()} archives sent are sent
 * again one at a time, each after a pause of {@link OutboxSenderConfig#repeatEvery()}; a new
 * archive overtakes a repeat at once.
 *
 * <p>{@link #close()} stops between two datagrams (the thread is never interrupted while it sends,
 * which would close the socket) and waits for both threads. The caller owns the {@link PacketSink}
 * and closes it after this. Thread-safe.
 */
public final class OutboxSender implements Closeable {

  /** Longest {@link #close()} waits for the threads (a send stops at its next datagram). */
  public static final Duration STOP_TIMEOUT_DEFAULT = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(OutboxSender.class);

  /**
   * What the sender tells its owner besides the log. Called on the sender thread; keep it short.
   */
  public interface Listener {
    /** An archive went out, every pass; {@code repeat} for a repeat of one sent before. */
    default void sent(String archive, SendReport report, boolean repeat) {}

    /** An archive was not sent; the one-line message says why and what happens next. */
    default void failed(String archive, String message) {}
  }

  /**
   * A snapshot of the loop.
   *
   * @param queued archives waiting, in the order they go out
   * @param inFlight the archive being sent, or null
   * @param archivesSent archives sent (repeats not counted)
   * @param archiveBytes their bytes, once per archive
   * @param datagramBytes datagram bytes sent, every pass, repeats included
   * @param passes passes over archives, repeats included
   * @param repeats repeats sent
   * @param failures sends that failed
   */
  public record Status(
      List<String> queued,
      String inFlight,
      long archivesSent,
      long archiveBytes,
      long datagramBytes,
      long passes,
      long repeats,
      long failures) {}

  /** A failed archive: left alone until its files change, or until {@code retryAt}. */
  private record Failure(String fingerprint, boolean permanent, long retryAt) {}

  private final OutboxSenderConfig config;
  private final SigningKey key;
  private final PacketSink sink;
  private final String destination;
  private final Listener listener;
  private final SentLog log;
  private final OutboxWatcher watch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Thread watcher;
  private final Thread sender;

  // Guarded by lock.
  private List<OutboxArchive> queue = new ArrayList<>();
  private List<OutboxArchive> repeatable = List.of();
  private final Map<String, Failure> failures = new HashMap<>();
  private String lastRepeated;
  private long nextRepeat;

  // Written under lock, read without it by metrics() (a scrape on an event loop must not wait).
  private volatile String inFlight;
  private volatile int queueLength;
  private volatile long archivesSent;
  private volatile long archiveBytes;
  private volatile long datagramBytes;
  private volatile long passes;
  private volatile long repeats;
  private volatile long failureCount;

  // Read by the sink on every datagram.
  private volatile boolean stopping;
  private volatile boolean sendingRepeat;
  private volatile boolean preempt;

  // Sender thread only: one sender (one epoch) for as long as sends succeed.
  private DiodeSender diode;

  private OutboxSender(
      OutboxSenderConfig config,
      SigningKey key,
      PacketSink sink,
      String destination,
      Listener listener,
      SentLog log,
      WatchService watchService) {
    this.config = config;
    this.key = key;
    this.sink = sink;
    this.destination = destination;
    this.listener = listener;
    this.log = log;
    this.watch = new OutboxWatcher(config, watchService, this::update);
    this.nextRepeat = System.nanoTime() + config.repeatEvery().toNanos();
    this.watcher = new Thread(watch, "gapsync-outbox-watch");
    this.sender = new Thread(this::sendLoop, "gapsync-outbox-send");
    watcher.setDaemon(true);
    sender.setDaemon(true);
  }

  /**
   * Starts watching the outbox and sending.
   *
   * @param config the outbox and how to send
   * @param key the producer key that signs every announcement
   * @param sink where datagrams go; the caller closes it after {@link #close()}
   * @param destination where the sink sends, for log lines (e.g. {@code udp://10.0.0.2:7700})
   * @param listener told about each archive (besides the log)
   * @return the running loop; the caller closes it
   * @throws IOException if the outbox or its state folder cannot be created or read
   */
  public static OutboxSender start(
      OutboxSenderConfig config,
      SigningKey key,
      PacketSink sink,
      String destination,
      Listener listener)
      throws IOException {
    Path outbox = java.nio.file.Files.createDirectories(config.outbox());
    SentLog log = SentLog.open(outbox);
    WatchService watch = OutboxWatcher.open(outbox, config.rescan());
    OutboxSender s = new OutboxSender(config, key, sink, destination, listener, log, watch);
    s.watcher.start();
    s.sender.start();
    return s;
  }

  /** Returns a snapshot of the queue and the counters. */
  public Status status() {
    lock.lock();
    try {
      return new Status(
          queue.stream().map(OutboxArchive::name).toList(),
          inFlight,
          archivesSent,
          archiveBytes,
          datagramBytes,
          passes,
          repeats,
          failureCount);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Renders the counters in the Prometheus text format 0.0.4, for a daemon's {@code /metrics}.
   *
   * @return complete metric families, one sample each
   */
  public String metrics() {
    Status s = status();
    StringBuilder b = new StringBuilder(1024);
    metric(b, "archives_sent_total", "counter", "Archives sent, every pass.", s.archivesSent());
    metric(b, "archive_bytes_total", "counter", "Bytes of the archives sent.", s.archiveBytes());
    metric(
        b,
        "datagram_bytes_total",
        "counter",
        "Datagram bytes sent, every pass and repeat, headers included.",
        s.datagramBytes());
    metric(b, "passes_total", "counter", "Passes over archives, repeats included.", s.passes());
    metric(b, "repeats_total", "counter", "Repeats of archives sent before.", s.repeats());
    metric(b, "failures_total", "counter", "Sends that failed.", s.failures());
    metric(b, "queue", "gauge", "Archives waiting to be sent.", s.queued().size());
    metric(
        b, "sending", "gauge", "1 while an archive is being sent.", s.inFlight() == null ? 0 : 1);
    return b.toString();
  }

  private static void metric(StringBuilder b, String name, String type, String help, long value) {
    String full = "gapsync_diode_outbox_" + name;
    b.append("# HELP ").append(full).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(full).append(' ').append(type).append('\n');
    b.append(full).append(' ').append(value).append('\n');
  }

  /**
   * Stops: a send in progress ends at its next datagram and is not recorded (it is sent again at
   * the next start). Waits at most {@link #STOP_TIMEOUT_DEFAULT}.
   */
  @Override
  public void close() throws IOException {
    stopping = true;
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    // The watcher only lists folders and waits: interrupting it is safe (the sender's is not).
    watch.stop();
    watcher.interrupt();
    long deadline = System.nanoTime() + STOP_TIMEOUT_DEFAULT.toNanos();
    try {
      for (Thread t : List.of(watcher, sender)) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sender.isAlive()) {
      LOG.warn("The diode send from the outbox {} did not stop in time", config.outbox());
    }
  }

  // ---------------------------------------------------------------- queue

  /**
   * Rebuilds the queue from a listing (called by the {@link OutboxWatcher}).
   *
   * @param settled complete archives unchanged for the settle time, in export order
   * @param present the names of every archive listed, complete or not
   * @param now {@link System#nanoTime()} of the listing
   * @return nanoseconds until a failed archive's retry comes due, or {@link Long#MAX_VALUE}
   */
  long update(List<OutboxArchive> settled, Set<String> present, long now) {
    long next = Long.MAX_VALUE;
    lock.lock();
    try {
      log.prune(present);
      failures.keySet().retainAll(present);
      List<OutboxArchive> waiting = new ArrayList<>();
      List<OutboxArchive> sent = new ArrayList<>();
      for (OutboxArchive a : settled) {
        Failure f = failures.get(a.name());
        if (f != null && !f.fingerprint().equals(a.fingerprint())) {
          failures.remove(a.name()); // changed since it failed: try it now
          f = null;
        }
        if (log.isSent(a)) {
          sent.add(a);
        } else if (a.name().equals(inFlight) || (f != null && f.permanent())) {
          continue;
        } else if (f != null && f.retryAt() - now > 0) {
          next = Math.min(next, f.retryAt() - now);
        } else {
          waiting.add(a);
        }
      }
      queue = waiting;
      queueLength = waiting.size();
      int n = config.repeatLast();
      repeatable = List.copyOf(sent.subList(Math.max(0, sent.size() - n), sent.size()));
      preempt = !queue.isEmpty();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return next;
  }

  // ---------------------------------------------------------------- sender

  private void sendLoop() {
    while (true) {
      OutboxArchive a;
      boolean repeat;
      lock.lock();
      try {
        while (true) {
          if (stopping) {
            return;
          }
          if (!queue.isEmpty()) {
            a = queue.remove(0);
            queueLength = queue.size();
            repeat = false;
            break;
          }
          long left = nextRepeat - System.nanoTime();
          if (config.repeatLast() > 0 && !repeatable.isEmpty() && left <= 0) {
            a = nextRepeatable();
            repeat = true;
            break;
          }
          if (config.repeatLast() > 0 && !repeatable.isEmpty()) {
            changed.awaitNanos(left);
          } else {
            changed.await();
          }
        }
        inFlight = a.name();
        sendingRepeat = repeat;
        preempt = false;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      try {
        sendOne(a, repeat);
      } finally {
        lock.lock();
        try {
          inFlight = null;
          sendingRepeat = false;
          nextRepeat = System.nanoTime() + config.repeatEvery().toNanos();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /**
   * Adds an archive just sent to the newest ones repeated (until the next scan). Under the lock.
   */
  private void addRepeatable(OutboxArchive a) {
    List<OutboxArchive> list = new ArrayList<>(repeatable);
    list.removeIf(x -> x.name().equals(a.name()));
    list.add(a);
    list.sort(java.util.Comparator.comparing(OutboxArchive::name, OutboxArchive.ORDER));
    int n = config.repeatLast();
    repeatable = List.copyOf(list.subList(Math.max(0, list.size() - n), list.size()));
  }

  /** The repeat after the last one, round the newest archives sent. Under the lock. */
  private OutboxArchive nextRepeatable() {
    int i = 0;
    for (int j = 0; j < repeatable.size(); j++) {
      if (repeatable.get(j).name().equals(lastRepeated)) {
        i = (j + 1) % repeatable.size();
      }
    }
    OutboxArchive a = repeatable.get(i);
    lastRepeated = a.name();
    return a;
  }

  private void sendOne(OutboxArchive a, boolean repeat) {
    String what = (repeat ? "repeat of archive " : "archive ") + a.name();
    try {
      String why = a.check();
      if (why != null) {
        fail(
            a,
            true,
            "Tried to send "
                + a.name()
                + " from the outbox "
                + config.outbox()
                + " over the diode but it cannot be sent: "
                + why
                + "; it stays unsent until it changes (keep only export's archives there)");
        return;
      }
      if (diode == null) {
        diode =
            new DiodeSender(
                config.sender(),
                key,
                new StoppableSink(sink, () -> stopping || (sendingRepeat && preempt)));
      }
      SendReport r = diode.send(a.files());
      String recordFailure = null;
      lock.lock();
      try {
        if (repeat) {
          repeats++;
        } else {
          archivesSent++;
          archiveBytes += r.bytes();
          failures.remove(a.name());
          try {
            log.record(a, r, Instant.now());
          } catch (IOException e) {
            recordFailure = e.toString();
          }
          addRepeatable(a);
        }
        passes += r.passes();
        datagramBytes += r.payloadBytes();
      } finally {
        lock.unlock();
      }
      LOG.info(
          String.format(
              Locale.ROOT,
              "Sent %s to %s: %d file(s), %d bytes, %d pass(es), %d datagrams in %.1f s, sender"
                  + " epoch %08x",
              what,
              destination,
              r.objects(),
              r.bytes(),
              r.passes(),
              r.packets(),
              r.elapsed().toNanos() / 1e9,
              r.epoch()));
      if (recordFailure != null) {
        LOG.warn(
            "Sent archive {} but could not record it in {} ({}): a restart sends it again",
            a.name(),
            config.outbox().resolve(SentLog.DIR),
            recordFailure);
      }
      listener.sent(a.name(), r, repeat);
    } catch (StoppableSink.Stopped e) {
      diode = null;
      LOG.info(
          "Stopped sending {} to {}: {}",
          what,
          destination,
          stopping ? "it is sent again at the next start" : "a new archive goes first");
    } catch (NoSuchFileException e) {
      diode = null;
      LOG.info("The {} was removed from the outbox while it was sent: dropped", what);
    } catch (IOException | RuntimeException e) {
      diode = null;
      if (stopping) {
        return;
      }
      fail(
          a,
          false,
          "Tried to send "
              + what
              + " from the outbox "
              + config.outbox()
              + " to "
              + destination
              + " over the diode but failed because: "
              + (e.getMessage() == null ? e.toString() : e.getMessage())
              + "; it is tried again in "
              + config.retry().toSeconds()
              + " s, later archives go ahead");
    }
  }

  private void fail(OutboxArchive a, boolean permanent, String message) {
    lock.lock();
    try {
      failureCount++;
      failures.put(
          a.name(),
          new Failure(a.fingerprint(), permanent, System.nanoTime() + config.retry().toNanos()));
    } finally {
      lock.unlock();
    }
    LOG.warn(message);
    listener.failed(a.name(), message);
  }
}
