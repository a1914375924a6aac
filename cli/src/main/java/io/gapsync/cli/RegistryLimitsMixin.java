package io.gapsync.cli;

import io.gapsync.daemon.registry.RegistryConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The registry's limits and timeouts as {@code gapsync serve} options. Every option is optional; an
 * absent one keeps the {@link RegistryConfig} default named in its help (docs/REGISTRY.md, "Limits
 * and configuration"). Durations read like {@code 30s}, {@code 15m} or {@code PT0.5S}.
 */
final class RegistryLimitsMixin {

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      description = "Close a connection with no bytes read or written for this long (default 60s).")
  String idleTimeout;

  @Option(
      names = "--header-timeout",
      paramLabel = "DURATION",
      description =
          "Answer 408 and close when a request's headers are not complete this long after its"
              + " first byte (default 30s).")
  String headerTimeout;

  @Option(
      names = "--request-timeout",
      paramLabel = "DURATION",
      description =
          "Answer 408 and close when a request's body is not complete this long after its first"
              + " byte; the upload is not published (default 30m).")
  String requestTimeout;

  @Option(
      names = "--max-upload-sessions",
      paramLabel = "N",
      description = "Open blob upload sessions at most; one more answers 429 (default 256).")
  Integer maxUploadSessions;

  @Option(
      names = "--upload-session-timeout",
      paramLabel = "DURATION",
      description = "Cancel an upload session untouched for this long (default 15m).")
  String uploadSessionTimeout;

  @Option(
      names = "--max-header-bytes",
      paramLabel = "BYTES",
      description = "Largest request header block; larger answers 431 (default 16384).")
  Integer maxHeaderBytes;

  /**
   * Returns {@code base} with the options given applied.
   *
   * @throws CliException when a duration is malformed or a number is not positive
   */
  RegistryConfig apply(RegistryConfig base) {
    RegistryConfig c =
        base.withTimeouts(
            duration(idleTimeout, base.idleTimeout()),
            duration(headerTimeout, base.headerTimeout()),
            duration(requestTimeout, base.requestTimeout()));
    Duration sessionTimeout = duration(uploadSessionTimeout, c.uploadSessionTimeout());
    // A short session timeout is only honoured if the sweep runs at least as often.
    Duration sweep = sessionTimeout.dividedBy(4);
    sweep = sweep.compareTo(c.sweepInterval()) < 0 ? sweep : c.sweepInterval();
    c =
        c.withUploadSessions(
            positive("--max-upload-sessions", maxUploadSessions, c.maxUploadSessions()),
            sessionTimeout,
            sweep.isZero() ? Duration.ofMillis(1) : sweep);
    return c.withHeaderBytesAndThreads(
        positive("--max-header-bytes", maxHeaderBytes, c.maxHeaderBytes()), c.ioThreads());
  }

  private static Duration duration(String value, Duration fallback) {
    return value == null ? fallback : ArchiveOptions.parseDuration(value);
  }

  private static int positive(String option, Integer value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value <= 0) {
      throw new CliException(
          "Tried to read " + option + " " + value + " but it must be a positive number");
    }
    return value;
  }
}
