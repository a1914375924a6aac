package io.gapsync.cli.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gapsync.protocol.Descriptor;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.ManifestParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * A client for the OCI distribution API (read side): manifests, tags, referrers and blobs.
 *
 * <p>Authentication follows the registry's {@code WWW-Authenticate} challenge: {@code Basic} sends
 * the login from {@link Credentials}; {@code Bearer} fetches a token from the challenge's realm
 * (with service and scope, and the login as basic auth if there is one, else anonymously), as
 * Docker Hub, GHCR, Quay and distribution's token auth expect. Tokens are cached per host and scope
 * until a 401 asks for a new one.
 *
 * <p>Every request is retried on 429, 5xx and broken connections, up to {@link
 * RegistryOptions#maxAttempts()}, waiting with doubling backoff or the registry's {@code
 * Retry-After} (capped). Blob downloads resume with {@code Range} after a broken connection ({@link
 * ResumingBlobStream}). Manifests are bounded to {@link ManifestParser#MAX_MANIFEST_BYTES} and
 * verified against their digest; blobs are streamed and the caller verifies them while storing.
 *
 * <p>Thread-safe; one client per run. Nothing to close (the JDK client's threads are daemons).
 */
public final class RegistryClient {

  /** The manifest media types gapsync asks for, newest first. */
  static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v2+json");

  /** Largest tag list, token or error document read. */
  static final int MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

  /**
   * How long the {@code --insecure} probe waits for a TLS answer before using plain HTTP (a plain
   * HTTP server may sit silent on a TLS ClientHello).
   */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  /** Redirect statuses followed by hand ({@link #redirect}). */
  private static final java.util.Set<Integer> REDIRECTS = java.util.Set.of(301, 302, 303, 307, 308);

  /** Most redirects followed for one request. */
  static final int MAX_REDIRECTS = 5;

  /** Most pages of a tag list followed. */
  static final int MAX_TAG_PAGES = 1000;

  /**
   * A fetched manifest.
   *
   * @param bytes the exact bytes
   * @param mediaType the media type the registry gave (Content-Type)
   * @param digest the verified digest of the bytes
   */
  public record FetchedManifest(byte[] bytes, String mediaType, Digest digest) {}

  private final RegistryOptions options;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, String> schemes = new ConcurrentHashMap<>();
  private final Map<String, String> authHeaders = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong requests =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong bytesRead =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Creates a client.
   *
   * @param options how to connect
   * @throws RegistryException with {@code CONFIG} if the TLS settings are unusable
   */
  public RegistryClient(RegistryOptions options) throws RegistryException {
    this.options = options;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(30))
            .sslContext(Tls.context(options.caFile(), options.insecure()))
            .build();
  }

  /** Returns the options. */
  public RegistryOptions options() {
    return options;
  }

  /** Returns how many HTTP requests were sent (including retries and token requests). */
  public long requests() {
    return requests.get();
  }

  /** Returns how many blob bytes were read from registries. */
  public long blobBytesRead() {
    return bytesRead.get();
  }

  void countBlobBytes(long n) {
    bytesRead.addAndGet(n);
  }

  /**
   * Fetches a manifest by tag or digest and verifies it: against the digest of the reference if it
   * has one, else against the registry's {@code Docker-Content-Digest} header if sent.
   *
   * @param ref the image (rewrite rules are applied here)
   * @return the manifest
   * @throws RegistryException if it does not exist, is oversized, or does not match its digest
   * @throws IOException if the registry cannot be reached
   */
  public FetchedManifest manifest(RegistryRef ref) throws IOException {
    RegistryRef target = options.rewrite(ref);
    String what = "fetch manifest " + target.manifestReference() + " of " + target;
    HttpResponse<InputStream> r =
        send(target, "GET", "/manifests/" + target.manifestReference(), Map.of("Accept", ACCEPT));
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = in.readNBytes(ManifestParser.MAX_MANIFEST_BYTES + 1);
    }
    if (bytes.length > ManifestParser.MAX_MANIFEST_BYTES) {
      throw RegistryException.failed(
          RegistryException.Code.PROTOCOL,
          what,
          "it is over " + ManifestParser.MAX_MANIFEST_BYTES + " bytes",
          "gapsync refuses oversized manifests; check the reference");
    }
    Digest actual = Digest.sha256Of(bytes);
    Digest expected = target.digest();
    if (expected == null) {
      expected =
          r.headers()
              .firstValue("Docker-Content-Digest")
              .map(RegistryClient::digestOrNull)
              .orElse(null);
    }
    if (expected != null && !expected.equals(actual)) {
      throw RegistryException.failed(
          RegistryException.Code.DIGEST_MISMATCH,
          what,
          "its bytes hash to " + actual + ", not " + expected,
          "the registry or a proxy altered the manifest; nothing was stored");
    }
    String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
    return new FetchedManifest(bytes, type.isEmpty() ? null : type, actual);
  }

  /**
   * Asks for a manifest's digest without downloading it ({@code HEAD}), to tell cheaply whether a
   * tag moved.
   *
   * @param ref the image
   * @return the digest from {@code Docker-Content-Digest}, or empty if the registry sent none
   * @throws RegistryException with {@code NOT_FOUND} if the tag does not exist
   * @throws IOException if the registry cannot be reached
   */
  public Optional<Digest> manifestDigest(RegistryRef ref) throws IOException {
    RegistryRef target = options.rewrite(ref);
    HttpResponse<InputStream> r =
        send(target, "HEAD", "/manifests/" + target.manifestReference(), Map.of("Accept", ACCEPT));
    r.body().close();
    return r.headers().firstValue("Docker-Content-Digest").map(RegistryClient::digestOrNull);
  }

  /**
   * Lists a repository's tags, following {@code Link} pagination.
   *
   * @param ref the repository (tag and digest ignored)
   * @return the tags, in the registry's order
   * @throws IOException if the registry cannot be reached or answers nonsense
   */
  public List<String> tags(RegistryRef ref) throws IOException {
    RegistryRef target = options.rewrite(ref);
    List<String> out = new ArrayList<>();
    String next = "/tags/list";
    for (int page = 0; next != null && page < MAX_TAG_PAGES; page++) {
      HttpResponse<InputStream> r = send(target, "GET", next, Map.of());
      JsonNode doc = readJson(r, "list the tags of " + target);
      for (JsonNode t : doc.path("tags")) {
        out.add(t.asText());
      }
      next = nextPage(r, target);
    }
    return out;
  }

  /**
   * Lists what refers to a manifest: the OCI 1.1 referrers API if the registry has it, else the
   * tags of the tag schema ({@code sha256-HEX}, {@code sha256-HEX.sig}, {@code .att}, {@code .sbom}
   * as cosign writes them).
   *
   * @param ref the repository
   * @param subject the manifest referred to
   * @return the referring manifests: descriptors from the referrers API, or tag references
   * @throws IOException if the registry cannot be reached
   */
  public List<RegistryRef> referrers(RegistryRef ref, Digest subject) throws IOException {
    RegistryRef target = options.rewrite(ref);
    List<RegistryRef> out = new ArrayList<>();
    try {
      HttpResponse<InputStream> r =
          send(
              target,
              "GET",
              "/referrers/" + subject,
              Map.of("Accept", "application/vnd.oci.image.index.v1+json"));
      JsonNode doc = readJson(r, "list the referrers of " + subject + " in " + target);
      for (JsonNode m : doc.path("manifests")) {
        Digest d = digestOrNull(m.path("digest").asText());
        if (d != null) {
          out.add(ref.withDigest(d));
        }
      }
      return out;
    } catch (RegistryException e) {
      if (e.code() != RegistryException.Code.NOT_FOUND) {
        throw e;
      }
    }
    String prefix =
        subject.algorithm().toString().toLowerCase(java.util.Locale.ROOT) + "-" + subject.hex();
    for (String t : tags(ref)) {
      if (t.equals(prefix) || t.startsWith(prefix + ".")) {
        out.add(ref.withTag(t));
      }
    }
    return out;
  }

  /**
   * Opens a blob as a stream that resumes with {@code Range} after a broken connection. The caller
   * verifies digest and size while consuming it, and closes it.
   *
   * @param ref the repository
   * @param d the blob's descriptor
   * @return the stream
   * @throws IOException if the blob does not exist or the registry cannot be reached
   */
  public InputStream openBlob(RegistryRef ref, Descriptor d) throws IOException {
    RegistryRef target = options.rewrite(ref);
    return new ResumingBlobStream(this, target, d);
  }

  /**
   * Sends one blob request from an offset (used by {@link ResumingBlobStream}).
   *
   * @return the response; status 200 (whole blob) or 206 (from {@code offset})
   */
  HttpResponse<InputStream> blobFrom(RegistryRef target, Digest digest, long offset)
      throws IOException {
    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
    return send(target, "GET", "/blobs/" + digest, headers);
  }

  private JsonNode readJson(HttpResponse<InputStream> r, String what) throws IOException {
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
    }
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      throw RegistryException.failed(
          RegistryException.Code.PROTOCOL,
          what,
          "the answer is over " + MAX_DOCUMENT_BYTES + " bytes",
          "check the registry");
    }
    try {
      return json.readTree(bytes);
    } catch (IOException e) {
      throw RegistryException.failed(
          RegistryException.Code.PROTOCOL,
          what,
          "the answer is not JSON (" + e.getMessage() + ")",
          "check the registry URL");
    }
  }

  private static String nextPage(HttpResponse<?> r, RegistryRef target) {
    Optional<String> link = r.headers().firstValue("Link");
    if (link.isEmpty()) {
      return null;
    }
    String l = link.get();
    int lt = l.indexOf('<');
    int gt = l.indexOf('>');
    if (lt < 0 || gt < lt) {
      return null;
    }
    String url = l.substring(lt + 1, gt);
    String marker = "/v2/" + target.path();
    int at = url.indexOf(marker);
    return at < 0 ? null : url.substring(at + marker.length());
  }

  static Digest digestOrNull(String value) {
    return Digest.isValid(value) ? Digest.parse(value) : null;
  }

  // ---------------------------------------------------------------- requests, auth, retries

  /**
   * Sends a request to {@code /v2/PATH + suffix} with auth and retries. Returns only 2xx (206
   * included); the caller closes the body.
   */
  HttpResponse<InputStream> send(
      RegistryRef target, String method, String suffix, Map<String, String> headers)
      throws IOException {
    String host = target.apiHost();
    String what = method + " " + target.host() + "/v2/" + target.path() + suffix;
    IOException last = null;
    Duration wait = options.initialBackoff();
    for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
      Duration retryAfter = null;
      try {
        HttpResponse<InputStream> r = sendAuthorized(target, host, method, suffix, headers);
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
          return r;
        }
        String body = errorBody(r);
        if (status == 429 || status >= 500) {
          retryAfter = retryAfter(r).orElse(null);
          last =
              RegistryException.failed(
                  RegistryException.Code.UNAVAILABLE,
                  what,
                  "the registry answered "
                      + status
                      + body
                      + " on every one of "
                      + options.maxAttempts()
                      + " attempts",
                  "try again later or raise the retry limit");
        } else {
          throw statusError(status, body, what, target);
        }
      } catch (RegistryException e) {
        throw e;
      } catch (IOException e) {
        last =
            new RegistryException(
                RegistryException.Code.UNAVAILABLE,
                "Tried to "
                    + what
                    + " but failed because the connection failed on every one of "
                    + options.maxAttempts()
                    + " attempts (last: "
                    + e
                    + "): check the address, the network and --insecure for plain-HTTP registries",
                e);
      }
      if (attempt < options.maxAttempts()) {
        Duration d = retryAfter != null ? retryAfter : wait;
        if (d.compareTo(options.maxBackoff()) > 0) {
          d = options.maxBackoff();
        }
        sleep(d);
        wait = wait.multipliedBy(2);
        if (wait.compareTo(options.maxBackoff()) > 0) {
          wait = options.maxBackoff();
        }
      }
    }
    throw last;
  }

  private HttpResponse<InputStream> sendAuthorized(
      RegistryRef target, String host, String method, String suffix, Map<String, String> headers)
      throws IOException {
    String scope = "repository:" + target.path() + ":pull";
    String key = host + " " + scope;
    HttpResponse<InputStream> r =
        sendOnce(host, method, "/v2/" + target.path() + suffix, headers, authHeaders.get(key));
    if (r.statusCode() != 401) {
      return r;
    }
    r.body().close();
    Challenge c = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null));
    String auth = authorize(target, c, scope);
    if (auth == null) {
      return r;
    }
    authHeaders.put(key, auth);
    return sendOnce(host, method, "/v2/" + target.path() + suffix, headers, auth);
  }

  /** Returns the Authorization header for a challenge, or null if none can be built. */
  private String authorize(RegistryRef target, Challenge c, String defaultScope)
      throws IOException {
    Optional<Credentials.Login> login = options.credentials().forHost(target.host());
    if (c == null) {
      return null;
    }
    if (c.scheme().equals("basic")) {
      return login.map(RegistryClient::basic).orElse(null);
    }
    if (!c.scheme().equals("bearer") || c.params().get("realm") == null) {
      return null;
    }
    String realm = c.params().get("realm");
    StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
    String service = c.params().get("service");
    if (service != null) {
      url.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8)).append('&');
    }
    String scope = c.params().getOrDefault("scope", defaultScope);
    url.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    String what = "get a bearer token for " + scope + " from " + realm;
    HttpRequest.Builder b;
    try {
      b =
          HttpRequest.newBuilder(URI.create(url.toString()))
              .timeout(options.requestTimeout())
              .GET();
    } catch (IllegalArgumentException e) {
      throw RegistryException.failed(
          RegistryException.Code.PROTOCOL,
          what,
          "the realm is not a URL",
          "check the registry's token configuration");
    }
    login.ifPresent(l -> b.header("Authorization", basic(l)));
    HttpResponse<InputStream> r;
    try {
      requests.incrementAndGet();
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted: " + what);
    }
    if (r.statusCode() != 200) {
      String body = errorBody(r);
      throw RegistryException.failed(
          RegistryException.Code.UNAUTHORIZED,
          what,
          "the token server answered " + r.statusCode() + body,
          login.isPresent()
              ? "check the login for " + target.host() + " in the auth file"
              : "log in (skopeo login --authfile FILE "
                  + target.host()
                  + ") and pass --authfile FILE");
    }
    JsonNode doc = readJson(r, what);
    String token =
        doc.hasNonNull("token") ? doc.get("token").asText() : doc.path("access_token").asText("");
    if (token.isEmpty()) {
      throw RegistryException.failed(
          RegistryException.Code.PROTOCOL,
          what,
          "the answer has no token",
          "check the token server");
    }
    return "Bearer " + token;
  }

  private static String basic(Credentials.Login l) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((l.user() + ":" + l.password()).getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<InputStream> sendOnce(
      String host, String method, String path, Map<String, String> headers, String auth)
      throws IOException {
    String scheme = schemes.get(host);
    if (scheme == null) {
      scheme = "https";
      if (options.insecure()) {
        scheme = probeScheme(host);
      }
      schemes.put(host, scheme);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(scheme + "://" + host + path))
            .timeout(options.requestTimeout())
            .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    if (auth != null) {
      b.header("Authorization", auth);
    }
    HttpRequest request = b.build();
    try {
      for (int hop = 0; ; hop++) {
        requests.incrementAndGet();
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        Optional<String> location = r.headers().firstValue("Location");
        if (!REDIRECTS.contains(r.statusCode()) || location.isEmpty() || hop >= MAX_REDIRECTS) {
          return r;
        }
        r.body().close();
        request = redirect(request, location.get(), headers, auth);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted: " + method + " " + path);
    }
  }

  /**
   * Follows a redirect by hand: registries send blob downloads to a CDN or object store with a
   * signed URL, which must not also get the registry's Authorization header (S3 refuses a request
   * with two auth mechanisms). The header is kept only for the same host.
   */
  private HttpRequest redirect(
      HttpRequest from, String location, Map<String, String> headers, String auth) {
    URI next = from.uri().resolve(location);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(next)
            .timeout(options.requestTimeout())
            .method(from.method(), HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    if (auth != null && java.util.Objects.equals(next.getAuthority(), from.uri().getAuthority())) {
      b.header("Authorization", auth);
    }
    return b.build();
  }

  /** With --insecure: HTTPS if the host speaks TLS at all, else plain HTTP (as skopeo does). */
  private String probeScheme(String host) {
    try {
      requests.incrementAndGet();
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create("https://" + host + "/v2/"))
                  .timeout(PROBE_TIMEOUT)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() > 0 ? "https" : "http";
    } catch (SSLException e) {
      return "http";
    } catch (IOException e) {
      return "http";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "https";
    }
  }

  private RegistryException statusError(int status, String body, String what, RegistryRef target) {
    if (status == 401 || status == 403) {
      boolean hasLogin = options.credentials().forHost(target.host()).isPresent();
      return RegistryException.failed(
          RegistryException.Code.UNAUTHORIZED,
          what,
          "the registry answered " + status + body,
          hasLogin
              ? "the login for " + target.host() + " in the auth file was refused; log in again"
              : "the registry wants a login: pass --authfile with credentials for "
                  + target.host());
    }
    if (status == 404) {
      return RegistryException.failed(
          RegistryException.Code.NOT_FOUND,
          what,
          "the registry answered 404" + body,
          "check the repository, tag or digest");
    }
    return RegistryException.failed(
        RegistryException.Code.PROTOCOL,
        what,
        "the registry answered " + status + body,
        "check the registry");
  }

  /** Reads a short excerpt of an error body (the OCI error JSON), for messages. */
  private static String errorBody(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      byte[] b = in.readNBytes(300);
      String s = new String(b, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
      return s.isEmpty() ? "" : " (" + s + ")";
    } catch (IOException e) {
      return "";
    }
  }

  /** Parses {@code Retry-After}: seconds or an HTTP date. */
  static Optional<Duration> retryAfter(HttpResponse<?> r) {
    Optional<String> v = r.headers().firstValue("Retry-After");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String s = v.get().trim();
    try {
      if (s.matches("[0-9]{1,9}")) {
        return Optional.of(Duration.ofSeconds(Long.parseLong(s)));
      }
      ZonedDateTime at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
