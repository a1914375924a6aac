package io.gapsync.protocol.archive;

import io.gapsync.protocol.ProtocolException;

/**
 * An archive was rejected: not an archive, an unknown version, a malformed statement, an expired
 * archive, a corrupt or truncated entry, a damaged or missing volume. Carries a stable {@link
 * Reason}; the message names the archive, and the entry or volume when there is one.
 */
public final class ArchiveException extends ProtocolException {

  private static final long serialVersionUID = 1L;

  /** Stable reasons. */
  public enum Reason {
    /** Not an archive (bad magic), or a format version this gapsync does not read. */
    FORMAT,
    /** The statement or the signature list is malformed or inconsistent. */
    STATEMENT_INVALID,
    /** The statement uses an entry encoding this gapsync does not understand. */
    ENCODING_UNSUPPORTED,
    /** The archive's expiry time has passed. */
    EXPIRED,
    /** An entry's stored bytes or decoded content do not match the statement. */
    ENTRY_CORRUPT,
    /** The archive ends early, or has bytes after its trailer. */
    TRUNCATED,
    /** A volume's size or sha256 does not match the volume index. */
    VOLUME_DAMAGED,
    /** A volume the index lists is not there, or the index is missing or malformed. */
    VOLUME_MISSING
  }

  private final Reason reason;

  /**
   * Creates an exception.
   *
   * @param reason the stable reason
   * @param message what was tried and why it failed
   */
  public ArchiveException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param reason the stable reason
   * @param message what was tried and why it failed
   * @param cause the underlying failure, or null
   */
  public ArchiveException(Reason reason, String message, Throwable cause) {
    super(codeOf(reason), message, cause);
    this.reason = reason;
  }

  /** ProtocolException has no archive codes yet: the closest existing code. */
  private static Code codeOf(Reason reason) {
    return switch (reason) {
      case ENTRY_CORRUPT, VOLUME_DAMAGED -> Code.DIGEST_MISMATCH;
      case TRUNCATED -> Code.SIZE_MISMATCH;
      case ENCODING_UNSUPPORTED -> Code.MEDIA_TYPE_UNSUPPORTED;
      default -> Code.JSON_INVALID;
    };
  }

  /** Returns the stable reason. */
  public Reason reason() {
    return reason;
  }
}
