package io.gapsync.protocol.archive;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An archive's checksum file, {@code NAME.sha256} next to it (docs/FORMAT.md section 4.6): one line
 * per file of the archive in {@code sha256sum} format, {@code <64 hex digits><two spaces><file
 * name>}, so {@code sha256sum -c NAME.sha256} checks a copy on media with standard tools, and the
 * diode sender takes a file's digest from it instead of reading the whole file before its first
 * datagram (it still hashes the file while sending and fails if they differ).
 *
 * <p>Export writes it ({@link VolumeWriter}) before it renames the archive's files into place, so a
 * checksum file is never older than the archive it describes; a reader ignores one that is (the
 * archive was replaced and the checksum file left behind).
 */
public final class ChecksumFile {

  /** Suffix of a checksum file: {@code NAME.sha256}. */
  public static final String SUFFIX = ".sha256";

  /** Largest checksum file read, in bytes (a line is about 110 bytes; volumes number thousands). */
  public static final int MAX_BYTES = 1 << 20;

  /** A line: the digest in lower-case hex, a space, a space or {@code *} (binary), the name. */
  private static final Pattern LINE = Pattern.compile("([0-9a-f]{64}) [ *]([^/\\\\]+)");

  /** A volume's name: {@code NAME.vol001}. */
  private static final Pattern VOLUME = Pattern.compile("(.+)\\.vol[0-9]{3,}");

  private ChecksumFile() {}

  /**
   * Returns the checksum file that lists a file of an archive: {@code NAME.sha256} for {@code
   * NAME}, for its volumes {@code NAME.volNNN} and for its volume index {@code NAME.volumes.json}.
   */
  public static Path forFile(Path file) {
    String name = file.getFileName().toString();
    String archive = name;
    Matcher v = VOLUME.matcher(name);
    if (v.matches()) {
      archive = v.group(1);
    } else if (name.endsWith(VolumeIndex.SUFFIX) && name.length() > VolumeIndex.SUFFIX.length()) {
      archive = name.substring(0, name.length() - VolumeIndex.SUFFIX.length());
    }
    return file.resolveSibling(archive + SUFFIX);
  }

  /**
   * Writes a checksum file: under a hidden {@code .partial} name, synced, renamed into place.
   *
   * @param target the checksum file
   * @param digests file name to sha256, in the order to list them
   * @throws IOException if writing fails (nothing is left at {@code target})
   */
  public static void write(Path target, Map<String, Digest> digests) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Digest> e : digests.entrySet()) {
      b.append(e.getValue().hex()).append("  ").append(e.getKey()).append('\n');
    }
    Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      Files.write(
          partial,
          b.toString().getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE);
      try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /**
   * Reads a checksum file.
   *
   * @return file name to sha256, in file order
   * @throws ProtocolException if it is larger than {@link #MAX_BYTES}, a line is not {@code
   *     sha256sum} format, or a name is listed twice
   * @throws IOException if it cannot be read
   */
  public static Map<String, Digest> read(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw bad(file, "it is larger than " + MAX_BYTES + " bytes");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    Map<String, Digest> out = new LinkedHashMap<>();
    int lineNo = 0;
    for (String raw : text.split("\n", -1)) {
      lineNo++;
      // A file that went through an editor or a system with CRLF line ends reads the same.
      String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
      if (line.isEmpty()) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw bad(
            file,
            "line "
                + lineNo
                + " is not '<64 lower-case hex digits>  <file name>' (sha256sum format)");
      }
      if (out.put(m.group(2), Digest.parse("sha256:" + m.group(1))) != null) {
        throw bad(file, "line " + lineNo + " lists " + m.group(2) + " a second time");
      }
    }
    return out;
  }

  /**
   * Returns the sha256 that the archive's checksum file ({@link #forFile}) gives for a file, if
   * there is one, it lists the file, and it is not older than the file.
   *
   * @throws ProtocolException if the checksum file is malformed ({@link #read})
   * @throws IOException if it cannot be read
   */
  public static Optional<Digest> lookup(Path file) throws IOException {
    Path sums = forFile(file);
    try {
      if (Files.getLastModifiedTime(sums).compareTo(Files.getLastModifiedTime(file)) < 0) {
        return Optional.empty();
      }
      return Optional.ofNullable(read(sums).get(file.getFileName().toString()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static ProtocolException bad(Path file, String why) {
    return new ProtocolException(
        ProtocolException.Code.DIGEST_INVALID,
        "Tried to read the checksum file "
            + file
            + " but "
            + why
            + "; delete it or write it again with sha256sum");
  }
}
