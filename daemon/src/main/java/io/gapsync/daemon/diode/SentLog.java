package io.gapsync.daemon.diode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link OutboxSender} has sent, kept in the outbox so that a restart does not send
 * everything again (docs/FORMAT.md section 5.6): {@code OUTBOX/.diode-sent/NAME.sent} per archive,
 * written as {@code .NAME.sent.partial}, synced, renamed into place and the folder synced. A record
 * holds the archive's fingerprint: an archive replaced under the same name (other sizes or times)
 * is sent again. A record of another format or version, or one that cannot be read, is logged and
 * counts as not sent (sending again is harmless: the receiver ignores objects it has published).
 *
 * <p>Not thread-safe: the sender guards it with its lock.
 */
final class SentLog {

  /** The state folder's name in the outbox. */
  static final String DIR = ".diode-sent";

  /** Suffix of a record. */
  static final String SUFFIX = ".sent";

  /** First line of a record: format name and version. */
  static final String HEADER = "gapsync.diode-sent 1";

  private static final Logger LOG = LoggerFactory.getLogger(SentLog.class);

  private final Path dir;

  /** Archive name to the fingerprint recorded as sent. */
  private final Map<String, String> sent = new HashMap<>();

  private SentLog(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens (and creates) the state folder of an outbox and reads its records.
   *
   * @throws IOException if the folder cannot be created or listed
   */
  static SentLog open(Path outbox) throws IOException {
    SentLog log = new SentLog(Files.createDirectories(outbox.resolve(DIR)));
    List<Path> records;
    try (Stream<Path> s = Files.list(log.dir)) {
      records = s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
    for (Path p : records) {
      String file = p.getFileName().toString();
      if (!file.endsWith(SUFFIX)) {
        continue;
      }
      String name = file.substring(0, file.length() - SUFFIX.length());
      String fingerprint = read(p);
      if (fingerprint != null) {
        log.sent.put(name, fingerprint);
      }
    }
    return log;
  }

  /** Reads one record's fingerprint, or null (logged) if it is not one this version reads. */
  private static String read(Path p) {
    try {
      String text = Files.readString(p, StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      String header = nl < 0 ? text : text.substring(0, nl);
      if (!HEADER.equals(header)) {
        LOG.warn(
            "The diode sent-record {} starts with '{}', not '{}': this version does not read it,"
                + " so its archive is sent again",
            p,
            header,
            HEADER);
        return null;
      }
      StringBuilder fp = new StringBuilder();
      for (String line : text.substring(nl + 1).split("\n")) {
        if (line.startsWith("file ")) {
          fp.append(line, 5, line.length()).append('\n');
        }
      }
      return fp.toString();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Tried to read the diode sent-record {} but failed ({}): sending it again", p, e);
      return null;
    }
  }

  /** True if this archive, with this fingerprint, was sent. */
  boolean isSent(OutboxArchive a) {
    return a.fingerprint().equals(sent.get(a.name()));
  }

  /**
   * Records an archive as sent, atomically. It counts as sent from now on even if writing the
   * record fails (then only a restart sends it again).
   *
   * @throws IOException if the record cannot be written
   */
  void record(OutboxArchive a, SendReport r, Instant at) throws IOException {
    sent.put(a.name(), a.fingerprint());
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("archive ").append(a.name()).append('\n');
    b.append("sentAt ").append(at).append('\n');
    b.append("passes ").append(r.passes()).append('\n');
    b.append("epoch ").append(String.format(Locale.ROOT, "%08x", r.epoch())).append('\n');
    for (String line : a.fingerprint().split("\n")) {
      b.append("file ").append(line).append('\n');
    }
    Path target = dir.resolve(a.name() + SUFFIX);
    Path partial = dir.resolve("." + a.name() + SUFFIX + ".partial");
    Files.write(partial, b.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Files.move(
        partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /**
   * Forgets the records of archives no longer in the outbox, so the folder stays as small as the
   * outbox. An archive put back later is sent again.
   */
  void prune(Set<String> present) {
    for (String name : Set.copyOf(sent.keySet())) {
      if (!present.contains(name)) {
        sent.remove(name);
        try {
          Files.deleteIfExists(dir.resolve(name + SUFFIX));
        } catch (IOException e) {
          LOG.warn("Tried to delete the diode sent-record of {} but failed: {}", name, e);
        }
      }
    }
  }
}
