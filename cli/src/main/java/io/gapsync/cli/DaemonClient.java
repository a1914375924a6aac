package io.gapsync.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Digest;
import io.gapsync.store.FsckReport;
import io.gapsync.store.GcReport;
import io.gapsync.store.StoreStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The CLI's side of the daemon's admin socket (docs/REGISTRY.md, "The admin socket"): what a
 * command does through the daemon when the daemon holds the store. Admin operations (gc, fsck,
 * stats, metadata and sequence counters) and the registry API calls an import needs.
 *
 * <p>Use from other commands: {@code StoreMixin.daemonFor(e)} gives the client when opening the
 * store failed with {@code LOCKED}; then, e.g., {@link #nextSequence(String)} and {@link
 * #putMeta(String, String)} do what {@code Store.nextSequence} and {@code Store.putMeta} do.
 *
 * <p>Every call is one request on a new connection; thread-safe. Failures are {@link
 * DaemonException}s (a {@link CliException}) whose message is the daemon's own, naming the socket.
 */
final class DaemonClient {

  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path socket;

  /** A client of the admin socket at {@code socket}; nothing is connected yet. */
  DaemonClient(Path socket) {
    this.socket = socket;
  }

  /** Returns the socket's path. */
  Path socket() {
    return socket;
  }

  /** What the daemon refused, with the spec's (or the admin API's) error code. */
  static final class DaemonException extends CliException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    DaemonException(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }

    /** Returns the HTTP status. */
    int status() {
      return status;
    }

    /** Returns the error code, e.g. {@code DIGEST_INVALID}, or null. */
    String code() {
      return code;
    }
  }

  /**
   * Who answers on the socket.
   *
   * @param pid the daemon's process id
   * @param store the store it holds
   * @param siteId the store's site id
   */
  record Info(long pid, String store, String siteId) {}

  /**
   * Returns who answers on the socket.
   *
   * @throws UncheckedIOException if nothing answers (the cause says why: refused, no such file)
   */
  Info info() {
    return json(call("GET", "/admin/v1/info", null), Info.class);
  }

  /** Collects garbage in the daemon's store ({@code Store.gc}). */
  GcReport gc() {
    return json(call("POST", "/admin/v1/gc", null), GcReport.class);
  }

  /** Checks the daemon's store ({@code Store.fsck}). */
  FsckReport fsck() {
    return json(call("POST", "/admin/v1/fsck", null), FsckReport.class);
  }

  /** Counts what the daemon's store holds. */
  StoreStats stats() {
    return json(call("GET", "/admin/v1/stats", null), StoreStats.class);
  }

  /**
   * Advances a persistent counter of the daemon's store and returns its new value ({@code
   * Store.nextSequence}: 1 the first time, synced before it returns).
   *
   * @param name the counter's metadata key, e.g. {@code archive-sequence/depot-1}
   */
  long nextSequence(String name) {
    JsonNode n = tree(call("POST", "/admin/v1/sequences/" + encode(name), null));
    return n.get("value").asLong();
  }

  /** Records a metadata value in the daemon's store ({@code Store.putMeta}, one key). */
  void putMeta(String key, String value) {
    call("PUT", "/admin/v1/meta/" + encode(key), value.getBytes(StandardCharsets.UTF_8));
  }

  /** Removes a metadata key from the daemon's store. */
  void removeMeta(String key) {
    call("DELETE", "/admin/v1/meta/" + encode(key), null);
  }

  /** Reads a metadata value of the daemon's store ({@code Store.meta}). */
  Optional<String> meta(String key) {
    try {
      return Optional.of(
          tree(call("GET", "/admin/v1/meta/" + encode(key), null)).get("value").asText());
    } catch (DaemonException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Removes what a failed import created, unless something else (a tag, a kept manifest, a lease)
   * still reaches it ({@code Store.discard}).
   */
  GcReport discard(Collection<Digest> digests) {
    return json(call("POST", "/admin/v1/discard", lines(digests)), GcReport.class);
  }

  /** Makes a repository's push lease stop pinning the digests. */
  void unpin(String repository, Collection<Digest> digests) {
    call("POST", "/admin/v1/unpin?repository=" + encode(repository), lines(digests));
  }

  /** Releases a repository's push lease now. */
  void release(String repository) {
    call("POST", "/admin/v1/release?repository=" + encode(repository), null);
  }

  private static byte[] lines(Collection<Digest> digests) {
    return digests.stream()
        .map(Digest::toString)
        .collect(Collectors.joining("\n"))
        .getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ registry API

  /**
   * Asks the daemon to mount a blob into a repository (pinning it in that repository's push lease)
   * or, if it does not hold the blob, to open an upload session.
   *
   * @return null if the blob is held (and now pinned), else the session's location
   */
  String mountOrStartUpload(String repository, Digest digest) {
    UnixHttp.Response r =
        exchange(
            "POST",
            "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + repository,
            Map.of(),
            null,
            0);
    if (r.status() == 201) {
      return null;
    }
    check(r, 202);
    String location = r.header("location");
    if (location == null) {
      throw new DaemonException(
          r.status(),
          null,
          "Tried to start an upload through " + socket + " but the daemon gave no Location");
    }
    return location;
  }

  /**
   * Finishes an upload session with the whole blob (streamed, {@code size} bytes): the daemon
   * verifies the digest and size and publishes only if both match.
   *
   * @throws DaemonException DIGEST_INVALID if the content does not hash to {@code digest}
   * @throws IOException if the content is shorter than {@code size} (nothing is published)
   */
  void finishUpload(String location, Digest digest, InputStream content, long size)
      throws IOException {
    String sep = location.contains("?") ? "&" : "?";
    check(
        exchange(
            "PUT",
            location + sep + "digest=" + digest,
            Map.of("Content-Type", "application/octet-stream"),
            content,
            size),
        201);
  }

  /**
   * Streams a blob the daemon's store holds (the caller verifies its digest while it reads, and
   * closes the stream).
   */
  InputStream openBlob(Digest digest) {
    String target = "/v2/gapsync-admin/blobs/" + digest;
    try {
      return UnixHttp.get(socket, target);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Tried to read blob "
              + digest
              + " through the gapsync daemon's admin socket "
              + socket
              + " but failed because "
              + e.getMessage(),
          e);
    }
  }

  /** Returns true if the daemon's store holds the manifest (looked up by digest). */
  boolean hasManifest(String repository, Digest digest) {
    UnixHttp.Response r =
        exchange("HEAD", "/v2/" + repository + "/manifests/" + digest, Map.of(), null, 0);
    if (r.status() == 404) {
      return false;
    }
    check(r, 200);
    return true;
  }

  /** Returns true if the repository has the tag. */
  boolean hasTag(String repository, String tag) {
    UnixHttp.Response r =
        exchange("HEAD", "/v2/" + repository + "/manifests/" + tag, Map.of(), null, 0);
    if (r.status() == 404) {
      return false;
    }
    check(r, 200);
    return true;
  }

  /**
   * Puts a manifest's exact bytes under a digest or a tag (a tag also tags it); the daemon checks
   * that everything it references is held.
   */
  void putManifest(String repository, String reference, byte[] bytes, String mediaType) {
    check(
        exchange(
            "PUT",
            "/v2/" + repository + "/manifests/" + reference,
            Map.of("Content-Type", mediaType),
            new java.io.ByteArrayInputStream(bytes),
            bytes.length),
        201);
  }

  /** Removes a tag. */
  void deleteTag(String repository, String tag) {
    check(exchange("DELETE", "/v2/" + repository + "/manifests/" + tag, Map.of(), null, 0), 202);
  }

  // ------------------------------------------------------------------ plumbing

  private UnixHttp.Response call(String method, String target, byte[] body) {
    UnixHttp.Response r =
        exchange(
            method,
            target,
            Map.of(),
            body == null ? null : new java.io.ByteArrayInputStream(body),
            body == null ? 0 : body.length);
    check(r, r.status() == 204 ? 204 : 200);
    return r;
  }

  private UnixHttp.Response exchange(
      String method, String target, Map<String, String> headers, InputStream body, long length) {
    try {
      return UnixHttp.send(socket, method, target, headers, body, length);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Tried to "
              + method
              + " "
              + target
              + " through the gapsync daemon's admin socket "
              + socket
              + " but failed because "
              + e.getMessage(),
          e);
    }
  }

  private void check(UnixHttp.Response r, int expected) {
    if (r.status() == expected) {
      return;
    }
    String code = null;
    String detail = r.text();
    try {
      JsonNode e = JSON.readTree(r.body()).path("errors").path(0);
      if (!e.isMissingNode()) {
        code = e.path("code").asText(null);
        detail = e.path("detail").asText(e.path("message").asText(detail));
      }
    } catch (IOException notJson) {
      // Keep the raw text.
    }
    throw new DaemonException(
        r.status(),
        code,
        detail.strip() + " (the gapsync daemon at " + socket + " answered " + r.status() + ")");
  }

  private static <T> T json(UnixHttp.Response r, Class<T> type) {
    try {
      return JSON.readValue(r.body(), type);
    } catch (IOException e) {
      throw new UncheckedIOException("the daemon's answer is not the expected JSON", e);
    }
  }

  private static JsonNode tree(UnixHttp.Response r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("the daemon's answer is not JSON", e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("%2F", "/");
  }
}
