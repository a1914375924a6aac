package io.gapsync.daemon.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The connected side's export ledger (docs/FORMAT.md section 4.12): a folder outside the store that
 * records what every archive sent and hands out the per-producer sequence numbers, so that an
 * export needs only a read-only store and works while {@code gapsync serve} holds the store.
 *
 * <pre>
 * LEDGER/ledger.json                                 format and version (refused if unknown)
 * LEDGER/lock                                        exclusive lock held while open
 * LEDGER/sequence/PRODUCER                           last sequence handed out (decimal)
 * LEDGER/records/SITE/PRODUCER/SEQUENCE.json         one {@link LedgerRecord} per archive
 * </pre>
 *
 * <p>Every file is written under a hidden {@code .NAME.partial}, synced, renamed and its folder
 * synced, so a crash leaves the old or the new file, never a torn one. Records are only added. The
 * lock is a POSIX file lock: a second export (in this or another process) is refused while one
 * runs. Not thread-safe; one export uses it at a time. Close it to release the lock.
 */
public final class ExportLedger implements Closeable {

  /** The ledger folder's format name. */
  public static final String FORMAT = "gapsync.ledger";

  /** The ledger format version this code reads and writes. */
  public static final int FORMAT_VERSION = 1;

  /** Suffix of the default ledger folder next to the store folder. */
  public static final String DEFAULT_SUFFIX = ".ledger";

  private static final String HEADER = "ledger.json";

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private ExportLedger(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Returns the default ledger folder of a store: {@code STORE.ledger} next to it.
   *
   * @param store the store folder
   * @return the ledger folder
   */
  public static Path defaultFor(Path store) {
    Path abs = store.toAbsolutePath().normalize();
    return abs.resolveSibling(abs.getFileName() + DEFAULT_SUFFIX);
  }

  /**
   * Opens (creating if absent) a ledger and takes its lock.
   *
   * @param dir the ledger folder
   * @return the open ledger; close it to release the lock
   * @throws ArchiveRefusedException if another export holds the lock, or the folder is a ledger of
   *     another format version
   * @throws IOException if the folder cannot be created or read
   */
  public static ExportLedger open(Path dir) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch =
        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new ArchiveRefusedException(
          "Tried to lock the export ledger "
              + dir
              + " but another export holds it: wait for it to finish (one export at a time per"
              + " ledger)");
    }
    ExportLedger ledger = new ExportLedger(dir, ch, lock);
    try {
      ledger.checkHeader();
      return ledger;
    } catch (IOException | RuntimeException e) {
      ledger.close();
      throw e;
    }
  }

  /** Returns the ledger folder. */
  public Path path() {
    return dir;
  }

  private void checkHeader() throws IOException {
    Path header = dir.resolve(HEADER);
    String expected = "{\"format\":\"" + FORMAT + "\",\"formatVersion\":" + FORMAT_VERSION + "}\n";
    if (!Files.exists(header)) {
      writeAtomically(header, expected.getBytes(StandardCharsets.UTF_8));
      return;
    }
    String text = Files.readString(header, StandardCharsets.UTF_8);
    if (!text.equals(expected)) {
      throw new ArchiveRefusedException(
          "Tried to open the export ledger "
              + dir
              + " but its "
              + HEADER
              + " says "
              + text.strip()
              + ", not format "
              + FORMAT
              + " version "
              + FORMAT_VERSION
              + ": use the gapsync that wrote it, or another --ledger folder");
    }
  }

  /**
   * Hands out the producer's next archive sequence number, persisted (synced) before it is
   * returned: a failed export skips a number, never reuses one. The first time a producer is seen
   * the count continues from the highest of {@code migrateFrom} (the counter older versions kept in
   * the store) and the records already in the ledger.
   *
   * @param producerId the producer
   * @param migrateFrom the last sequence the store's counter handed out, if it has one
   * @return the sequence number, from 1
   * @throws IOException if the counter cannot be written
   */
  public long nextSequence(String producerId, OptionalLong migrateFrom) throws IOException {
    Path counter = dir.resolve("sequence").resolve(producerId);
    long last;
    if (Files.exists(counter)) {
      String text = Files.readString(counter, StandardCharsets.US_ASCII).strip();
      try {
        last = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new ArchiveRefusedException(
            "Tried to read the sequence counter "
                + counter
                + " but it holds '"
                + text
                + "', not a number: restore it from a backup or write the last sequence sent",
            e);
      }
    } else {
      last = Math.max(migrateFrom.orElse(0), highestRecorded(producerId));
    }
    long next = last + 1;
    Files.createDirectories(counter.getParent());
    writeAtomically(counter, (next + "\n").getBytes(StandardCharsets.US_ASCII));
    return next;
  }

  /**
   * Adds the record of an archive written.
   *
   * @param record the record
   * @return the record file
   * @throws IOException if writing fails (nothing partial is left)
   */
  public Path record(LedgerRecord record) throws IOException {
    Path folder = dir.resolve("records").resolve(record.siteId()).resolve(record.producerId());
    Files.createDirectories(folder);
    Path file = folder.resolve(fileName(record.sequence()));
    writeAtomically(file, LedgerCodec.toBytes(record));
    return file;
  }

  /**
   * Returns the records of one site and producer, by sequence.
   *
   * @param siteId the site
   * @param producerId the producer
   * @return the records
   * @throws ArchiveRefusedException if a record is malformed (naming it)
   * @throws IOException if reading fails
   */
  public List<LedgerRecord> records(String siteId, String producerId) throws IOException {
    Path folder = dir.resolve("records").resolve(siteId).resolve(producerId);
    List<LedgerRecord> out = new ArrayList<>();
    for (Path f : recordFiles(folder)) {
      out.add(LedgerCodec.read(f));
    }
    out.sort(Comparator.comparingLong(LedgerRecord::sequence));
    return out;
  }

  private long highestRecorded(String producerId) throws IOException {
    Path records = dir.resolve("records");
    long max = 0;
    if (!Files.isDirectory(records)) {
      return 0;
    }
    try (Stream<Path> sites = Files.list(records)) {
      for (Path site : sites.toList()) {
        for (Path f : recordFiles(site.resolve(producerId))) {
          String n = f.getFileName().toString();
          max = Math.max(max, Long.parseLong(n.substring(0, n.length() - ".json".length())));
        }
      }
    }
    return max;
  }

  private static List<Path> recordFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(p -> p.getFileName().toString().matches("[0-9]{12,19}\\.json")).toList();
    }
  }

  private static String fileName(long sequence) {
    return String.format(Locale.ROOT, "%012d.json", sequence);
  }

  /** Writes a file under a hidden temporary name, syncs it, renames it and syncs the folder. */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      try (FileChannel ch =
              FileChannel.open(
                  tmp,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING,
                  StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(ch)) {
        out.write(bytes);
        out.flush();
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
  }
}
