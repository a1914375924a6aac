package io.gapsync.cli.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The files of an OCI layout directory. Every component on the path to a file (the layout directory
 * itself, {@code blobs/}, {@code blobs/sha256/}, the file) is checked not to be a symbolic link,
 * and the file is opened with {@code O_NOFOLLOW}, so a layout cannot point gapsync at files outside
 * it. (A concurrent attacker who swaps a directory for a link between check and open is out of
 * scope: the layout's owner can change its content anyway.)
 */
final class DirectoryLayoutFiles implements LayoutFiles {

  private final Path root;
  private final String source;

  /**
   * Opens a layout directory.
   *
   * @param root the directory
   * @param source the description for messages, e.g. {@code oci:/tmp/x}
   * @throws TransportException with {@code PATH_INVALID} or {@code UNSAFE_ENTRY}
   */
  DirectoryLayoutFiles(Path root, String source) throws TransportException {
    this.root = root;
    this.source = source;
    if (Files.isSymbolicLink(root)) {
      throw unsafe(root, "the layout directory is a symbolic link");
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw TransportException.failed(
          TransportException.Code.PATH_INVALID,
          "read " + source,
          root
              + (Files.exists(root, LinkOption.NOFOLLOW_LINKS)
                  ? " is not a directory"
                  : " does not exist"),
          "give the directory of an OCI image layout, e.g. oci:/path/to/layout:tag");
    }
  }

  @Override
  public long size(String name) throws IOException {
    Path p = resolve(name);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return -1;
    }
    if (attrs.isSymbolicLink()) {
      throw unsafe(p, name + " is a symbolic link");
    }
    if (!attrs.isRegularFile()) {
      throw unsafe(p, name + " is not a regular file");
    }
    return attrs.size();
  }

  @Override
  public InputStream open(String name) throws IOException {
    Path p = resolve(name);
    try {
      return Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      if (Files.isSymbolicLink(p)) {
        throw unsafe(p, name + " is a symbolic link");
      }
      throw e;
    }
  }

  @Override
  public void close() {
    // Nothing held open: each open() returns its own stream.
  }

  /** Resolves a relative name, refusing links on every directory along the way. */
  private Path resolve(String name) throws TransportException {
    Path p = root;
    String[] parts = name.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw unsafe(root.resolve(name), "'" + name + "' is not a plain relative name");
      }
      p = p.resolve(part);
      if (i < parts.length - 1 && Files.isSymbolicLink(p)) {
        throw unsafe(p, root.relativize(p) + " is a symbolic link");
      }
    }
    return p;
  }

  private TransportException unsafe(Path p, String because) {
    return TransportException.failed(
        TransportException.Code.UNSAFE_ENTRY,
        "read " + p + " from " + source,
        because,
        "gapsync does not follow links in an OCI layout; replace it with the real content");
  }
}
