package io.gapsync.daemon.registry;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The error codes of the OCI distribution spec v1.1 ("Error Codes"), each with the status the
 * registry answers with unless a route documents another (STYLE rule 8).
 */
enum ErrorCode {
  /** A blob is unknown to the registry. */
  BLOB_UNKNOWN(HttpResponseStatus.NOT_FOUND, "blob unknown to registry"),
  /** A blob upload was invalid (an out-of-order or inconsistent chunk). */
  BLOB_UPLOAD_INVALID(HttpResponseStatus.BAD_REQUEST, "blob upload invalid"),
  /** The upload session is unknown (never started, finished, cancelled or expired). */
  BLOB_UPLOAD_UNKNOWN(HttpResponseStatus.NOT_FOUND, "blob upload unknown to registry"),
  /** The digest is malformed or does not match the content. */
  DIGEST_INVALID(HttpResponseStatus.BAD_REQUEST, "provided digest did not match uploaded content"),
  /** A manifest references a blob or manifest the registry does not hold. */
  MANIFEST_BLOB_UNKNOWN(
      HttpResponseStatus.BAD_REQUEST, "manifest references a manifest or blob unknown to registry"),
  /** The manifest is malformed or of an unsupported type. */
  MANIFEST_INVALID(HttpResponseStatus.BAD_REQUEST, "manifest invalid"),
  /** The manifest (tag or digest) is unknown in this repository. */
  MANIFEST_UNKNOWN(HttpResponseStatus.NOT_FOUND, "manifest unknown to registry"),
  /** The repository name does not follow the spec's grammar. */
  NAME_INVALID(HttpResponseStatus.BAD_REQUEST, "invalid repository name"),
  /** The repository has no tags (is unknown). */
  NAME_UNKNOWN(HttpResponseStatus.NOT_FOUND, "repository name not known to registry"),
  /** Content was larger than allowed or did not match its declared length. */
  SIZE_INVALID(HttpResponseStatus.BAD_REQUEST, "provided length did not match content length"),
  /** Authentication is required. */
  UNAUTHORIZED(HttpResponseStatus.UNAUTHORIZED, "authentication required"),
  /** The operation is not allowed. */
  DENIED(HttpResponseStatus.FORBIDDEN, "requested access to the resource is denied"),
  /** The operation is not supported (by this registry, or in read-only mode). */
  UNSUPPORTED(HttpResponseStatus.METHOD_NOT_ALLOWED, "the operation is unsupported"),
  /** A limit was reached; retry later. */
  TOOMANYREQUESTS(HttpResponseStatus.TOO_MANY_REQUESTS, "too many requests");

  private final HttpResponseStatus status;
  private final String summary;

  ErrorCode(HttpResponseStatus status, String summary) {
    this.status = status;
    this.summary = summary;
  }

  /** Returns the status answered by default. */
  HttpResponseStatus status() {
    return status;
  }

  /** Returns the spec's one-line description of the code. */
  String summary() {
    return summary;
  }
}
