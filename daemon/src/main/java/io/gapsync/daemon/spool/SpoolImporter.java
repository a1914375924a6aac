package io.gapsync.daemon.spool;

import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.daemon.archive.ArchiveRefusedException;
import io.gapsync.daemon.archive.DiskFullException;
import io.gapsync.daemon.archive.MissingContentException;
import io.gapsync.daemon.archive.ProgressListener;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.trust.SigningKey;
import io.gapsync.protocol.trust.TrustPolicy;
import io.gapsync.store.Store;
import io.gapsync.store.StoreException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The import daemon's spool (docs/OPERATIONS.md, "The import daemon"): watches a folder that media
 * are copied into (or the diode receiver writes to) and applies each complete archive with {@link
 * ArchiveImporter}.
 *
 * <p>An archive is <em>complete</em> when the same files with the same sizes and modification times
 * are seen by two polls in a row: a {@code .gsa} file, or a volume index {@code NAME.volumes.json}
 * together with every volume it lists at its listed size. Hidden files and every other name ({@code
 * *.partial}, volumes whose index has not arrived) are left alone. Each archive then ends in
 * exactly one of:
 *
 * <ul>
 *   <li>{@code applied/}: applied now, or applied before (nothing changed);
 *   <li>{@code quarantine/}: it assumes content the site lacks; {@code NAME.reason.txt} names the
 *       missing digests and the sequence gap. Quarantined archives are retried after every
 *       successful import (and at the first poll), so they apply when the missing content arrives;
 *   <li>{@code rejected/}: any other refusal (signature, trust, expiry, corruption, another site, a
 *       tag conflict); {@code NAME.reason.txt} says what was tried, what failed and what to do. The
 *       store is unchanged ({@link ArchiveImporter} undoes a refused import).
 * </ul>
 *
 * <p>A failure that is not the archive's fault (the store's storage fails or closes, its disk is
 * full, a file vanishes) leaves the archive where it is, to be tried again at the next poll. A file
 * of the same name already in a target folder is replaced (the newest attempt's reason wins). After
 * each successful import a fresh inventory goes to the outbox ({@link OutboxInventory}).
 *
 * <p>{@link #pollOnce()} is synchronized; {@link #start} runs it on one scheduler thread of its own
 * (never a Netty event loop). Tests call it directly, with an injected clock, instead of sleeping.
 * The store must stay open until the handle {@link #start} returns is closed.
 */
public final class SpoolImporter {

  /** How often the spool is looked at unless {@code --poll-interval} says otherwise. */
  public static final Duration POLL_INTERVAL_DEFAULT = Duration.ofSeconds(2);

  /** Longest {@link #start} waits for an import in progress when stopped. */
  public static final Duration STOP_TIMEOUT_DEFAULT = Duration.ofSeconds(30);

  /** Subfolders of the spool that archives end in, and the suffix of their reason files. */
  public static final String APPLIED = "applied";

  public static final String QUARANTINE = "quarantine";
  public static final String REJECTED = "rejected";
  static final String REASON_SUFFIX = ".reason.txt";

  /** Suffix of a single-file archive (docs/FORMAT.md section 4.6 names archives so). */
  public static final String ARCHIVE_SUFFIX = ".gsa";

  private static final Logger LOG = LoggerFactory.getLogger(SpoolImporter.class);

  /** What became of one archive. */
  public enum Status {
    APPLIED,
    ALREADY_APPLIED,
    QUARANTINED,
    REJECTED
  }

  /**
   * The outcome of one archive in one poll.
   *
   * @param archive the archive's name ({@code x.gsa})
   * @param status where it went
   * @param message the import's summary or the refusal's message
   */
  public record Outcome(String archive, Status status, String message) {}

  private final Store store;
  private final TrustPolicy trust;
  private final Path spool;
  private final Path outbox;
  private final SigningKey siteKey;
  private final Clock clock;

  /** Fingerprint (sizes and times) of each pending archive at the previous poll, by file name. */
  private Map<String, String> lastSeen = new HashMap<>();

  private boolean firstPoll = true;

  /**
   * Creates the watcher; nothing is read until {@link #pollOnce()}.
   *
   * @param store the store, open read-write (not closed by this class)
   * @param trust the trusted producer keys
   * @param spool the folder to watch; {@code applied/}, {@code quarantine/} and {@code rejected/}
   *     are created in it
   * @param outbox where inventories go after an import, or null for none
   * @param siteKey the site's key that signs those inventories, or null for unsigned
   * @param clock the time for expiry checks, records and inventories
   */
  public SpoolImporter(
      Store store, TrustPolicy trust, Path spool, Path outbox, SigningKey siteKey, Clock clock) {
    this.store = store;
    this.trust = trust;
    this.spool = spool;
    this.outbox = outbox;
    this.siteKey = siteKey;
    this.clock = clock;
  }

  /**
   * Looks at the spool once: imports each archive that is complete (unchanged since the previous
   * poll), in name order (which is sequence order per producer), then, if anything was applied,
   * retries the quarantine until nothing more applies.
   *
   * @return what became of each archive tried
   * @throws IOException if the spool cannot be listed or an archive cannot be moved
   */
  public synchronized List<Outcome> pollOnce() throws IOException {
    for (String dir : List.of(APPLIED, QUARANTINE, REJECTED)) {
      Files.createDirectories(spool.resolve(dir));
    }
    List<Outcome> outcomes = new ArrayList<>();
    boolean progress = firstPoll;
    firstPoll = false;
    for (SpoolArchive a : complete()) {
      Outcome o = importOne(a, spool);
      if (o != null) {
        outcomes.add(o);
        progress |= o.status() == Status.APPLIED;
      }
    }
    while (progress) {
      progress = false;
      for (SpoolArchive a : SpoolArchive.list(spool.resolve(QUARANTINE))) {
        if (!a.complete()) {
          continue;
        }
        Outcome o = importOne(a, spool.resolve(QUARANTINE));
        if (o != null && o.status() != Status.QUARANTINED) {
          outcomes.add(o);
          progress |= o.status() == Status.APPLIED;
        }
      }
    }
    return outcomes;
  }

  /**
   * Starts polling every {@code interval} on a thread of its own.
   *
   * @return a handle whose {@code close()} stops polling and waits (at most {@link
   *     #STOP_TIMEOUT_DEFAULT}) for an import in progress; close it before the store
   */
  public Closeable start(Duration interval) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gapsync-spool");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::pollLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return () -> {
      timer.shutdown(); // not shutdownNow: an interrupt would break the file channels of an import
      try {
        if (!timer.awaitTermination(STOP_TIMEOUT_DEFAULT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("An import in the spool {} did not stop in time", spool);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** One scheduled poll: a failure is logged, never thrown (it would cancel the schedule). */
  private void pollLogged() {
    try {
      pollOnce();
    } catch (IOException | RuntimeException e) {
      LOG.error("Tried to look at the spool {} but failed because: {}", spool, e.toString());
    }
  }

  /** The archives of the spool that are unchanged since the previous poll; remembers the rest. */
  private List<SpoolArchive> complete() throws IOException {
    Map<String, String> seen = new HashMap<>();
    List<SpoolArchive> ready = new ArrayList<>();
    for (SpoolArchive a : SpoolArchive.list(spool)) {
      String fingerprint = a.fingerprint();
      if (a.complete() && fingerprint.equals(lastSeen.get(a.name()))) {
        ready.add(a);
      } else {
        seen.put(a.name(), fingerprint);
      }
    }
    lastSeen = seen;
    return ready;
  }

  /**
   * Imports one archive and moves it where its outcome says.
   *
   * @return the outcome, or null if it stays where it is (a failure that is not the archive's)
   */
  private Outcome importOne(SpoolArchive a, Path from) throws IOException {
    String tried =
        "Tried to import archive "
            + a.name()
            + " into the store "
            + store.path()
            + " (site "
            + store.siteId()
            + ")";
    try {
      ArchiveImporter.Result r =
          new ArchiveImporter(store, trust, clock.instant(), ProgressListener.NONE)
              .run(a.located());
      a.moveTo(spool.resolve(APPLIED));
      Files.deleteIfExists(from.resolve(a.name() + REASON_SUFFIX));
      if (r.alreadyApplied()) {
        LOG.info("Already applied archive {}: nothing changed; moved to {}", a.name(), APPLIED);
        return new Outcome(a.name(), Status.ALREADY_APPLIED, "already applied: nothing changed");
      }
      String summary = summary(r);
      LOG.info("Imported archive {}: {}", a.name(), summary);
      writeInventory();
      return new Outcome(a.name(), Status.APPLIED, summary);
    } catch (MissingContentException e) {
      Path dir = spool.resolve(QUARANTINE);
      if (!from.equals(dir)) {
        a.moveTo(dir);
      }
      SpoolReasons.write(dir, a.name(), SpoolReasons.quarantined(tried, e, clock.instant()));
      LOG.warn("Quarantined archive {}: {}", a.name(), e.getMessage());
      return new Outcome(a.name(), Status.QUARANTINED, e.getMessage());
    } catch (StoreException e) {
      if (e.code() == StoreException.Code.IO
          || e.code() == StoreException.Code.CLOSED
          || e.code() == StoreException.Code.LOCKED) {
        LOG.error(
            "{} but the store failed (left in place, tried again later): {}",
            tried,
            e.getMessage());
        return null;
      }
      return reject(a, from, tried, e);
    } catch (DiskFullException e) {
      LOG.error("{} (left in place, tried again at the next poll)", e.getMessage());
      return null;
    } catch (NoSuchFileException e) {
      LOG.warn("{} but a file vanished (left in place): {}", tried, e.getMessage());
      return null;
    } catch (ProtocolException | ArchiveRefusedException e) {
      return reject(a, from, tried, e);
    } catch (IOException e) {
      LOG.error(
          "{} but reading failed (left in place, tried again later): {}", tried, e.toString());
      return null;
    }
  }

  private Outcome reject(SpoolArchive a, Path from, String tried, RuntimeException e)
      throws IOException {
    Path dir = spool.resolve(REJECTED);
    a.moveTo(dir);
    Files.deleteIfExists(from.resolve(a.name() + REASON_SUFFIX));
    SpoolReasons.write(dir, a.name(), SpoolReasons.rejected(tried, e, clock.instant()));
    LOG.warn("Rejected archive {}: {}", a.name(), e.getMessage());
    return new Outcome(a.name(), Status.REJECTED, e.getMessage());
  }

  /** Writes the fresh inventory; a failure is logged (the import itself stands). */
  private void writeInventory() {
    if (outbox == null) {
      return;
    }
    try {
      Path f = OutboxInventory.write(store, outbox, siteKey, clock.instant());
      LOG.info("Wrote the inventory {}{}", f, siteKey == null ? "" : " and its signature");
    } catch (IOException | RuntimeException e) {
      LOG.error(
          "Tried to write the inventory to the outbox {} but failed because: {} (it is written again"
              + " after the next import; or run gapsync inventory export)",
          outbox,
          e.toString());
    }
  }

  private static String summary(ArchiveImporter.Result r) {
    return "producer "
        + r.statement().producerId()
        + ", sequence "
        + r.statement().sequence()
        + ": "
        + r.blobsAdded()
        + " blobs added, "
        + r.manifestsAdded()
        + " manifests added, "
        + r.tagsMoved().size()
        + " tags moved";
  }
}
