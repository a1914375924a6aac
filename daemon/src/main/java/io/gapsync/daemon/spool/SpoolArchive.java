package io.gapsync.daemon.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.archive.ArchiveFiles;
import io.gapsync.protocol.archive.ChecksumFile;
import io.gapsync.protocol.archive.VolumeIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One archive lying in a spool folder: a single {@code .gsa} file, or a volume index with the
 * volumes it lists. Knows whether all its files are there ({@link #complete()}), a fingerprint of
 * their sizes and times (two equal fingerprints a poll apart mean nothing is still being copied)
 * and how to move all its files together.
 *
 * <p>The index is only read here to find the volumes' names and sizes; {@link ArchiveFiles} checks
 * it and every volume's sha256 properly before the import reads anything. An index that cannot be
 * read counts as complete once it stops changing, so the importer rejects it with its reason.
 */
final class SpoolArchive {

  /** Largest volume index read (as {@link ArchiveFiles} allows). */
  private static final long INDEX_BYTES_MAX = 4L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path main;
  private final ArchiveFiles.Located located;

  /** Volume file name to the size the index gives; empty for a single file or unreadable index. */
  private final Map<String, Long> volumes;

  private SpoolArchive(Path main, Map<String, Long> volumes) {
    this.main = main;
    this.located = ArchiveFiles.locate(List.of(main)).get(0);
    this.volumes = volumes;
  }

  /**
   * Lists the archives in a folder (not its subfolders): {@code *.gsa} files and {@code
   * *.volumes.json} indexes, in name order; hidden files are skipped. Loose volumes without their
   * index wait for it.
   */
  static List<SpoolArchive> list(Path dir) throws IOException {
    List<SpoolArchive> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    }
    for (Path p : files) {
      String name = p.getFileName().toString();
      if (name.endsWith(SpoolImporter.ARCHIVE_SUFFIX)) {
        out.add(new SpoolArchive(p, Map.of()));
      } else if (name.endsWith(VolumeIndex.SUFFIX)) {
        out.add(new SpoolArchive(p, readVolumes(p)));
      }
    }
    return out;
  }

  /** The volumes an index lists, or an empty map if it cannot be read (yet). */
  private static Map<String, Long> readVolumes(Path index) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      if (Files.size(index) > INDEX_BYTES_MAX) {
        return Map.of();
      }
      JsonNode list = JSON.readTree(Files.readAllBytes(index)).path("volumes");
      for (JsonNode v : list) {
        String name = v.path("name").asText("");
        // Only plain names in the same folder: the index is not trusted to point elsewhere.
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
          return Map.of();
        }
        out.put(name, v.path("size").asLong(-1));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  /** Returns the archive's name: the {@code .gsa} file's, also for a split archive. */
  String name() {
    return located.name();
  }

  /** Returns the archive for {@link ArchiveImporter}. */
  ArchiveFiles.Located located() {
    return located;
  }

  /** True if every file is there at the size its index gives (always true for one file). */
  boolean complete() throws IOException {
    for (Map.Entry<String, Long> v : volumes.entrySet()) {
      Path f = main.resolveSibling(v.getKey());
      if (!Files.isRegularFile(f) || Files.size(f) != v.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Sizes and modification times of every file; equal a poll apart means nothing changed. */
  String fingerprint() throws IOException {
    StringBuilder b = new StringBuilder();
    stamp(main, b);
    for (String v : volumes.keySet()) {
      stamp(main.resolveSibling(v), b);
    }
    return b.toString();
  }

  private static void stamp(Path f, StringBuilder b) throws IOException {
    try {
      b.append(f.getFileName())
          .append(' ')
          .append(Files.size(f))
          .append(' ')
          .append(Files.getLastModifiedTime(f).toMillis())
          .append('\n');
    } catch (NoSuchFileException e) {
      b.append(f.getFileName()).append(" absent\n");
    }
  }

  /**
   * Moves every file of the archive into a folder (replacing files of the same name there), the
   * volumes first and the index or archive file last, so an interrupted move leaves no complete
   * looking archive behind in either folder; then its checksum file {@code NAME.sha256}, if any.
   */
  void moveTo(Path dir) throws IOException {
    for (String v : volumes.keySet()) {
      Path f = main.resolveSibling(v);
      if (Files.exists(f)) {
        move(f, dir);
      }
    }
    move(main, dir);
    // Its checksum file (export writes one next to every archive) goes with it, if it came along.
    Path sums = ChecksumFile.forFile(main);
    if (Files.exists(sums)) {
      move(sums, dir);
    }
  }

  private static void move(Path f, Path dir) throws IOException {
    Files.move(
        f,
        dir.resolve(f.getFileName().toString()),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
