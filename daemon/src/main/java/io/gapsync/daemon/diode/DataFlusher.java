package io.gapsync.daemon.diode;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DiodeReceiver}'s flush thread ({@code gapsync-diode-flush}): about once per checkpoint
 * interval, and when the worker asks, it flushes the partial files of every open object written
 * since their last flush and then saves the bitmap the object's last checkpoint handed over ({@link
 * PartialObject#flush}).
 *
 * <p>Why a thread of its own: forcing a file waits for the disk, hundreds of milliseconds for a
 * large object's dirty pages. The worker drains the receive ring and the repair thread is the
 * bottleneck under loss, so neither may wait for that; spread over the reception, the flushes leave
 * the publish's final {@code force(true)} about one interval of writes instead of the whole file's.
 *
 * <p>The thread is stopped by a flag and never interrupted: interrupting a thread in a {@link
 * java.nio.channels.FileChannel} operation closes the channel, which the object still needs.
 * Objects are added by the worker (or at start-up, for resumed ones) and dropped here once
 * published or closed.
 */
final class DataFlusher implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(DataFlusher.class);

  /** Shortest pause between two rounds, whatever the checkpoint interval says. */
  static final Duration INTERVAL_MIN = Duration.ofMillis(10);

  private final Set<PartialObject> objects = ConcurrentHashMap.newKeySet();
  private final ReceiverStats stats;
  private final long intervalNanos;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * Starts the thread.
   *
   * @param interval the pause between two rounds when nobody asks for one (the checkpoint interval)
   * @param stats counts the flushes and their time
   */
  DataFlusher(Duration interval, ReceiverStats stats) {
    this.stats = stats;
    this.intervalNanos = Math.max(interval.toNanos(), INTERVAL_MIN.toNanos());
    this.thread = new Thread(this::loop, "gapsync-diode-flush");
    thread.setDaemon(true);
    thread.start();
  }

  /** Any thread: flushes an object from the next round on, until it is published or closed. */
  void add(PartialObject o) {
    objects.add(o);
  }

  /**
   * Any thread, never waits: asks for a round now (the worker after a checkpoint, or when an object
   * is complete, so its files are flushed while the repair thread finishes it).
   */
  void wake() {
    LockSupport.unpark(thread);
  }

  private void loop() {
    while (running) {
      LockSupport.parkNanos(this, intervalNanos);
      if (running) {
        round();
      }
    }
  }

  /** One pass over the open objects. */
  private void round() {
    for (Iterator<PartialObject> it = objects.iterator(); it.hasNext(); ) {
      PartialObject o = it.next();
      if (o.closed()) {
        it.remove();
        continue;
      }
      try {
        o.flush(stats);
      } catch (IOException | RuntimeException e) {
        // Retried next round; until then the saved bitmap claims less, never more.
        LOG.warn(
            "Could not flush the partial files of {} to disk: {}",
            o.announcement.name(),
            e.toString());
      }
    }
  }

  /**
   * Stops the thread after the round in progress (the objects' own close flushes what is left).
   * Waits at most 30 seconds; a flush still running then is harmless, since closing an object waits
   * for a force in progress on its files and no bitmap is saved after the close.
   */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
