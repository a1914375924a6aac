package io.gapsync.daemon.spool;

import io.gapsync.daemon.archive.MissingContentException;
import io.gapsync.protocol.archive.ArchiveException;
import io.gapsync.protocol.trust.TrustException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * The {@code NAME.reason.txt} files of the import daemon's {@code quarantine/} and {@code
 * rejected/} folders: plain text for the operator, saying what was tried, what failed and what to
 * do (docs/OPERATIONS.md, "The import daemon").
 */
final class SpoolReasons {

  private SpoolReasons() {}

  /** The reason of a quarantined archive: every missing digest and the sequence gap. */
  static String quarantined(String tried, MissingContentException e, Instant now) {
    StringBuilder b = new StringBuilder();
    b.append("quarantined at ").append(now).append('\n');
    b.append(tried).append('\n');
    b.append("failed because it assumes this site holds ")
        .append(e.missing().size())
        .append(" digests it lacks (producer ")
        .append(e.producerId())
        .append(", sequence ")
        .append(e.sequence())
        .append("; highest sequence applied here from this producer: ")
        .append(e.highestApplied())
        .append("):\n");
    for (String m : e.missing()) {
      b.append("  ").append(m).append('\n');
    }
    b.append("what to do: nothing, if the earlier archives of producer ")
        .append(e.producerId())
        .append(" are on their way: this archive is retried after every successful import and")
        .append(" applies once they are in. If they were lost, export again on the connected side")
        .append(" against this site's newest inventory (in the outbox).\n");
    return b.toString();
  }

  /** The reason of a rejected archive, with advice by the kind of failure. */
  static String rejected(String tried, RuntimeException e, Instant now) {
    return "rejected at "
        + now
        + "\n"
        + tried
        + "\nfailed because: "
        + e.getMessage()
        + "\nwhat to do: "
        + advice(e)
        + " The store did not change.\n";
  }

  private static String advice(RuntimeException e) {
    if (e instanceof TrustException) {
      return "check that the producer signed the archive with keys listed in the trust file (as"
          + " many as its threshold; after a key rotation the new key must be listed), or that the"
          + " archive was not modified; then move it back into the spool.";
    }
    if (e instanceof ArchiveException a) {
      return switch (a.reason()) {
        case EXPIRED ->
            "ask the connected side for a fresh export (export --expires-in sets a longer"
                + " validity).";
        case ENCODING_UNSUPPORTED ->
            "upgrade gapsync at this site, then move it back into the spool.";
        case STATEMENT_INVALID -> "ask the connected side for a fresh export.";
        default -> "copy the archive again from the source medium into the spool.";
      };
    }
    return "export again on the connected side against this site's newest inventory (in the"
        + " outbox) and copy the new archive into the spool.";
  }

  /**
   * Writes {@code NAME.reason.txt} in a folder atomically (temporary file, then rename), replacing
   * an older one.
   */
  static void write(Path dir, String archiveName, String text) throws IOException {
    Path target = dir.resolve(archiveName + SpoolImporter.REASON_SUFFIX);
    Path tmp = dir.resolve("." + archiveName + SpoolImporter.REASON_SUFFIX + ".partial");
    try {
      Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
