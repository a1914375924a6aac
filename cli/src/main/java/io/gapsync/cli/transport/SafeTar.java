package io.gapsync.cli.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A tar archive read in place (random access through commons-compress {@link TarFile}, nothing is
 * extracted), with every entry checked on open: names must be relative, without {@code ..}, and
 * unique (a leading {@code ./} is dropped); only regular files and directories are allowed, plus
 * symbolic links when the caller asks for them ({@code docker-archive} written by skopeo links
 * {@code <id>/layer.tar} to {@code ../<digest>.tar}). Links are never followed on disk: they are
 * resolved to another entry of the same archive, and one that points outside is refused. Truncated
 * archives are refused on open: every entry's data must lie inside the file.
 */
final class SafeTar implements LayoutFiles {

  /** Most entries an archive may have; bounds the in-memory entry table. */
  static final int MAX_ENTRIES = 100_000;

  /** Most links followed to resolve one name. */
  private static final int MAX_LINK_HOPS = 16;

  /** What to do with symbolic link entries. */
  enum Links {
    /** Refuse the archive (OCI archives never need links). */
    REJECT,
    /** Allow links to other entries of the same archive. */
    RESOLVE_INSIDE
  }

  private final TarFile tar;
  private final String source;
  private final Map<String, TarArchiveEntry> files = new HashMap<>();
  private final Map<String, String> links = new HashMap<>();

  private SafeTar(TarFile tar, String source) {
    this.tar = tar;
    this.source = source;
  }

  /**
   * Opens and checks an archive.
   *
   * @param file the tar file
   * @param source the description for messages, e.g. {@code oci-archive:/tmp/x.tar}
   * @param policy whether symbolic link entries are allowed
   * @return the archive; the caller closes it
   * @throws TransportException with {@code PATH_INVALID}, {@code ARCHIVE_INVALID} or {@code
   *     UNSAFE_ENTRY}
   */
  static SafeTar open(Path file, String source, Links policy) throws IOException {
    if (Files.isDirectory(file)) {
      throw TransportException.failed(
          TransportException.Code.PATH_INVALID,
          "read " + source,
          file + " is a directory",
          "give the path of a tar file (for a directory, use the oci: transport)");
    }
    SeekableByteChannel channel;
    try {
      channel = Files.newByteChannel(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw TransportException.failed(
          TransportException.Code.PATH_INVALID,
          "read " + source,
          file + " does not exist",
          "check the path");
    }
    long length = channel.size();
    TarFile tar;
    try {
      tar = new TarFile(channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw corrupt(file, source, e);
    }
    SafeTar safe = new SafeTar(tar, source);
    try {
      safe.index(length, policy);
      return safe;
    } catch (IOException | RuntimeException e) {
      safe.close();
      throw e;
    }
  }

  private void index(long length, Links policy) throws TransportException {
    if (tar.getEntries().isEmpty()) {
      // TarFile reads a file shorter than one header (or of zeros) as an empty archive.
      throw invalid("it holds no tar entries (it is empty or not a tar archive)");
    }
    if (tar.getEntries().size() > MAX_ENTRIES) {
      throw invalid("it has " + tar.getEntries().size() + " entries, over " + MAX_ENTRIES);
    }
    Map<String, Boolean> seen = new HashMap<>();
    for (TarArchiveEntry e : tar.getEntries()) {
      String raw = e.getName();
      String name = normalize(raw);
      boolean dir = e.isDirectory();
      Boolean wasDir = seen.put(name, dir);
      if (wasDir != null && !(dir && wasDir)) {
        throw unsafe(raw, "the archive holds more than one entry named '" + name + "'");
      }
      if (dir) {
        continue;
      }
      if (e.isSymbolicLink()) {
        if (policy == Links.REJECT) {
          throw unsafe(raw, "it is a symbolic link to '" + e.getLinkName() + "'");
        }
        links.put(name, linkTarget(name, e.getLinkName(), raw));
        continue;
      }
      byte flag = e.getLinkFlag();
      boolean regular =
          flag == TarConstants.LF_NORMAL
              || flag == TarConstants.LF_OLDNORM
              || flag == TarConstants.LF_CONTIG;
      if (!regular || e.isSparse()) {
        throw unsafe(raw, "it is a " + kind(e) + ", not a regular file or directory");
      }
      if (e.getDataOffset() < 0 || e.getSize() > length - e.getDataOffset()) {
        throw invalid(
            "entry '"
                + raw
                + "' needs "
                + e.getSize()
                + " bytes but the file ends "
                + "before that (the archive is truncated)");
      }
      files.put(name, e);
    }
  }

  @Override
  public long size(String name) throws IOException {
    TarArchiveEntry e = files.get(resolve(name));
    return e == null ? -1 : e.getSize();
  }

  @Override
  public InputStream open(String name) throws IOException {
    TarArchiveEntry e = files.get(resolve(name));
    if (e == null) {
      throw new NoSuchFileException(name, null, "no such entry in " + source);
    }
    return tar.getInputStream(e);
  }

  /** Returns true if the archive has a regular file (or link to one) of that name. */
  boolean contains(String name) throws TransportException {
    return files.containsKey(resolve(name));
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  /** Follows links within the archive; returns the name of the final (non-link) entry. */
  private String resolve(String name) throws TransportException {
    String current = normalize(name);
    for (int hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      String target = links.get(current);
      if (target == null) {
        return current;
      }
      current = target;
    }
    throw unsafe(name, "it is a chain of more than " + MAX_LINK_HOPS + " symbolic links");
  }

  /**
   * Normalizes an entry name: drops leading {@code ./} and a trailing {@code /}, and refuses
   * absolute names, {@code ..}, {@code .} and empty components.
   */
  private String normalize(String raw) throws TransportException {
    String name = raw;
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    if (name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    if (raw.startsWith("/")) {
      throw unsafe(raw, "it is an absolute path");
    }
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      throw unsafe(raw, "its name is empty or contains NUL");
    }
    for (String part : name.split("/", -1)) {
      if (part.equals("..")) {
        throw unsafe(raw, "it contains a '..' component");
      }
      if (part.isEmpty() || part.equals(".")) {
        throw unsafe(raw, "it contains an empty or '.' component");
      }
    }
    return name;
  }

  /** Resolves a link target relative to the link's directory, refusing escapes. */
  private String linkTarget(String linkName, String target, String raw) throws TransportException {
    if (target == null || target.isEmpty() || target.startsWith("/")) {
      throw unsafe(raw, "it is a symbolic link to the absolute or empty path '" + target + "'");
    }
    Deque<String> parts = new ArrayDeque<>();
    int slash = linkName.lastIndexOf('/');
    if (slash > 0) {
      for (String p : linkName.substring(0, slash).split("/")) {
        parts.addLast(p);
      }
    }
    for (String p : target.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          throw unsafe(raw, "it is a symbolic link to '" + target + "', outside the archive");
        }
        parts.removeLast();
      } else {
        parts.addLast(p);
      }
    }
    if (parts.isEmpty()) {
      throw unsafe(raw, "it is a symbolic link to the archive root");
    }
    return String.join("/", parts);
  }

  private static String kind(TarArchiveEntry e) {
    if (e.isLink()) {
      return "hard link to '" + e.getLinkName() + "'";
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      return "device";
    }
    if (e.isFIFO()) {
      return "FIFO";
    }
    if (e.isSparse()) {
      return "sparse file";
    }
    return "entry of type '" + (char) e.getLinkFlag() + "'";
  }

  private TransportException unsafe(String entry, String because) {
    return TransportException.failed(
        TransportException.Code.UNSAFE_ENTRY,
        "read entry '" + entry + "' from " + source,
        because,
        "gapsync refuses archives that could escape their directory or hide content; "
            + "recreate the archive with skopeo copy");
  }

  private TransportException invalid(String because) {
    return TransportException.failed(
        TransportException.Code.ARCHIVE_INVALID,
        "read " + source,
        because,
        "the archive is corrupt or incomplete; copy it again");
  }

  private static TransportException corrupt(Path file, String source, Exception e) {
    return new TransportException(
        TransportException.Code.ARCHIVE_INVALID,
        "Tried to read "
            + source
            + " but failed because "
            + file
            + " is not a readable tar archive ("
            + e.getMessage()
            + "): the archive is corrupt or truncated; copy it again",
        e);
  }
}
