package io.gapsync.cli.registry;

import java.io.IOException;

/**
 * A registry could not be read: it refused the credentials, does not hold what was asked for,
 * answered with an error after every retry, or sent content that does not match its digest. The
 * message says what was tried, at which URL, what the registry answered and what to do.
 */
public final class RegistryException extends IOException {

  private static final long serialVersionUID = 1L;

  /** Stable error codes of the registry client. */
  public enum Code {
    /** The registry answered 401/403 with the credentials gapsync has (or none). */
    UNAUTHORIZED,
    /** The repository, tag, manifest or blob does not exist (404). */
    NOT_FOUND,
    /** The registry kept failing (429, 5xx or a broken connection) after every retry. */
    UNAVAILABLE,
    /** The registry answered something gapsync cannot use (bad status, header or document). */
    PROTOCOL,
    /** Content did not match the digest or size it was asked for. */
    DIGEST_MISMATCH,
    /** The configuration (auth file, CA file, reference) is unusable. */
    CONFIG
  }

  private final Code code;

  /**
   * Creates an exception.
   *
   * @param code the stable code
   * @param message what was tried and why it failed
   * @param cause the underlying failure, or null
   */
  public RegistryException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * Builds the standard message "Tried to X but failed because Y: Z".
   *
   * @param code the stable code
   * @param triedTo what was tried, naming the URL or reference
   * @param because why it failed
   * @param todo what the user can do
   * @return the exception
   */
  static RegistryException failed(Code code, String triedTo, String because, String todo) {
    return new RegistryException(
        code, "Tried to " + triedTo + " but failed because " + because + ": " + todo, null);
  }

  /** Returns the stable error code. */
  public Code code() {
    return code;
  }
}
