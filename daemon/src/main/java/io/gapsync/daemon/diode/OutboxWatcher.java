package io.gapsync.daemon.diode;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link OutboxSender}'s watcher thread: lists the outbox when the file system reports a
 * relevant change ({@link WatchService}; export's {@code *.partial} files and hidden files do not
 * count) and every {@link OutboxSenderConfig#rescan()} anyway, finds the archives that are complete
 * and have not changed for {@link OutboxSenderConfig#settle()}, and hands them to the queue. Only
 * lists folders and waits, so interrupting it is safe.
 */
final class OutboxWatcher implements Runnable {

  /** How long a burst of file-system events may gather before the outbox is listed. */
  static final Duration EVENT_GATHER = Duration.ofMillis(50);

  private static final Logger LOG = LoggerFactory.getLogger(OutboxWatcher.class);

  /** Where the settled archives go: the sender's queue. */
  interface Queue {
    /**
     * Takes a listing.
     *
     * @return nanoseconds until the queue wants another listing, or {@link Long#MAX_VALUE}
     */
    long update(List<OutboxArchive> settled, Set<String> present, long now);
  }

  /** An archive seen complete, and since when (nanos) with this fingerprint. */
  private record Pending(String fingerprint, long since) {}

  private final OutboxSenderConfig config;
  private final WatchService watch;
  private final Queue queue;
  private volatile boolean stopped;
  private Map<String, Pending> pending = new HashMap<>();
  private String lastListError;

  /**
   * Creates the watcher.
   *
   * @param watch the outbox's watch service, or null to list it every rescan interval only
   */
  OutboxWatcher(OutboxSenderConfig config, WatchService watch, Queue queue) {
    this.config = config;
    this.watch = watch;
    this.queue = queue;
  }

  /** Watches a folder for entries created, changed and deleted; null (logged) if it cannot. */
  static WatchService open(Path outbox, Duration rescan) throws IOException {
    WatchService watch = null;
    try {
      watch = outbox.getFileSystem().newWatchService();
      outbox.register(
          watch,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      return watch;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn(
          "Tried to watch the outbox {} for new archives but failed ({}): listing it every {} ms"
              + " instead",
          outbox,
          e.toString(),
          rescan.toMillis());
      if (watch != null) {
        watch.close();
      }
      return null;
    }
  }

  /** Ends the loop (with an interrupt of its thread) and closes the watch service. */
  void stop() throws IOException {
    stopped = true;
    if (watch != null) {
      watch.close();
    }
  }

  @Override
  public void run() {
    watchLoop();
  }

  private void watchLoop() {
    while (!stopped) {
      long wait = config.rescan().toNanos();
      try {
        wait = scan();
        lastListError = null;
      } catch (IOException | RuntimeException e) {
        String msg = e.toString();
        if (!msg.equals(lastListError)) {
          LOG.warn(
              "Tried to list the outbox {} for archives to send but failed because: {}; trying"
                  + " again every {} ms",
              config.outbox(),
              msg,
              config.rescan().toMillis());
          lastListError = msg;
        }
      }
      try {
        awaitChange(wait);
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
    }
  }

  /** Waits for a relevant file-system event, at most {@code nanos}. */
  private void awaitChange(long nanos) throws InterruptedException {
    if (watch == null) {
      TimeUnit.NANOSECONDS.sleep(nanos);
      return;
    }
    long deadline = System.nanoTime() + nanos;
    while (true) {
      long left = deadline - System.nanoTime();
      WatchKey k = left <= 0 ? null : watch.poll(left, TimeUnit.NANOSECONDS);
      if (k == null) {
        return;
      }
      Thread.sleep(EVENT_GATHER.toMillis());
      boolean relevant = false;
      do {
        for (WatchEvent<?> e : k.pollEvents()) {
          relevant |= relevant(e);
        }
        k.reset();
      } while ((k = watch.poll()) != null);
      if (relevant) {
        return;
      }
    }
  }

  /** Export's temporary files ({@code *.partial}) and hidden files change often and never count. */
  private static boolean relevant(WatchEvent<?> e) {
    if (!(e.context() instanceof Path p)) {
      return true; // OVERFLOW: events were lost, list again
    }
    String name = p.getFileName().toString();
    return !name.startsWith(".") && !name.endsWith(".partial");
  }

  /**
   * Lists the outbox and rebuilds the queue.
   *
   * @return nanoseconds until the next listing is due (an archive settles, a retry comes due)
   */
  private long scan() throws IOException {
    long now = System.nanoTime();
    List<OutboxArchive> listed = OutboxArchive.list(config.outbox());
    long next = config.rescan().toNanos();
    List<OutboxArchive> settled = new ArrayList<>();
    Map<String, Pending> seen = new HashMap<>();
    Set<String> present = new HashSet<>();
    for (OutboxArchive a : listed) {
      present.add(a.name());
      if (!a.complete()) {
        continue;
      }
      Pending p = pending.get(a.name());
      if (p == null || !p.fingerprint().equals(a.fingerprint())) {
        p = new Pending(a.fingerprint(), now);
      }
      seen.put(a.name(), p);
      long left = p.since() + config.settle().toNanos() - now;
      if (left <= 0) {
        settled.add(a);
      } else {
        next = Math.min(next, left);
      }
    }
    pending = seen;
    next = Math.min(next, queue.update(settled, present, now));
    return Math.max(next, TimeUnit.MILLISECONDS.toNanos(1));
  }
}
