package io.gapsync.cli.transport;

import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a tar of an OCI image layout ({@code oci-archive:FILE[:TAG]}), streaming each blob
 * straight into the tar (the descriptor gives the entry size up front, so nothing is buffered). The
 * tar is written to {@code FILE.partial} and renamed to {@code FILE} on {@link #commit}; closing
 * without commit deletes the partial file. Entries are {@code oci-layout}, {@code blobs/}, {@code
 * blobs/<alg>/}, the blobs in the order written, and {@code index.json} last, all with mtime 0 and
 * owner 0 so the same content gives the same archive. Names use PAX headers when longer than 100
 * bytes (sha512) and sizes over 8 GiB.
 */
final class OciArchiveSink implements ImageSink {

  private static final int FILE_MODE = 0100644;
  private static final int DIR_MODE = 040755;

  private final Path file;
  private final Path partial;
  private final String target;
  private final FileChannel channel;
  private final TarArchiveOutputStream tar;
  private final Set<Digest> written = new HashSet<>();
  private final Set<String> dirs = new HashSet<>();
  private final List<SourceImage> added = new ArrayList<>();
  private boolean done;
  private boolean committed;

  private OciArchiveSink(Path file, Path partial, String target, FileChannel channel) {
    this.file = file;
    this.partial = partial;
    this.target = target;
    this.channel = channel;
    this.tar = new TarArchiveOutputStream(Channels.newOutputStream(channel));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  /**
   * Starts an archive; a stale {@code FILE.partial} from an interrupted run is overwritten.
   *
   * @param file the archive to create or replace on commit
   * @param target the description for messages, e.g. {@code oci-archive:/tmp/x.tar:v1}
   * @return the sink; the caller commits and closes it
   * @throws TransportException with {@code PATH_INVALID} if the file cannot be written there
   */
  static OciArchiveSink open(Path file, String target) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (Files.isDirectory(file) || parent == null || !Files.isDirectory(parent)) {
      throw TransportException.failed(
          TransportException.Code.PATH_INVALID,
          "write " + target,
          Files.isDirectory(file)
              ? file + " is a directory"
              : "the directory " + parent + " does not exist",
          "give the path of a tar file in an existing directory");
    }
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    FileChannel channel =
        FileChannel.open(
            partial,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    OciArchiveSink sink = new OciArchiveSink(file, partial, target, channel);
    try {
      sink.writeEntry("oci-layout", OciIndex.LAYOUT_MARKER);
      return sink;
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
  }

  @Override
  public boolean hasBlob(Digest d) {
    return written.contains(d);
  }

  @Override
  public void putBlob(Descriptor d, InputStream content) throws IOException {
    checkOpen();
    String what = "blob " + d.digest() + " written to " + target;
    if (written.contains(d.digest())) {
      // A tar must not hold the name twice: verify the content, write nothing.
      Streams.copyVerified(content, d, OutputStream.nullOutputStream(), what);
      return;
    }
    String dir = "blobs/" + d.digest().algorithm().id() + "/";
    mkdirs(dir);
    try {
      tar.putArchiveEntry(entry(dir + d.digest().hex(), d.size(), FILE_MODE));
      Streams.copyVerified(content, d, tar, what);
      tar.closeArchiveEntry();
    } catch (IOException | RuntimeException e) {
      // A mismatch leaves a broken entry in the tar: the sink only accepts close() now.
      done = true;
      throw e;
    }
    written.add(d.digest());
  }

  @Override
  public void putManifest(Descriptor d, byte[] bytes) throws IOException {
    putBlob(d, new ByteArrayInputStream(bytes));
  }

  @Override
  public void addRoot(Descriptor root, String refName) throws IOException {
    checkOpen();
    added.add(OciLayoutSink.checkedRoot(root, refName, target, written.contains(root.digest())));
  }

  @Override
  public void commit() throws IOException {
    checkOpen();
    done = true;
    writeEntry("index.json", OciIndex.render(null, added));
    tar.finish();
    tar.flush();
    channel.force(true);
    tar.close();
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    committed = true;
  }

  @Override
  public void close() throws IOException {
    done = true;
    if (committed) {
      return;
    }
    try {
      channel.close();
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private void checkOpen() throws TransportException {
    if (done) {
      throw TransportException.failed(
          TransportException.Code.SINK_STATE,
          "write to " + target,
          "the sink was committed, closed, or failed earlier",
          "open a new sink (this is a gapsync bug)");
    }
  }

  private void mkdirs(String dir) throws IOException {
    int slash = dir.indexOf('/');
    while (slash > 0) {
      String d = dir.substring(0, slash + 1);
      if (dirs.add(d)) {
        tar.putArchiveEntry(entry(d, 0, DIR_MODE));
        tar.closeArchiveEntry();
      }
      slash = dir.indexOf('/', slash + 1);
    }
  }

  private void writeEntry(String name, byte[] bytes) throws IOException {
    tar.putArchiveEntry(entry(name, bytes.length, FILE_MODE));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, long size, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(size);
    e.setMode(mode);
    e.setModTime(FileTime.fromMillis(0));
    // The constructor takes the user name from the JVM; a reproducible archive names nobody.
    e.setUserName("");
    e.setGroupName("");
    return e;
  }
}
