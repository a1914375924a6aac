package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the archives among file arguments and opens them: a single archive file, a volume index
 * ({@code NAME.volumes.json}), or any of its volumes ({@code NAME.volNNN}, the index is looked up
 * next to it). Several arguments naming the same split archive give it once. Before a split archive
 * is read, every volume is checked against the index (present, size, sha256) and every damaged or
 * missing volume is named.
 */
public final class ArchiveFiles {

  private static final Pattern VOLUME = Pattern.compile("(.+)\\.vol[0-9]{3,}");

  private ArchiveFiles() {}

  /**
   * One archive found among the arguments.
   *
   * @param name the archive's file name
   * @param file the single archive file, or null if split
   * @param index the volume index, or null if single
   */
  public record Located(String name, Path file, Path index) {
    /** Returns a description for messages: the file or the index. */
    public String describe() {
      return (file != null ? file : index).toString();
    }
  }

  /**
   * Groups arguments into archives, in the order first named.
   *
   * @param args archive files, volume indexes or volumes
   * @return the archives
   */
  public static List<Located> locate(List<Path> args) {
    Map<Path, Located> out = new LinkedHashMap<>();
    for (Path p : args) {
      String file = p.getFileName().toString();
      Matcher m = VOLUME.matcher(file);
      if (file.endsWith(VolumeIndex.SUFFIX)) {
        String name = file.substring(0, file.length() - VolumeIndex.SUFFIX.length());
        out.putIfAbsent(p.toAbsolutePath().normalize(), new Located(name, null, p));
      } else if (m.matches()) {
        Path index = p.resolveSibling(m.group(1) + VolumeIndex.SUFFIX);
        out.putIfAbsent(index.toAbsolutePath().normalize(), new Located(m.group(1), null, index));
      } else {
        out.putIfAbsent(p.toAbsolutePath().normalize(), new Located(file, p, null));
      }
    }
    return new ArrayList<>(out.values());
  }

  /**
   * Opens an archive as one stream; checks every volume of a split archive first.
   *
   * @param a the archive
   * @return the stream (buffered); the caller closes it
   * @throws ArchiveException VOLUME_MISSING or VOLUME_DAMAGED naming every bad volume
   * @throws IOException if reading fails
   */
  public static InputStream open(Located a) throws IOException {
    if (a.file() != null) {
      return new BufferedInputStream(Files.newInputStream(a.file()), 1 << 16);
    }
    VolumeIndex index = readIndex(a.index());
    List<Path> files = checkVolumes(a.index(), index);
    Iterator<Path> it = files.iterator();
    return new SequenceInputStream(
        new java.util.Enumeration<InputStream>() {
          @Override
          public boolean hasMoreElements() {
            return it.hasNext();
          }

          @Override
          public InputStream nextElement() {
            try {
              return new BufferedInputStream(Files.newInputStream(it.next()), 1 << 16);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
  }

  /**
   * Reads a volume index ({@code NAME.volumes.json}) without touching its volumes.
   *
   * @param index the index file
   * @return the index
   * @throws ArchiveException VOLUME_MISSING if it is absent, too large or malformed
   * @throws IOException if reading fails
   */
  public static VolumeIndex readIndex(Path index) throws IOException {
    try {
      if (Files.size(index) > VolumeIndex.MAX_BYTES) {
        throw new ArchiveException(
            ArchiveException.Reason.VOLUME_MISSING, "The volume index " + index + " is too large");
      }
      return VolumeIndex.parse(Files.readAllBytes(index), index.toString());
    } catch (NoSuchFileException e) {
      throw new ArchiveException(
          ArchiveException.Reason.VOLUME_MISSING,
          "Tried to read the volume index "
              + index
              + " but there is no such file: copy the index file along with the volumes",
          e);
    }
  }

  /**
   * Checks every volume of an index: present, the right size, the right sha256.
   *
   * @return the volume files in order
   * @throws ArchiveException naming every missing or damaged volume
   */
  static List<Path> checkVolumes(Path indexFile, VolumeIndex index) throws IOException {
    List<Path> files = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    for (VolumeIndex.Volume v : index.volumes()) {
      Path f = indexFile.resolveSibling(v.name());
      files.add(f);
      if (!Files.isRegularFile(f)) {
        missing.add(v.name());
        continue;
      }
      long size = Files.size(f);
      if (size != v.size()) {
        damaged.add(v.name() + " (" + size + " bytes, the index says " + v.size() + ")");
        continue;
      }
      Digest d = sha256(f);
      if (!d.equals(v.sha256())) {
        damaged.add(v.name() + " (sha256 " + d + ", the index says " + v.sha256() + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new ArchiveException(
          ArchiveException.Reason.VOLUME_MISSING,
          "Tried to read archive "
              + index.archive()
              + " but volumes are missing next to "
              + indexFile
              + ": "
              + String.join(", ", missing)
              + (damaged.isEmpty() ? "" : "; damaged: " + String.join(", ", damaged))
              + ": copy every volume into one folder");
    }
    if (!damaged.isEmpty()) {
      throw new ArchiveException(
          ArchiveException.Reason.VOLUME_DAMAGED,
          "Tried to read archive "
              + index.archive()
              + " but "
              + (damaged.size() == 1 ? "a volume is" : damaged.size() + " volumes are")
              + " damaged: "
              + String.join(", ", damaged)
              + ": copy "
              + (damaged.size() == 1 ? "it" : "them")
              + " again from the source medium");
    }
    return Collections.unmodifiableList(files);
  }

  private static Digest sha256(Path f) throws IOException {
    try (DigestingInputStream in =
        new DigestingInputStream(Files.newInputStream(f), DigestAlgorithm.SHA256)) {
      return in.drain().digest();
    }
  }
}
