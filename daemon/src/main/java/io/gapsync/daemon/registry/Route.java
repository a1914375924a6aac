package io.gapsync.daemon.registry;

import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.Reference;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request path of the distribution spec, parsed: which endpoint, the repository name, the
 * reference or upload id, and the query parameters (first value of each).
 *
 * <p>The name is validated against the spec's grammar at parse time ({@code NAME_INVALID}); the
 * reference is validated by the route that interprets it (a tag or a digest).
 *
 * @param kind the endpoint
 * @param name the repository name, or null for the ping and the catalog
 * @param ref the tag, digest or upload id, or null
 * @param query the query parameters, first value of each
 */
record Route(Kind kind, String name, String ref, Map<String, String> query) {

  /** The endpoints of the spec ("Endpoints" table), plus NOT_FOUND for anything else. */
  enum Kind {
    /** {@code /v2/} (end-1). */
    PING,
    /** {@code /v2/_catalog}. */
    CATALOG,
    /** {@code /v2/<name>/manifests/<reference>} (end-3, end-7, end-9). */
    MANIFEST,
    /** {@code /v2/<name>/blobs/<digest>} (end-2, end-10). */
    BLOB,
    /** {@code /v2/<name>/blobs/uploads/} (end-4a, end-4b, end-11). */
    UPLOADS,
    /** {@code /v2/<name>/blobs/uploads/<id>} (end-5, end-6, end-13). */
    UPLOAD,
    /** {@code /v2/<name>/tags/list} (end-8a, end-8b). */
    TAGS,
    /** {@code /v2/<name>/referrers/<digest>} (end-12a, end-12b). */
    REFERRERS,
    /** Anything else: 404. */
    NOT_FOUND
  }

  // The name is greedy and the endpoint suffix anchored, so a name component may be "blobs".
  private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
  private static final Pattern UPLOADS = Pattern.compile("/v2/(.+)/blobs/uploads/?");
  private static final Pattern UPLOAD = Pattern.compile("/v2/(.+)/blobs/uploads/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/([^/]+)");
  private static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
  private static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([^/]+)");

  /** Returns the query parameter, or null. */
  String param(String key) {
    return query.get(key);
  }

  /**
   * Parses a request URI.
   *
   * @param uri the request target, path and query
   * @return the route; {@link Kind#NOT_FOUND} if no endpoint matches
   * @throws RegistryException NAME_INVALID if an endpoint matches but the name breaks the grammar
   */
  static Route parse(String uri) {
    QueryStringDecoder d = new QueryStringDecoder(uri);
    Map<String, String> q = firstValues(d.parameters());
    String path = d.path();
    if (path.equals("/v2/") || path.equals("/v2")) {
      return new Route(Kind.PING, null, null, q);
    }
    if (path.equals("/v2/_catalog")) {
      return new Route(Kind.CATALOG, null, null, q);
    }
    Matcher m;
    if ((m = MANIFEST.matcher(path)).matches()) {
      return named(Kind.MANIFEST, m.group(1), m.group(2), q);
    }
    if ((m = UPLOADS.matcher(path)).matches()) {
      return named(Kind.UPLOADS, m.group(1), null, q);
    }
    if ((m = UPLOAD.matcher(path)).matches()) {
      return named(Kind.UPLOAD, m.group(1), m.group(2), q);
    }
    if ((m = BLOB.matcher(path)).matches()) {
      return named(Kind.BLOB, m.group(1), m.group(2), q);
    }
    if ((m = TAGS.matcher(path)).matches()) {
      return named(Kind.TAGS, m.group(1), null, q);
    }
    if ((m = REFERRERS.matcher(path)).matches()) {
      return named(Kind.REFERRERS, m.group(1), m.group(2), q);
    }
    return new Route(Kind.NOT_FOUND, null, null, q);
  }

  private static Route named(Kind kind, String name, String ref, Map<String, String> q) {
    try {
      Reference.parseRepository(name);
    } catch (ProtocolException e) {
      throw new RegistryException(ErrorCode.NAME_INVALID, e.getMessage());
    }
    return new Route(kind, name, ref, q);
  }

  private static Map<String, String> firstValues(Map<String, List<String>> params) {
    Map<String, String> out = new java.util.HashMap<>();
    params.forEach((k, v) -> out.put(k, v.isEmpty() ? "" : v.get(0)));
    return Map.copyOf(out);
  }
}
