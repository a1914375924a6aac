package io.gapsync.protocol.trust;

import io.gapsync.protocol.ProtocolException;

/**
 * A key, key file, trust file or signature was rejected. Carries a stable {@link Reason}; the
 * message says what was tried and why it failed. A {@link ProtocolException}, so callers that
 * handle the module's base exception handle this one too.
 */
public final class TrustException extends ProtocolException {

  private static final long serialVersionUID = 1L;

  /** Stable reasons. */
  public enum Reason {
    /** A key is malformed (wrong length, bad encoding, key id that does not match the key). */
    KEY_INVALID,
    /** A key file or trust file is malformed, of an unknown version, or unsafe (permissions). */
    FILE_INVALID,
    /** A signature list is malformed. */
    SIGNATURE_INVALID,
    /** Fewer distinct trusted keys than the threshold produced a valid signature. */
    THRESHOLD_NOT_MET
  }

  private final Reason reason;

  /**
   * Creates an exception.
   *
   * @param reason the stable reason
   * @param message what was tried and why it failed
   */
  public TrustException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param reason the stable reason
   * @param message what was tried and why it failed
   * @param cause the underlying failure, or null
   */
  public TrustException(Reason reason, String message, Throwable cause) {
    // ProtocolException has no signature code yet: JSON_INVALID is the closest for files,
    // DIGEST_MISMATCH ("content is not what it claims") for signatures.
    super(
        reason == Reason.THRESHOLD_NOT_MET || reason == Reason.SIGNATURE_INVALID
            ? Code.DIGEST_MISMATCH
            : Code.JSON_INVALID,
        message,
        cause);
    this.reason = reason;
  }

  /** Returns the stable reason. */
  public Reason reason() {
    return reason;
  }
}
