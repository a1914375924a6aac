package io.gapsync.daemon.registry;

import io.gapsync.store.BlobUpload;
import java.time.Instant;

/**
 * One blob upload session (distribution spec "Pushing a blob in chunks"): a {@link BlobUpload} the
 * PATCH requests append to, the repository it belongs to, and when it was last used.
 *
 * <p>One request at a time writes to it: {@link #acquire} marks it busy for the length of a request
 * body, so a concurrent PATCH is refused and the expiry sweep (another thread) leaves it alone. All
 * state changes synchronize on the session.
 */
final class UploadSession {

  private final String id;
  private final String repository;
  private final BlobUpload upload;
  private Instant lastUsed;
  private boolean busy;
  private boolean closed;

  UploadSession(String id, String repository, BlobUpload upload, Instant now) {
    this.id = id;
    this.repository = repository;
    this.upload = upload;
    this.lastUsed = now;
  }

  String id() {
    return id;
  }

  String repository() {
    return repository;
  }

  /** The upload; use only between {@link #acquire} and {@link #release}. */
  BlobUpload upload() {
    return upload;
  }

  /** Returns the bytes received so far. */
  synchronized long offset() {
    return upload.size();
  }

  /** Marks the session busy; returns false if it is busy or closed. */
  synchronized boolean acquire(Instant now) {
    if (busy || closed) {
      return false;
    }
    busy = true;
    lastUsed = now;
    return true;
  }

  /** Ends a request's use of the session. */
  synchronized void release(Instant now) {
    busy = false;
    lastUsed = now;
  }

  /** Refreshes the last use (a status request). */
  synchronized void touch(Instant now) {
    lastUsed = now;
  }

  /** Cancels the upload if idle since before {@code deadline}; returns true if it did. */
  synchronized boolean expireIfIdleSince(Instant deadline) {
    if (busy || closed || !lastUsed.isBefore(deadline)) {
      return false;
    }
    close();
    return true;
  }

  /** Cancels the upload (discarding its chunks unless committed). Safe to call more than once. */
  synchronized void close() {
    closed = true;
    upload.close();
  }
}
