package io.gapsync.daemon.archive;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An import that ran out of space on the file system holding the store. Nothing of the archive was
 * kept (its content is discarded, no tag moved), and the archive itself is not at fault: the import
 * daemon leaves it in the spool and tries again at the next poll, so it applies once space is
 * freed. The message names the file system and its free space.
 */
public final class DiskFullException extends IOException {

  private static final long serialVersionUID = 1L;

  private DiskFullException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Returns true if a failure (or one of its causes) is the operating system's "no space left on
   * device" (ENOSPC), as RocksDB and the JDK report it.
   *
   * @param failure the failure
   * @return true if the disk is full
   */
  public static boolean isDiskFull(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("ENOSPC"))) {
        return true;
      }
      for (Throwable s : t.getSuppressed()) {
        if (s != t && isDiskFull(s)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Describes a disk-full failure of an import.
   *
   * @param archive the archive's name
   * @param store the store folder
   * @param cause the failure
   * @return the exception to throw
   */
  static DiskFullException of(String archive, Path store, Throwable cause) {
    String where;
    try {
      FileStore fs = Files.getFileStore(store);
      where =
          " (the file system "
              + fs
              + " has "
              + fs.getUsableSpace()
              + " of "
              + fs.getTotalSpace()
              + " bytes free)";
    } catch (IOException | RuntimeException e) {
      where = "";
    }
    return new DiskFullException(
        "Tried to import archive "
            + archive
            + " into the store "
            + store
            + " but the disk holding the store is full"
            + where
            + ": nothing of the archive was kept; free space there (or move the store to a larger"
            + " disk) and import it again",
        cause);
  }
}
