package io.gapsync.daemon.diode;

import static org.assertj.core.api.Assertions.assertThat;

import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.trust.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the loopback diode tests share: producer keys from a seed, the receiver's events, random
 * files, waiting for a publication, and the sha256 of a file.
 */
final class DiodeTestKit {

  private DiodeTestKit() {}

  /** A signing key that is the same for the same seed. */
  static SigningKey key(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return SigningKey.generate(r);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Collects what the receiver reports. */
  static final class Events implements DiodeReceiver.Listener {
    final BlockingQueue<Path> published = new LinkedBlockingQueue<>();
    final BlockingQueue<DiodeReport> reports = new LinkedBlockingQueue<>();
    final BlockingQueue<String> refusals = new LinkedBlockingQueue<>();

    @Override
    public void published(Path file, Announcement announcement) {
      published.add(file);
    }

    @Override
    public void beyondRepair(DiodeReport report) {
      reports.add(report);
    }

    @Override
    public void rejected(String message) {
      refusals.add(message);
    }

    /** Waits up to 30 s for the next publication; fails naming the refusals and reports. */
    Path awaitPublished() throws InterruptedException {
      Path p = published.poll(30, TimeUnit.SECONDS);
      assertThat(p).as("published; refusals %s reports %s", refusals, reports).isNotNull();
      return p;
    }
  }

  /** Writes {@code size} random bytes (from {@code seed}) to {@code dir/out/name}. */
  static Path file(Path dir, String name, int size, long seed) throws IOException {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    Path f = dir.resolve("out").resolve(name);
    Files.createDirectories(f.getParent());
    return Files.write(f, b);
  }

  /** The sha256 of a file, in hex. */
  static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
