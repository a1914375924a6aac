package io.gapsync.daemon.diode;

import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.archive.VolumeIndex;
import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.DiodeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One archive lying in an export outbox, as the {@link OutboxSender} sees it: a single {@code .gsa}
 * file, or a volume index {@code NAME.volumes.json} with the volumes it lists (docs/FORMAT.md
 * section 4.6). Export writes every file as {@code NAME.partial} and renames it when complete, the
 * index of a split archive last; so only {@code *.gsa} and {@code *.volumes.json} names are
 * archives, and a split archive counts only once every volume is there at the size its index gives.
 * Hidden files ({@code .NAME}: the sender's own state, rsync's temporaries) and every other name
 * are ignored.
 *
 * <p>The fingerprint (names, sizes and modification times of every file) tells a file still being
 * written (it changes between two looks) and an archive replaced under the same name (it differs
 * from the one recorded as sent).
 *
 * @param name the archive's name ({@code gapsync-depot-1-000017.gsa}), also for a split archive
 * @param files what to send, in order: the volumes, then the index; or the single file
 * @param complete false while a volume the index lists is absent or of another size
 * @param fingerprint one line per file: name, size, modification time in milliseconds
 * @param bytes the total size of the files
 */
record OutboxArchive(
    String name, List<Path> files, boolean complete, String fingerprint, long bytes) {

  /** Suffix of a single-file archive. */
  static final String ARCHIVE_SUFFIX = ".gsa";

  /** The first bytes of every archive (docs/FORMAT.md section 4.2). */
  private static final byte[] MAGIC = "GAPSYNCA".getBytes(StandardCharsets.US_ASCII);

  /** Export's names: {@code gapsync-<producer>-<sequence>.gsa} (ArchiveExporter). */
  private static final Pattern EXPORT_NAME = Pattern.compile("gapsync-(.+)-([0-9]{1,18})\\.gsa");

  /**
   * Export order: archives named by export sort by producer, then by sequence as a number (so
   * {@code 1000000} follows {@code 999999}); other names follow, by name.
   */
  static final Comparator<String> ORDER =
      Comparator.<String, Integer>comparing(n -> EXPORT_NAME.matcher(n).matches() ? 0 : 1)
          .thenComparing(OutboxArchive::producer)
          .thenComparingLong(OutboxArchive::sequence)
          .thenComparing(Comparator.naturalOrder());

  /** Copies the list. */
  OutboxArchive {
    files = List.copyOf(files);
  }

  private static String producer(String name) {
    Matcher m = EXPORT_NAME.matcher(name);
    return m.matches() ? m.group(1) : "";
  }

  private static long sequence(String name) {
    Matcher m = EXPORT_NAME.matcher(name);
    return m.matches() ? Long.parseLong(m.group(2)) : 0;
  }

  /**
   * Lists the archives in a folder (not its subfolders), complete or not, in export order. A volume
   * index that cannot be read yields an incomplete archive without files; {@link #check()} names
   * what is wrong with it.
   *
   * @throws IOException if the folder cannot be listed
   */
  static List<OutboxArchive> list(Path dir) throws IOException {
    List<Path> names;
    try (Stream<Path> s = Files.list(dir)) {
      names = s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    }
    List<OutboxArchive> out = new ArrayList<>();
    for (Path p : names) {
      String file = p.getFileName().toString();
      try {
        if (file.endsWith(ARCHIVE_SUFFIX) && Files.isRegularFile(p)) {
          out.add(of(file, List.of(p), true));
        } else if (file.endsWith(VolumeIndex.SUFFIX) && Files.isRegularFile(p)) {
          out.add(split(p, file));
        }
      } catch (NoSuchFileException e) {
        // Removed between the listing and the look: gone from the outbox.
      }
    }
    out.sort(Comparator.comparing(OutboxArchive::name, ORDER));
    return out;
  }

  private static OutboxArchive split(Path index, String file) throws IOException {
    String name = file.substring(0, file.length() - VolumeIndex.SUFFIX.length());
    VolumeIndex vi;
    try {
      vi = ArchiveFiles.readIndex(index);
    } catch (ProtocolException e) {
      // Unreadable: complete once it stops changing, so that check() can say why it is not sent.
      return of(name, List.of(index), true);
    }
    List<Path> files = new ArrayList<>();
    boolean complete = true;
    for (VolumeIndex.Volume v : vi.volumes()) {
      Path f = index.resolveSibling(v.name());
      files.add(f);
      complete &= Files.isRegularFile(f) && Files.size(f) == v.size();
    }
    files.add(index);
    return complete ? of(name, files, true) : new OutboxArchive(name, files, false, "", 0);
  }

  private static OutboxArchive of(String name, List<Path> files, boolean complete)
      throws IOException {
    StringBuilder b = new StringBuilder();
    long bytes = 0;
    for (Path f : files) {
      long size = Files.size(f);
      bytes += size;
      b.append(f.getFileName())
          .append(' ')
          .append(size)
          .append(' ')
          .append(Files.getLastModifiedTime(f).toMillis())
          .append('\n');
    }
    return new OutboxArchive(name, files, complete, b.toString(), bytes);
  }

  /**
   * Checks that this is an archive before it is sent: a readable volume index (for a split archive)
   * and the archive magic at the start of the first file. The signature is the site's to check: the
   * sender may not hold the producer's trust.
   *
   * @return null if it can be sent, else why not (one clause, for a log line)
   * @throws IOException if a file cannot be read
   */
  String check() throws IOException {
    for (Path f : files) {
      try {
        Announcement.checkName(f.getFileName().toString());
      } catch (DiodeException e) {
        return e.getMessage();
      }
    }
    Path first = files.get(0);
    if (first.getFileName().toString().endsWith(VolumeIndex.SUFFIX)) {
      try {
        ArchiveFiles.readIndex(first);
        return "its volume index lists no volume";
      } catch (ProtocolException e) {
        return e.getMessage();
      }
    }
    byte[] head = new byte[MAGIC.length];
    int n;
    try (InputStream in = Files.newInputStream(first)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n < MAGIC.length || !Arrays.equals(head, MAGIC)) {
      return first.getFileName() + " does not start with the archive magic GAPSYNCA";
    }
    return null;
  }
}
