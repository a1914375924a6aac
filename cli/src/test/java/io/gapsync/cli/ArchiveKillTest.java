package io.gapsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.daemon.archive.ArchiveImporter;
import io.gapsync.store.GcReport;
import io.gapsync.store.Store;
import io.gapsync.store.StoreOptions;
import io.gapsync.store.TagInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability test 2 of issue 4 (docs/FORMAT.md section 4.7, "A crash (kill -9) during steps 6-7"):
 * {@code gapsync import} runs in a separate JVM and is killed with SIGKILL at seeded random points.
 * After every kill {@code gapsync fsck} finds the store sound, and the store holds all of the
 * archive's tags, its applied record and its watermark, or none of them (they land in one write).
 * Importing the archive again then completes, giving exactly the store an uninterrupted import
 * gives, with nothing left for gc (the read-write open discards what a killed upload left). Every
 * fifth restart is killed too, before the final import, so recovery and the resumed import (which
 * verifies the blobs it already holds) are interrupted as well.
 *
 * <p>The archive ({@link LargeArchive}: about 25 MB, 16 blobs, five tags) is exported once. One
 * uninterrupted import in a child JVM is watched first: when content starts to reach the store's
 * write-ahead log and blob files, when all the blob bytes are there, and when the process ends. The
 * kill points follow from that, so they fit the machine's speed: a few before content arrives (JVM
 * start-up, store open, signature checks), most while the blobs stream in (when the log reaches a
 * random byte count, which takes the JVM's start-up jitter of hundreds of milliseconds out of the
 * aim), and a few between the last blob and the exit (manifests, commit, close). Each child JVM
 * costs about a second on two cores; the 25 child runs take about 35 seconds in all, so the test
 * runs by default.
 *
 * <p>A failure names the seed, the kill's index and its kill point, and shows what the child
 * printed.
 */
class ArchiveKillTest {

  /** Seeds the kill points. */
  private static final long SEED = 20261126L;

  /** Number of killed imports. */
  private static final int KILLS = 20;

  /** Every this many kills, the restarted import is killed too (at a random time). */
  private static final int SECOND_KILL_EVERY = 5;

  /** Of {@link #KILLS}: the first this many fall before content reaches the store. */
  private static final int EARLY_KILLS = 3;

  /** Of {@link #KILLS}: the last this many fall between the last blob bytes and the exit. */
  private static final int LATE_KILLS = 4;

  /** How far past the uninterrupted run's exit the late kill points reach (timing jitter). */
  private static final long LATE_SLACK_MS = 30;

  /** Log size that shows content is streaming in (chunks are 1 MiB). */
  private static final long CONTENT_LOG_BYTES = 256 * 1024;

  /** Longest a child import may take before the test gives up on it. */
  private static final long CHILD_TIMEOUT_MS = 60_000;

  /** How often a running child's store is looked at. */
  private static final long POLL_MS = 2;

  private static final String SITE_ID = "site-a";

  @TempDir Path tmp;

  /** Where a killed import had got to, judged from what its store holds afterwards. */
  private enum Outcome {
    /** Killed before anything of the archive was stored (JVM start-up, open, verification). */
    BEFORE_CONTENT,
    /** Killed while blobs were streaming in: some held, no manifest, no tag. */
    MID_BLOBS,
    /** Killed after the blobs and some or all manifests were stored, before the commit. */
    MID_MANIFESTS,
    /** Killed after the commit (closing or exiting): every tag moved. */
    AFTER_COMMIT,
    /** The import ended by itself before the kill was due. */
    FINISHED
  }

  /**
   * When to kill a child import: {@code delayMs} after the store's write-ahead log first reached
   * {@code logBytes} (after the JVM started if 0).
   */
  private record KillPoint(long logBytes, long delayMs) {
    @Override
    public String toString() {
      return delayMs
          + " ms after "
          + (logBytes == 0 ? "JVM start" : "the log reached " + logBytes + " bytes");
    }
  }

  /**
   * What a child import did, in milliseconds from its start.
   *
   * @param ended true if it ended by itself (not killed)
   * @param contentMs when the store's log reached {@link #CONTENT_LOG_BYTES}, or -1
   * @param blobsMs when it reached the archive's blob bytes, or -1
   * @param endMs when the process had ended
   */
  private record Run(boolean ended, long contentMs, long blobsMs, long endMs) {
    @Override
    public String toString() {
      return "content from "
          + contentMs
          + " ms, all blob bytes at "
          + blobsMs
          + " ms, exit at "
          + endMs
          + " ms";
    }
  }

  @Test
  void importKilledAtRandomPointsLeavesASoundStoreAndCompletesWhenRunAgain() throws Exception {
    // Child imports check expiry against the real clock: export at the real time.
    Clock clock = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);
    LargeArchive.Exported exported = LargeArchive.export(tmp, clock, newSite("empty"));
    Path archive = exported.archive();
    Path pub = exported.pub();
    long blobBytes = exported.blobBytes();
    Path reference = newSite("reference");
    Run uninterrupted = runChild(reference, importArgs(reference, pub, archive), blobBytes, null);
    assertThat(uninterrupted.blobsMs()).as("blobs seen streaming: " + uninterrupted).isPositive();
    StoreSnapshot expected = StoreSnapshot.of(reference);
    assertThat(expected.tags()).hasSize(5);
    assertThat(expected.blobs()).hasSize(16);
    assertThat(CliRun.withStore(reference, "fsck").exitCode()).isZero();

    Random random = new Random(SEED);
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    List<String> log = new ArrayList<>();
    for (int k = 0; k < KILLS; k++) {
      KillPoint kill = killPoint(k, random, uninterrupted, blobBytes);
      String what =
          "kill "
              + k
              + " of seed "
              + SEED
              + ": SIGKILL "
              + kill
              + " (uninterrupted: "
              + uninterrupted
              + ")";
      Path site = newSite("site-" + k);
      Run run = runChild(site, importArgs(site, pub, archive), blobBytes, kill);
      Outcome outcome =
          check(
              what + "\n--- child: " + run + "\n" + Files.readString(output(site)),
              site,
              run,
              expected.tags());
      counts.merge(outcome, 1, Integer::sum);
      log.add(k + ": " + kill + ": " + outcome);
      if (k % SECOND_KILL_EVERY == SECOND_KILL_EVERY - 1) {
        // Killed again while it resumes: recovering the log, verifying what it already holds.
        KillPoint second = new KillPoint(0, (long) (random.nextDouble() * uninterrupted.endMs()));
        what += ", then restarted and SIGKILL " + second;
        Run rerun = runChild(site, importArgs(site, pub, archive), blobBytes, second);
        Outcome o =
            check(
                what + "\n--- child: " + rerun + "\n" + Files.readString(output(site)),
                site,
                rerun,
                expected.tags());
        log.add(k + ": restarted, SIGKILL " + second + ": store then " + o);
      }

      // Restarted: the import completes (or reports the archive as applied, if the kill came
      // after the commit) and the store is exactly the uninterrupted one.
      CliRun again =
          ArchiveCli.run(
              clock,
              "import",
              "--store",
              site.toString(),
              "--trust",
              pub.toString(),
              archive.toString());
      assertThat(again.exitCode()).as(what + "\nimport again: " + again).isZero();
      assertThat(StoreSnapshot.of(site)).as(what + ": after importing again").isEqualTo(expected);
      try (Store store = Store.open(site, StoreOptions.defaults())) {
        // The read-write open discarded what the killed upload left; nothing else is garbage.
        assertThat(store.gc())
            .as(what + ": gc after importing again")
            .isEqualTo(
                new GcReport(0, 0, 0, 0, expected.manifests().size(), expected.blobs().size()));
      }
      CliRun fsck = CliRun.withStore(site, "fsck");
      assertThat(fsck.exitCode()).as(what + "\nfsck at the end: " + fsck).isZero();
      deleteTree(site);
    }

    // The test means something only if kills really land while the import is storing content.
    int mid =
        counts.getOrDefault(Outcome.MID_BLOBS, 0) + counts.getOrDefault(Outcome.MID_MANIFESTS, 0);
    assertThat(mid)
        .as(
            "kills mid-import, of %d: %s (uninterrupted: %s)\n%s",
            KILLS, counts, uninterrupted, String.join("\n", log))
        .isGreaterThanOrEqualTo(KILLS / 2);
  }

  /**
   * Checks a store right after its import was killed, as an operator would: fsck, then the tags
   * (all of the archive's or none).
   *
   * @return where the import had got to
   */
  private static Outcome check(String what, Path site, Run run, List<TagInfo> expected) {
    CliRun fsck = CliRun.withStore(site, "fsck");
    assertThat(fsck.exitCode()).as(what + "\nfsck after the kill: " + fsck).isZero();
    StoreSnapshot s = StoreSnapshot.of(site);
    List<TagInfo> tags = s.tags();
    if (!tags.isEmpty()) {
      // The tags and the archive's record land in one write, after everything they need.
      assertThat(tags).as(what + "\ntags after the kill: all or none").isEqualTo(expected);
    }
    try (Store store = Store.open(site, StoreOptions.defaults().asReadOnly())) {
      assertThat(store.metaWithPrefix(ArchiveImporter.APPLIED_PREFIX).keySet())
          .as(what + "\nthe archive recorded as applied exactly when its tags moved")
          .hasSize(tags.isEmpty() ? 0 : 1);
      assertThat(store.metaWithPrefix(ArchiveImporter.WATERMARK_PREFIX).keySet())
          .as(what + "\nthe producer's watermark set exactly when the tags moved")
          .hasSize(tags.isEmpty() ? 0 : 1);
    }
    if (run.ended()) {
      return Outcome.FINISHED;
    }
    if (!tags.isEmpty()) {
      return Outcome.AFTER_COMMIT;
    }
    if (!s.manifests().isEmpty()) {
      return Outcome.MID_MANIFESTS;
    }
    return s.blobs().isEmpty() ? Outcome.BEFORE_CONTENT : Outcome.MID_BLOBS;
  }

  /**
   * Kill {@code k}: the first few at a random time before content reached the uninterrupted store;
   * the last few at a random time from when all blob bytes were in its log to just past its exit;
   * the rest when the log reaches a random byte count while the blobs stream in.
   */
  private static KillPoint killPoint(int k, Random random, Run t, long blobBytes) {
    if (k < EARLY_KILLS) {
      // One in each slice: JVM start-up, then store open and signature checks.
      return new KillPoint(0, (long) ((k + random.nextDouble()) * t.contentMs() / EARLY_KILLS));
    }
    if (k >= KILLS - LATE_KILLS) {
      // Half of them in the first quarter (manifests, commit), half anywhere up to the exit.
      long tail = t.endMs() - t.blobsMs() + LATE_SLACK_MS;
      return new KillPoint(blobBytes, (long) (random.nextDouble() * tail / (k % 2 == 0 ? 4 : 1)));
    }
    return new KillPoint(
        CONTENT_LOG_BYTES + (long) (random.nextDouble() * (blobBytes - CONTENT_LOG_BYTES)), 0);
  }

  /**
   * Runs an import in a child JVM, watching the size of the store's write-ahead log, and kills it
   * with SIGKILL at {@code kill} unless it ended first.
   *
   * @param blobBytes the archive's blob bytes (when the log holds that much, the blobs are in)
   * @param kill when to kill it, or null to let it run to the end (it must succeed)
   */
  private Run runChild(Path store, List<String> args, long blobBytes, KillPoint kill)
      throws Exception {
    long start = System.nanoTime();
    Process p = startChild(output(store), args);
    long contentMs = -1;
    long blobsMs = -1;
    long killFromMs = kill != null && kill.logBytes() == 0 ? 0 : -1;
    boolean ended;
    while (!(ended = p.waitFor(POLL_MS, TimeUnit.MILLISECONDS))) {
      long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      long log = largestLog(store);
      if (contentMs < 0 && log >= CONTENT_LOG_BYTES) {
        contentMs = now;
      }
      if (blobsMs < 0 && log >= blobBytes) {
        blobsMs = now;
      }
      if (killFromMs < 0 && kill != null && log >= kill.logBytes()) {
        killFromMs = now;
      }
      if ((killFromMs >= 0 && now >= killFromMs + kill.delayMs()) || now > CHILD_TIMEOUT_MS) {
        p.destroyForcibly(); // SIGKILL on Linux
        break;
      }
    }
    assertThat(p.waitFor(CHILD_TIMEOUT_MS, TimeUnit.MILLISECONDS)).isTrue();
    long endMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    if (blobsMs < 0 && largestLog(store) >= blobBytes) {
      blobsMs = endMs; // the last poll came just before the end
    }
    String output = Files.readString(output(store));
    assertThat(endMs).as("child import timed out\n" + output).isLessThan(CHILD_TIMEOUT_MS);
    if (ended || kill == null) {
      assertThat(p.exitValue()).as(output).isZero();
    }
    return new Run(ended, contentMs, blobsMs, endMs);
  }

  private Path output(Path store) {
    return tmp.resolve(store.getFileName() + ".txt");
  }

  /**
   * How much content reached a store: the size of the largest RocksDB write-ahead log file ({@code
   * NNNNNN.log}: small blobs, in chunks) plus the blob files, temporary or published, under {@code
   * blobs/} (blobs of 256 KiB and more; docs/FORMAT.md, "Blob files").
   */
  private static long largestLog(Path store) throws IOException {
    long max = 0;
    try (Stream<Path> files = Files.list(store)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d+\\.log")).toList()) {
        try {
          max = Math.max(max, Files.size(f));
        } catch (NoSuchFileException e) {
          // rolled over meanwhile
        }
      }
    }
    return max + blobFileBytes(store.resolve("blobs"));
  }

  /** The bytes of the regular files under a folder; files that vanish meanwhile count nothing. */
  private static long blobFileBytes(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    long total = 0;
    List<Path> found;
    try (Stream<Path> files = Files.walk(folder)) {
      found = files.toList();
    } catch (UncheckedIOException e) {
      return 0; // a temporary file renamed or deleted while walking: look again next poll
    }
    for (Path f : found) {
      try {
        if (Files.isRegularFile(f)) {
          total += Files.size(f);
        }
      } catch (NoSuchFileException e) {
        // renamed into place or discarded meanwhile
      }
    }
    return total;
  }

  /**
   * Starts {@code gapsync ARGS} in a new JVM with the test's own java and class path; both output
   * streams go to a file.
   */
  private static Process startChild(Path output, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // C1 only: starts in about two thirds of the time, which is most of a short import's cost.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(GapsyncCli.class.getName());
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  private static List<String> importArgs(Path site, Path pub, Path archive) {
    return List.of(
        "import", "--store", site.toString(), "--trust", pub.toString(), archive.toString());
  }

  /** Creates an empty store with the site id the archive is computed for. */
  private Path newSite(String name) {
    Path dir = tmp.resolve(name);
    Store.open(dir, StoreOptions.defaults(), SITE_ID).close();
    return dir;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
