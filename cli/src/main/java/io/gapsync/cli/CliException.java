package io.gapsync.cli;

/**
 * A failure the CLI reports as one line and exit code 1: the message says what was tried, what
 * failed and what to do. (Refused archives are {@code
 * io.gapsync.daemon.archive.ArchiveRefusedException}s, printed the same way.) Not final only for
 * {@code DaemonClient}'s failures, which callers tell apart from local ones.
 */
class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
