package io.gapsync.daemon.archive;

/**
 * An archive (or an export) refused for a reason the message states in one line: what was tried,
 * what failed and what to do. The store is unchanged when it is thrown. Not final only for {@link
 * MissingContentException}, which the import daemon tells apart (quarantine instead of rejection).
 */
public class ArchiveRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the one-line message
   */
  public ArchiveRefusedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message the one-line message
   * @param cause the cause
   */
  public ArchiveRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
