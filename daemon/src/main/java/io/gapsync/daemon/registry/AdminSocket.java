package io.gapsync.daemon.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The file of the admin socket: makes room for it, binds it so that no one but the owner can ever
 * connect, and removes it again.
 *
 * <p>Binding: the socket is bound inside a fresh folder of mode 0700 next to the final path, set to
 * mode 0600, then renamed into place. A Unix socket's file is created with the process umask, so
 * binding at the final path would leave a moment in which others could connect; the private folder
 * closes it. File permissions are the access control: whoever can open the socket file can use the
 * admin API (docs/ARCHITECTURE.md, "CLI while the daemon runs").
 *
 * <p>A file already at the path is removed only if it is a socket that nobody answers on (left by a
 * daemon that was killed); a socket that answers, or anything that is not a socket, is refused.
 */
final class AdminSocket {

  /** File type bits of {@code st_mode}, and the value that means "socket" (POSIX). */
  private static final int S_IFMT = 0170000;

  private static final int S_IFSOCK = 0140000;

  private final Path path;
  private final Object inode;

  private AdminSocket(Path path, Object inode) {
    this.path = path;
    this.inode = inode;
  }

  /** Something that binds a server socket at a path and returns once it listens. */
  interface Binder {
    /** Binds and listens at {@code path}; the caller closes what it bound on failure. */
    void bind(Path path) throws IOException;
  }

  /**
   * Binds the admin socket at {@code path}.
   *
   * @param path where the socket file goes
   * @param binder binds the server channel at a path it is given
   * @return the socket file, to {@link #remove()} at shutdown
   * @throws UncheckedIOException if the path is taken or binding fails (nothing is left behind)
   */
  static AdminSocket bind(Path path, Binder binder) {
    Path parent = path.toAbsolutePath().getParent();
    Path tmpDir = null;
    try {
      Files.createDirectories(parent);
      clearStale(path);
      tmpDir =
          Files.createTempDirectory(
              parent,
              ".gs",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path tmp = tmpDir.resolve("s");
      if (tmp.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          > RegistryConfig.ADMIN_SOCKET_PATH_MAX_BYTES) {
        throw new IOException(
            "the folder "
                + parent
                + " has too long a path for a Unix socket: choose a shorter --admin-socket");
      }
      binder.bind(tmp);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
      return new AdminSocket(path, Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Tried to open the admin socket " + path + " but failed because " + e.getMessage(), e);
    } finally {
      if (tmpDir != null) {
        try {
          Files.deleteIfExists(tmpDir.resolve("s"));
          Files.deleteIfExists(tmpDir);
        } catch (IOException e) {
          // A leftover empty private folder is harmless.
        }
      }
    }
  }

  /** Returns the socket's path. */
  Path path() {
    return path;
  }

  /** Removes the socket file, unless another socket has replaced it since. */
  void remove() {
    try {
      if (inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
        Files.delete(path);
      }
    } catch (IOException e) {
      // Gone already, or not ours to remove.
    }
  }

  /** Removes a stale socket at the path; refuses a live one or a file that is not a socket. */
  private static void clearStale(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new IOException(
          "something that is not a socket is there: move it away or choose another --admin-socket");
    }
    if (answers(path)) {
      throw new IOException(
          "another process answers on it (a daemon already serves this store?): stop it, or"
              + " choose another --admin-socket");
    }
    Files.delete(path);
  }

  /** Returns true if something accepts connections on the socket at {@code path}. */
  static boolean answers(Path path) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return ch.connect(UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      return false;
    }
  }
}
