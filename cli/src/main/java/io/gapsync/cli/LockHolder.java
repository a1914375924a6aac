package io.gapsync.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which process holds a store's RocksDB lock: the POSIX lock on {@code DIR/LOCK} as Linux lists it
 * in {@code /proc/locks} ({@code N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END}), matched by
 * the lock file's inode. For error messages only: empty when it cannot tell.
 */
final class LockHolder {

  private LockHolder() {}

  /**
   * Describes the process holding the store's lock, e.g. {@code process 4242 (java ... serve)}.
   *
   * @param storeDir the store folder
   * @return the description, or empty if no holder is found (or not on Linux)
   */
  static Optional<String> describe(Path storeDir) {
    try {
      Path lock = storeDir.resolve("LOCK");
      long inode = ((Number) Files.getAttribute(lock, "unix:ino")).longValue();
      List<String> locks = Files.readAllLines(Path.of("/proc/locks"), StandardCharsets.US_ASCII);
      for (String line : locks) {
        String[] f = line.trim().split("\\s+");
        // "1:" "POSIX" "ADVISORY" "WRITE" "PID" "MAJ:MIN:INODE" ...; "->" marks a waiter.
        if (f.length >= 6 && !f[1].equals("->") && f[5].endsWith(":" + inode)) {
          long pid = Long.parseLong(f[4]);
          return Optional.of("process " + pid + command(pid));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, no lock file, or an unexpected format: say nothing rather than guess.
    }
    return Optional.empty();
  }

  private static String command(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(p -> p.info().commandLine())
        .map(c -> " (" + (c.length() > 120 ? c.substring(0, 117) + "..." : c) + ")")
        .orElse("");
  }
}
