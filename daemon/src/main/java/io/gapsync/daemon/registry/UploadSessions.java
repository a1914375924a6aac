package io.gapsync.daemon.registry;

import io.gapsync.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open upload sessions, by id. Bounded: one more than the limit answers 429 TOOMANYREQUESTS.
 * Sessions untouched for longer than the timeout are cancelled by {@link #expire()}, which the
 * registry runs on a schedule. Thread-safe.
 */
final class UploadSessions {

  private final Store store;
  private final int max;
  private final Duration timeout;
  private final Clock clock;
  private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();

  UploadSessions(Store store, int max, Duration timeout, Clock clock) {
    this.store = store;
    this.max = max;
    this.timeout = timeout;
    this.clock = clock;
  }

  /**
   * Starts a session for a repository.
   *
   * @throws RegistryException TOOMANYREQUESTS when the limit is reached
   */
  UploadSession start(String repository) {
    // The check and the insert are not atomic; the limit may be overshot by concurrent starts on
    // other event loops, by at most the number of loops. It bounds resources, not exactly.
    if (sessions.size() >= max) {
      throw new RegistryException(
          ErrorCode.TOOMANYREQUESTS,
          "Tried to start a blob upload in "
              + repository
              + " but failed because "
              + max
              + " upload sessions are open (the limit): finish or cancel one, or retry later");
    }
    String id = UUID.randomUUID().toString();
    UploadSession s = new UploadSession(id, repository, store.beginUpload(), clock.instant());
    sessions.put(id, s);
    return s;
  }

  /**
   * Finds a session of a repository.
   *
   * @throws RegistryException BLOB_UPLOAD_UNKNOWN if there is none with that id in that repository
   */
  UploadSession get(String repository, String id) {
    UploadSession s = sessions.get(id);
    if (s == null || !s.repository().equals(repository)) {
      throw new RegistryException(
          ErrorCode.BLOB_UPLOAD_UNKNOWN,
          "Tried to use upload session "
              + id
              + " of "
              + repository
              + " but failed because it "
              + "does not exist: it finished, was cancelled or expired; start a new upload");
    }
    return s;
  }

  /** Ends a session, cancelling its upload if it was not committed. */
  void remove(UploadSession s) {
    sessions.remove(s.id(), s);
    s.close();
  }

  /** Returns the number of open sessions. */
  int size() {
    return sessions.size();
  }

  /** Cancels the sessions idle for longer than the timeout; returns how many. */
  int expire() {
    Instant deadline = clock.instant().minus(timeout);
    int n = 0;
    for (UploadSession s : sessions.values()) {
      if (s.expireIfIdleSince(deadline)) {
        sessions.remove(s.id(), s);
        n++;
      }
    }
    return n;
  }

  /** Cancels every session. */
  void closeAll() {
    sessions.values().forEach(UploadSession::close);
    sessions.clear();
  }
}
