package io.gapsync.cli.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an OCI image layout directory ({@code oci:DIR[:TAG]}) that skopeo and umoci read. A
 * missing or empty directory becomes a new layout ({@code oci-layout}, {@code blobs/sha256/}); an
 * existing layout is added to. Blobs are staged as {@code blobs/<alg>/<hex>.tmp-<random>},
 * verified, forced to disk and moved into place atomically; a blob already present is success.
 * {@code index.json} is rewritten atomically on {@link #commit}, keeping existing entries except
 * those whose ref name a new root takes over. Concurrent writers to one layout are not supported:
 * the last commit's index wins.
 */
final class OciLayoutSink implements ImageSink {

  private final Path root;
  private final String target;

  /** True if this sink created the directory itself. */
  private final boolean createdDir;

  /** True if this sink created the layout (in a new or empty directory). */
  private final boolean createdLayout;

  private final SecureRandom random = new SecureRandom();
  private final List<SourceImage> added = new ArrayList<>();
  private JsonNode existingIndex;
  private boolean done;
  private boolean committed;

  private OciLayoutSink(Path root, String target, boolean createdDir, boolean createdLayout) {
    this.root = root;
    this.target = target;
    this.createdDir = createdDir;
    this.createdLayout = createdLayout;
  }

  /**
   * Opens a layout for writing, creating it if the directory is missing or empty.
   *
   * @param dir the directory
   * @param target the description for messages, e.g. {@code oci:/tmp/out:v1}
   * @return the sink; the caller commits and closes it
   * @throws TransportException with {@code PATH_INVALID}, {@code LAYOUT_INVALID} or {@code
   *     UNSAFE_ENTRY} if the directory is something else than an OCI layout
   */
  static OciLayoutSink open(Path dir, String target) throws IOException {
    if (Files.isSymbolicLink(dir)) {
      throw unsafe(target, dir + " is a symbolic link");
    }
    boolean created = false;
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir);
      created = true;
    } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw TransportException.failed(
          TransportException.Code.PATH_INVALID,
          "write to " + target,
          dir + " is not a directory",
          "give a directory for an OCI layout (for a tar file, use oci-archive:)");
    }
    boolean empty;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      empty = !entries.iterator().hasNext();
    }
    OciLayoutSink sink = new OciLayoutSink(dir, target, created, created || empty);
    try {
      if (created || empty) {
        Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
        sink.writeAtomically("oci-layout", OciIndex.LAYOUT_MARKER);
      } else {
        DirectoryLayoutFiles files = new DirectoryLayoutFiles(dir, target);
        OciIndex.checkMarker(files, target);
        if (files.size("index.json") >= 0) {
          // Parsed as hostile input like any source; kept as a tree so unknown fields survive.
          byte[] bytes = OciIndex.read(files, target).bytes();
          sink.existingIndex =
              Json.parseTree(bytes, OciIndex.MAX_INDEX_BYTES, "index.json of " + target);
        }
      }
      return sink;
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
  }

  @Override
  public boolean hasBlob(Digest d) throws IOException {
    Path p = blobPath(d);
    if (Files.isSymbolicLink(p)) {
      throw unsafe(target, root.relativize(p) + " is a symbolic link");
    }
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void putBlob(Descriptor d, InputStream content) throws IOException {
    checkOpen();
    Path dest = blobPath(d.digest());
    Files.createDirectories(dest.getParent());
    Path tmp =
        dest.resolveSibling(d.digest().hex() + ".tmp-" + Long.toHexString(random.nextLong()));
    try {
      try (FileChannel ch =
              FileChannel.open(
                  tmp,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS);
          OutputStream out = Channels.newOutputStream(ch)) {
        Streams.copyVerified(content, d, out, "blob " + d.digest() + " written to " + target);
        ch.force(true);
      }
      if (hasBlob(d.digest())) {
        Files.delete(tmp); // Content-addressed: already present is success.
      } else {
        Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  @Override
  public void putManifest(Descriptor d, byte[] bytes) throws IOException {
    putBlob(d, new ByteArrayInputStream(bytes));
  }

  @Override
  public void addRoot(Descriptor root, String refName) throws IOException {
    checkOpen();
    added.add(checkedRoot(root, refName, target, hasBlob(root.digest())));
  }

  @Override
  public void commit() throws IOException {
    checkOpen();
    writeAtomically("index.json", OciIndex.render(existingIndex, added));
    committed = true;
    done = true;
  }

  @Override
  public void close() throws IOException {
    done = true;
    if (!committed && createdLayout) {
      deleteTree(root, createdDir);
    }
  }

  /** Validates a root for {@link #addRoot}; shared with the archive sink. */
  static SourceImage checkedRoot(Descriptor root, String refName, String target, boolean present)
      throws TransportException {
    if (refName != null && !OciIndex.isValidRefName(refName)) {
      throw TransportException.failed(
          TransportException.Code.IMAGE_NOT_FOUND,
          "name an image '" + refName + "' in " + target,
          "it is not a valid OCI ref name",
          "use letters, digits and . _ - : @ + between alphanumerics, e.g. v1.2");
    }
    if (!MediaTypes.isManifest(root.mediaType()) || !present) {
      throw TransportException.failed(
          TransportException.Code.SINK_STATE,
          "list root " + root.digest() + " in " + target,
          present
              ? "its media type " + root.mediaType() + " is not a manifest"
              : "the manifest has not been written to the sink",
          "write the manifest with putManifest first (this is a gapsync bug)");
    }
    return new SourceImage(refName, root);
  }

  private void checkOpen() throws TransportException {
    if (done) {
      throw TransportException.failed(
          TransportException.Code.SINK_STATE,
          "write to " + target,
          "the sink was already committed or closed",
          "open a new sink (this is a gapsync bug)");
    }
  }

  private Path blobPath(Digest d) throws TransportException {
    Path blobs = root.resolve("blobs");
    Path alg = blobs.resolve(d.algorithm().id());
    for (Path p : List.of(root, blobs, alg)) {
      if (Files.isSymbolicLink(p)) {
        throw unsafe(target, p + " is a symbolic link");
      }
    }
    return alg.resolve(d.hex());
  }

  /** Writes a small file via a temporary sibling and an atomic rename. */
  private void writeAtomically(String name, byte[] bytes) throws IOException {
    Path dest = root.resolve(name);
    if (Files.isSymbolicLink(dest)) {
      throw unsafe(target, dest + " is a symbolic link");
    }
    Path tmp = root.resolve(name + ".tmp-" + Long.toHexString(random.nextLong()));
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      // rename(2) replaces an existing file atomically.
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Deletes a layout this sink created, and the directory if it created that; never follows links.
   */
  private static void deleteTree(Path p, boolean self) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
        for (Path e : entries) {
          deleteTree(e, true);
        }
      }
    }
    if (self) {
      Files.deleteIfExists(p);
    }
  }

  private static TransportException unsafe(String target, String because) {
    return TransportException.failed(
        TransportException.Code.UNSAFE_ENTRY,
        "write to " + target,
        because,
        "gapsync does not write through links; give the real directory");
  }
}
