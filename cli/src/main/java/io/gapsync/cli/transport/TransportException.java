package io.gapsync.cli.transport;

import java.io.IOException;

/**
 * A transport could not be read or written: a file is missing, unsafe or malformed, or a reference
 * selects nothing. Carries a stable {@link Code}; the message says what was tried, on which file,
 * why it failed and what to do. Content that fails validation raises {@link
 * io.gapsync.protocol.ProtocolException} instead.
 */
public class TransportException extends IOException {

  private static final long serialVersionUID = 1L;

  /** Stable error codes of the transports. */
  public enum Code {
    /** The path given does not exist or is of the wrong kind (file vs directory). */
    PATH_INVALID,
    /** An OCI layout lacks {@code oci-layout}, has another version, or a bad {@code index.json}. */
    LAYOUT_INVALID,
    /** A tar archive is corrupt or truncated, or its {@code manifest.json} is malformed. */
    ARCHIVE_INVALID,
    /** An entry or file is a link, device, absolute path, {@code ..} path or duplicate. */
    UNSAFE_ENTRY,
    /** A blob or manifest listed by the source is not in it. */
    CONTENT_MISSING,
    /** Content is present but inconsistent, e.g. a layer does not match its diff_id. */
    CONTENT_INVALID,
    /** The reference selects no image, or more than the transport can name. */
    IMAGE_NOT_FOUND,
    /** The transport cannot be used in this direction (e.g. writing docker-archive). */
    UNSUPPORTED,
    /** The sink was used after a failure, commit or close. */
    SINK_STATE
  }

  private final Code code;

  /**
   * Creates an exception.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   */
  public TransportException(Code code, String message) {
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
  public TransportException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * Builds the standard message "Tried to X but failed because Y: Z".
   *
   * @param code the stable code
   * @param triedTo what was tried, naming the source, e.g. "read index.json from oci:/x"
   * @param because why it failed
   * @param todo what the user can do
   * @return the exception
   */
  static TransportException failed(Code code, String triedTo, String because, String todo) {
    return new TransportException(
        code, "Tried to " + triedTo + " but failed because " + because + ": " + todo);
  }

  /** Returns the stable error code. */
  public Code code() {
    return code;
  }
}
