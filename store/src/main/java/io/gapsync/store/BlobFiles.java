package io.gapsync.store;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The blob files of a store: large blobs keep their bytes in plain immutable files under {@code
 * STORE/blobs/} (docs/FORMAT.md, "Blob files"), so the registry can send them with sendfile, as
 * containerd, distribution and zot keep content. RocksDB stays the index and the truth: a blob
 * exists if and only if its record exists; a file without a record is an orphan nobody sees.
 *
 * <pre>
 * blobs/tmp/&lt;content id hex&gt;            an upload being written (streamed, hashed meanwhile)
 * blobs/sha256/&lt;hex[0:2]&gt;/&lt;hex&gt;        a published blob, named by its digest
 * </pre>
 *
 * <p>Publishing (the caller then commits the record): fsync the temporary file, rename it into
 * place, fsync the folder. A crash before the record leaves an orphan, which gc removes and fsck
 * reports. Deleting: the record first, then the file; a reader that opened the file keeps reading
 * it after the unlink (POSIX), so a concurrent gc never cuts a GET short.
 *
 * <p>Thread-safe: every method works on its own paths. Fsyncs only when {@code sync} (the store's
 * {@link StoreOptions#syncWrites()}).
 */
final class BlobFiles {

  /** The folder under the store folder that holds the blob files. */
  static final String FOLDER = "blobs";

  /** The folder under {@link #FOLDER} that holds uploads being written. */
  static final String TEMP_FOLDER = "tmp";

  private final Path root;
  private final Path temp;
  private final boolean sync;

  BlobFiles(Path storeDir, boolean sync) {
    this.root = storeDir.resolve(FOLDER);
    this.temp = root.resolve(TEMP_FOLDER);
    this.sync = sync;
  }

  /** Returns the file of a published blob (it may not exist). */
  Path path(Digest digest) {
    String hex = digest.hex();
    return root.resolve(digest.algorithm().id()).resolve(hex.substring(0, 2)).resolve(hex);
  }

  /** Returns the temporary file of an upload. */
  Path tempPath(byte[] contentId) {
    return tempPath(HexFormat.of().formatHex(contentId));
  }

  /** Returns a temporary file by its name. */
  Path tempPath(String name) {
    return temp.resolve(name);
  }

  /**
   * Creates an upload's temporary file.
   *
   * @return the file, open for writing; the caller closes it
   */
  FileChannel createTemp(byte[] contentId) {
    Path p = tempPath(contentId);
    try {
      Files.createDirectories(temp);
      return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw io("create the temporary blob file " + p, e);
    }
  }

  /**
   * Moves a verified temporary file into place under its digest, durably (if sync): the file was
   * forced by its writer; the rename replaces an orphan of the same digest (same bytes); the folder
   * is forced after the rename.
   */
  void publish(Path tempFile, Digest digest) {
    Path target = path(digest);
    try {
      Path shard = target.getParent();
      if (!Files.isDirectory(shard)) {
        Files.createDirectories(shard);
        force(shard.getParent());
        force(root);
      }
      Files.move(tempFile, target, StandardCopyOption.ATOMIC_MOVE);
      force(shard);
    } catch (IOException e) {
      throw io("move blob " + digest + " into place at " + target, e);
    }
  }

  /** Forces a folder's entries to disk, if sync. */
  private void force(Path folder) throws IOException {
    if (sync) {
      try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
        dir.force(true);
      }
    }
  }

  /**
   * Opens a published blob's file for reading.
   *
   * @return the channel (the caller closes it), or empty if the file does not exist
   */
  Optional<FileChannel> open(Digest digest) {
    try {
      return Optional.of(FileChannel.open(path(digest), StandardOpenOption.READ));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw io("open the file of blob " + digest + " at " + path(digest), e);
    }
  }

  /** Deletes a blob's file; returns false if there was none. */
  boolean delete(Digest digest) {
    try {
      return Files.deleteIfExists(path(digest));
    } catch (IOException e) {
      throw io("delete the file of blob " + digest + " at " + path(digest), e);
    }
  }

  /** Deletes an upload's temporary file if it exists. */
  void deleteTemp(byte[] contentId) {
    try {
      Files.deleteIfExists(tempPath(contentId));
    } catch (IOException e) {
      throw io("delete the temporary blob file " + tempPath(contentId), e);
    }
  }

  /** Returns the content ids (hex) of every temporary file. */
  List<String> temps() {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(temp)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(temp)) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw io("list the temporary blob files in " + temp, e);
    }
    return out;
  }

  /** Deletes a temporary file by its name (a content id in hex, or whatever else lies there). */
  void deleteTemp(String name) {
    Path p = temp.resolve(name);
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw io("delete the temporary blob file " + p, e);
    }
  }

  /**
   * Visits every published blob file with its digest; a file whose name is no digest of its folder
   * is given with a null digest (fsck reports it, gc leaves it).
   */
  void forEach(BiConsumer<Digest, Path> visitor) {
    for (DigestAlgorithm a : DigestAlgorithm.values()) {
      Path algFolder = root.resolve(a.id());
      if (!Files.isDirectory(algFolder)) {
        continue;
      }
      try (DirectoryStream<Path> shards = Files.newDirectoryStream(algFolder)) {
        for (Path shard : shards) {
          if (!Files.isDirectory(shard)) {
            visitor.accept(null, shard);
            continue;
          }
          try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
            for (Path f : files) {
              String name = a.id() + ":" + f.getFileName();
              Digest d = Digest.isValid(name) ? Digest.parse(name) : null;
              visitor.accept(d != null && path(d).equals(f) ? d : null, f);
            }
          }
        }
      } catch (IOException e) {
        throw io("list the blob files in " + algFolder, e);
      }
    }
  }

  /** Creates the folders of a store (read-write opens). */
  void create() {
    try {
      Files.createDirectories(temp);
    } catch (FileAlreadyExistsException e) {
      throw io("create " + temp + " (a file is in the way)", e);
    } catch (IOException e) {
      throw io("create " + temp, e);
    }
  }

  static StoreException io(String what, IOException e) {
    return new StoreException(
        StoreException.Code.IO,
        "Tried to "
            + what
            + " but failed because "
            + e
            + ": check the disk (free space, permissions), then run gapsync fsck",
        e);
  }
}
