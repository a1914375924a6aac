package io.gapsync.daemon.registry;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the registry refuses: carries the spec's {@link ErrorCode}, the status to answer with
 * and a message that says what was tried and why it failed. Route handlers throw it; the dispatcher
 * turns it into the spec's error JSON. Never escapes the package.
 */
final class RegistryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final transient HttpResponseStatus status;

  /** Creates an exception answered with the code's default status. */
  RegistryException(ErrorCode code, String message) {
    this(code, code.status(), message);
  }

  /** Creates an exception answered with a specific status. */
  RegistryException(ErrorCode code, HttpResponseStatus status, String message) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** Returns the spec's error code. */
  ErrorCode code() {
    return code;
  }

  /** Returns the status to answer with. */
  HttpResponseStatus status() {
    return status;
  }
}
