package io.gapsync.daemon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Json;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.MediaTypes;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.store.Referrer;
import io.gapsync.store.TagInfo;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;

/**
 * Content discovery: {@code GET /v2/<name>/tags/list} (spec end-8a/8b), {@code GET /v2/_catalog}
 * and {@code GET /v2/<name>/referrers/<digest>} (end-12a/12b).
 *
 * <p>Statuses: 200 (an empty list for a repository whose last tag a DELETE removed, see {@link
 * EmptiedRepositories}); 404 NAME_UNKNOWN for the tags of a repository that never had tags; 400
 * UNSUPPORTED for a malformed {@code n}; 400 DIGEST_INVALID for a malformed referrers subject. A
 * subject with no referrers (or unknown) answers 200 with an empty index, as the spec requires.
 * Referrers are global, like all content: any repository name lists the referrers the store holds
 * for that subject.
 */
final class DiscoveryRoutes {

  private final Services services;

  DiscoveryRoutes(Services services) {
    this.services = services;
  }

  /** Answers the tag listing. */
  void tags(Exchange ex, Route route) {
    List<String> tags = services.store().tags(route.name()).stream().map(TagInfo::tag).toList();
    if (tags.isEmpty() && !EmptiedRepositories.wasEmptied(services.store(), route.name())) {
      throw new RegistryException(
          ErrorCode.NAME_UNKNOWN,
          "Tried to list the tags of " + route.name() + " but failed because it has none");
    }
    String path = "/v2/" + route.name() + "/tags/list";
    Pagination page = Pagination.of(tags, route, path);
    send(
        ex,
        page,
        "{\"name\":"
            + JsonText.quote(route.name())
            + ",\"tags\":"
            + JsonText.array(page.entries())
            + "}");
  }

  /** Answers the catalog. */
  void catalog(Exchange ex, Route route) {
    Pagination page = Pagination.of(services.store().repositories(), route, "/v2/_catalog");
    send(ex, page, "{\"repositories\":" + JsonText.array(page.entries()) + "}");
  }

  /** Answers the referrers listing: an OCI image index of the referrers' descriptors. */
  void referrers(Exchange ex, Route route) {
    Digest subject = References.digest(route.ref(), "list the referrers in " + route.name());
    String filter = route.param("artifactType");
    StringBuilder b =
        new StringBuilder("{\"schemaVersion\":2,\"mediaType\":")
            .append(JsonText.quote(MediaTypes.OCI_INDEX))
            .append(",\"manifests\":[");
    boolean first = true;
    for (Referrer r : services.store().referrers(subject)) {
      if (filter != null && !filter.equals(r.artifactType())) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      appendDescriptor(b, r);
    }
    b.append("]}");
    FullHttpResponse resp = Exchange.response(HttpResponseStatus.OK);
    if (filter != null) {
      resp.headers().set(Headers.OCI_FILTERS_APPLIED, "artifactType");
    }
    ex.sendJson(resp, b.toString(), MediaTypes.OCI_INDEX);
  }

  private void appendDescriptor(StringBuilder b, Referrer r) {
    b.append("{\"mediaType\":")
        .append(JsonText.quote(r.mediaType()))
        .append(",\"digest\":")
        .append(JsonText.quote(r.digest().toString()))
        .append(",\"size\":")
        .append(r.size());
    if (r.artifactType() != null) {
      b.append(",\"artifactType\":").append(JsonText.quote(r.artifactType()));
    }
    Map<String, String> annotations = annotations(r.digest());
    if (!annotations.isEmpty()) {
      b.append(",\"annotations\":{");
      boolean first = true;
      for (var e : annotations.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        b.append(JsonText.quote(e.getKey())).append(':').append(JsonText.quote(e.getValue()));
      }
      b.append('}');
    }
    b.append('}');
  }

  /** Reads a manifest's top-level annotations (the spec copies them into the descriptor). */
  private Map<String, String> annotations(Digest digest) {
    var m = services.store().manifest(digest);
    if (m.isEmpty()) {
      return Map.of();
    }
    try {
      JsonNode root =
          Json.parseTree(m.get().bytes(), ManifestParser.MAX_MANIFEST_BYTES, "referrer " + digest);
      JsonNode a = root.get("annotations");
      if (a == null || !a.isObject()) {
        return Map.of();
      }
      Map<String, String> out = new java.util.TreeMap<>();
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        if (e.getValue().isTextual()) {
          out.put(e.getKey(), e.getValue().textValue());
        }
      }
      return out;
    } catch (ProtocolException e) {
      return Map.of();
    }
  }

  private static void send(Exchange ex, Pagination page, String json) {
    FullHttpResponse r = Exchange.response(HttpResponseStatus.OK);
    if (page.next() != null) {
      r.headers().set("Link", page.next());
    }
    ex.sendJson(r, json, "application/json");
  }
}
