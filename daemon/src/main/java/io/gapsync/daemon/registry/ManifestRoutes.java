package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.Manifest;
import io.gapsync.protocol.ManifestParser;
import io.gapsync.protocol.ProtocolException;
import io.gapsync.protocol.Reference;
import io.gapsync.store.PutResult;
import io.gapsync.store.StoreException;
import io.gapsync.store.TagInfo;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;

/**
 * {@code /v2/<name>/manifests/<reference>}: GET/HEAD (spec end-3), PUT (end-7), DELETE (end-9).
 *
 * <p>Statuses: GET/HEAD 200 with the exact stored bytes, {@code Content-Type} the stored media type
 * and {@code Docker-Content-Digest}; 404 MANIFEST_UNKNOWN (also for a reference outside the tag
 * grammar, which cannot name a stored manifest, and when {@code Accept} lists manifest types but
 * not the stored one, see {@link Accepts}); 400 DIGEST_INVALID. PUT 201 with {@code Location},
 * {@code Docker-Content-Digest} and {@code OCI-Subject} when the manifest has a subject; 400
 * MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN (a referenced blob or child manifest is not held),
 * DIGEST_INVALID (the reference is a digest the bytes do not hash to); 413 SIZE_INVALID over the
 * manifest limit. DELETE 202; 404 MANIFEST_UNKNOWN; 400 MANIFEST_INVALID (bad tag). A DELETE that
 * leaves the repository without tags keeps it found ({@link EmptiedRepositories}).
 *
 * <p>A tag resolves within its repository only. A digest resolves to any manifest the store holds,
 * whatever the repository in the path: the store is one content-addressed space. Deleting by tag
 * removes the tag only. Deleting by digest removes every tag of that repository pointing at it,
 * then the manifest itself unless something else still reaches it (another repository's tag, an
 * index, a kept subject it refers to, a push in progress): then it stays, reachable by digest.
 */
final class ManifestRoutes {

  private final Services services;

  ManifestRoutes(Services services) {
    this.services = services;
  }

  /** Answers GET or HEAD. */
  void get(Exchange ex, Route route) {
    Digest digest = resolve(route);
    Manifest m =
        services
            .store()
            .manifest(digest)
            .orElseThrow(() -> unknown(route, "the registry does not hold " + digest));
    if (!Accepts.accepts(ex.request().headers().getAll(HttpHeaderNames.ACCEPT), m.mediaType())) {
      throw unknown(
          route,
          "it is a "
              + m.mediaType()
              + " (not converted), which the request's Accept header does not list");
    }
    var r = Exchange.response(HttpResponseStatus.OK);
    r.headers().set(Headers.CONTENT_DIGEST, digest.toString());
    r.headers().set(HttpHeaderNames.ETAG, "\"" + digest + "\"");
    ex.send(r, Unpooled.wrappedBuffer(m.bytes()), m.mediaType());
  }

  /**
   * Starts a PUT: returns the sink that buffers the manifest (at most the configured size) and
   * stores it when complete.
   */
  BodySink put(Exchange ex, Route route) {
    String ref = route.ref();
    Digest expected =
        References.isDigest(ref)
            ? References.digest(ref, "put a manifest in " + route.name())
            : null;
    if (expected == null) {
      References.tag(ref, ErrorCode.MANIFEST_INVALID);
    }
    int max = services.config().maxManifestBytes();
    long declared = HttpUtil.getContentLength(ex.request(), -1L);
    if (declared > max) {
      throw tooLarge(route, declared, max);
    }
    return new ManifestSink(
        max, bytes -> store(ex, route, expected, bytes), n -> tooLarge(route, n, max));
  }

  private void store(Exchange ex, Route route, Digest expected, byte[] bytes) {
    String ref = route.ref();
    Digest actual = Digest.sha256Of(bytes);
    if (expected != null && !expected.equals(actual)) {
      throw new RegistryException(
          ErrorCode.DIGEST_INVALID,
          "Tried to put manifest "
              + expected
              + " in "
              + route.name()
              + " but failed because its bytes hash to "
              + actual);
    }
    String contentType = ex.request().headers().get(HttpHeaderNames.CONTENT_TYPE);
    String declared = contentType == null ? null : contentType.split(";", 2)[0].trim();
    Manifest parsed;
    PutResult result;
    try {
      parsed =
          ManifestParser.parse(bytes, declared, "manifest " + actual + " put in " + route.name());
      result =
          services
              .leases()
              .withLease(route.name(), l -> services.store().putManifest(bytes, declared, l));
      if (expected == null) {
        services.store().tag(route.name(), ref, result.digest());
      }
    } catch (ProtocolException e) {
      throw new RegistryException(ErrorCode.MANIFEST_INVALID, e.getMessage());
    } catch (StoreException e) {
      if (e.code() == StoreException.Code.MANIFEST_REFERENCE_UNKNOWN) {
        throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, e.getMessage());
      }
      throw e;
    }
    var r = Exchange.response(HttpResponseStatus.CREATED);
    r.headers()
        .set(HttpHeaderNames.LOCATION, "/v2/" + route.name() + "/manifests/" + result.digest());
    r.headers().set(Headers.CONTENT_DIGEST, result.digest().toString());
    if (parsed.subject() != null) {
      r.headers().set(Headers.OCI_SUBJECT, parsed.subject().digest().toString());
    }
    ex.send(r);
  }

  /** Answers DELETE. */
  void delete(Exchange ex, Route route) {
    String ref = route.ref();
    if (References.isDigest(ref)) {
      Digest digest = References.digest(ref, "delete a manifest of " + route.name());
      if (!services.store().hasManifest(digest)) {
        throw unknown(route, "the registry does not hold it");
      }
      boolean untagged = false;
      for (TagInfo t : services.store().tags(route.name())) {
        if (t.digest().equals(digest)) {
          untagged |= services.store().untag(route.name(), t.tag());
        }
      }
      if (untagged) {
        EmptiedRepositories.rememberIfEmpty(services.store(), route.name());
      }
      // Removes the manifest unless another repository's tag, an index, a kept subject or another
      // push still reaches it (then it stays reachable by digest, as content shared in a global
      // store must).
      services.leases().unpin(route.name(), digest);
      services.store().discard(List.of(digest));
    } else {
      References.tag(ref, ErrorCode.MANIFEST_INVALID);
      if (!services.store().untag(route.name(), ref)) {
        throw unknown(route, "the repository has no such tag");
      }
      EmptiedRepositories.rememberIfEmpty(services.store(), route.name());
    }
    ex.send(Exchange.response(HttpResponseStatus.ACCEPTED));
  }

  private Digest resolve(Route route) {
    String ref = route.ref();
    if (References.isDigest(ref)) {
      return References.digest(ref, "read a manifest of " + route.name());
    }
    if (!References.isTag(ref)) {
      // No manifest can be stored under a reference outside the tag grammar, so it is not found:
      // the spec's only failure for end-3 is 404 ("404 Not Found if the manifest does not exist").
      throw unknown(route, "it is neither a digest nor a tag (" + Reference.TAG_GRAMMAR + ")");
    }
    return services
        .store()
        .resolveTag(route.name(), ref)
        .orElseThrow(() -> unknown(route, "the repository has no such tag"));
  }

  private static RegistryException unknown(Route route, String why) {
    return new RegistryException(
        ErrorCode.MANIFEST_UNKNOWN,
        "Tried to find manifest "
            + route.ref()
            + " of "
            + route.name()
            + " but failed because "
            + why);
  }

  private static RegistryException tooLarge(Route route, long size, int max) {
    return new RegistryException(
        ErrorCode.SIZE_INVALID,
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "Tried to put manifest "
            + route.ref()
            + " in "
            + route.name()
            + " but failed because it is "
            + (size < 0 ? "over " : size + " bytes, over ")
            + "the limit of "
            + max
            + " bytes");
  }
}
