package io.gapsync.daemon.diode;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.DigestingInputStream;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.archive.ChecksumFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sha256 and size of the files a {@link DiodeSender} is about to send, computed on a thread of
 * their own from the moment {@link #start} is called: a one-shot {@code diode send} starts it first
 * thing, so hashing overlaps reading the key and opening the socket (measured: about 0.6 s of JVM
 * work, as long as hashing 1 GB) instead of following them.
 *
 * <p>A file listed in its archive's checksum file ({@code NAME.sha256}, which export writes; {@link
 * ChecksumFile}) that is not older than the file is not read here at all: its digest is taken from
 * there. Reading 1 GB for its sha256 before the first datagram costs about 1.2 s on a cold JVM, and
 * the receiver verifies every object against the announced digest anyway, so a wrong checksum file
 * costs that transfer (the receiver reports the mismatch) but never publishes wrong content. A
 * checksum file that cannot be parsed is logged and the file hashed, as if there were none.
 */
public final class FileHashes {

  /** A file's digest and size. */
  public record Hashed(Digest digest, long size) {}

  private static final Logger LOG = LoggerFactory.getLogger(FileHashes.class);

  private final Map<Path, CompletableFuture<Hashed>> hashes = new HashMap<>();

  private FileHashes() {}

  /** Starts hashing the files, in order, on one daemon thread. */
  public static FileHashes start(List<Path> files) {
    FileHashes h = new FileHashes();
    for (Path f : files) {
      h.hashes.put(f, new CompletableFuture<>());
    }
    Thread t =
        new Thread(
            () -> {
              for (Path f : files) {
                CompletableFuture<Hashed> future = h.hashes.get(f);
                try {
                  future.complete(of(f));
                } catch (IOException | RuntimeException e) {
                  future.completeExceptionally(e);
                }
              }
            },
            "gapsync-diode-hash");
    t.setDaemon(true);
    t.start();
    return h;
  }

  /**
   * Returns a file's hash, waiting for it, or computing it here if {@link #start} was not given the
   * file.
   *
   * @throws IOException if the file could not be read
   */
  public Hashed get(Path file) throws IOException {
    CompletableFuture<Hashed> future = hashes.get(file);
    if (future == null) {
      return of(file);
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing " + file);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException("Could not hash " + file + ": " + e.getCause(), e.getCause());
    }
  }

  /**
   * Returns a file's digest from its checksum file if that lists it, else hashes it here and now.
   *
   * @throws IOException if the file could not be read
   */
  public static Hashed of(Path file) throws IOException {
    Optional<Digest> listed = Optional.empty();
    try {
      listed = ChecksumFile.lookup(file);
    } catch (ProtocolException e) {
      LOG.warn("{}; hashing {} instead", e.getMessage(), file);
    } catch (IOException e) {
      // The checksum file only saves time: one that cannot be read costs the hashing, no more.
      LOG.warn(
          "Tried to read the checksum file {} but failed because: {}; hashing {} instead",
          ChecksumFile.forFile(file),
          e.toString(),
          file);
    }
    return listed.isPresent() ? new Hashed(listed.get(), Files.size(file)) : hash(file);
  }

  /** Hashes a file here and now. */
  static Hashed hash(Path file) throws IOException {
    try (DigestingInputStream in =
        new DigestingInputStream(Files.newInputStream(file), DigestAlgorithm.SHA256)) {
      in.drain();
      return new Hashed(in.digest(), in.count());
    }
  }
}
