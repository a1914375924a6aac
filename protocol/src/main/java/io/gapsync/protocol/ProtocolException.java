package io.gapsync.protocol;

/**
 * The base of every error raised by the protocol module: malformed digests, manifests, inventories
 * and the like. Each carries a stable {@link Code} that callers and tests can match on; the message
 * says what was being read and why it was rejected.
 */
public class ProtocolException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Stable error codes of the protocol module. */
  public enum Code {
    /** A digest string or computed digest is not acceptable. */
    DIGEST_INVALID,
    /** Content did not hash to the digest it was announced with. */
    DIGEST_MISMATCH,
    /** Content was longer or shorter than announced. */
    SIZE_MISMATCH,
    /** A JSON document is malformed, too large, too deep, or has duplicate keys. */
    JSON_INVALID,
    /** A manifest is well-formed JSON but not a valid OCI or Docker manifest. */
    MANIFEST_INVALID,
    /** A media type is not one gapsync understands for that place. */
    MEDIA_TYPE_UNSUPPORTED,
    /** A reference (name:tag, name@digest) does not follow the OCI grammar. */
    REFERENCE_INVALID,
    /** An inventory document is malformed or of an unknown version. */
    INVENTORY_INVALID
  }

  private final Code code;

  /**
   * Creates an exception.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   */
  public ProtocolException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * Creates an exception with a cause.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   * @param cause the underlying failure
   */
  public ProtocolException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Returns the stable error code. */
  public Code code() {
    return code;
  }
}
