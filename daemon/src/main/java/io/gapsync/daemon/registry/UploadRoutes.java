package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.store.BlobUpload;
import io.gapsync.store.PutResult;
import io.gapsync.store.StoreException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Blob pushes: {@code POST /v2/<name>/blobs/uploads/} (spec end-4a, end-4b, end-11) and {@code
 * GET/PATCH/PUT/DELETE /v2/<name>/blobs/uploads/<id>} (end-5, end-6, end-13).
 *
 * <p>Statuses: POST 202 with {@code Location} and {@code Docker-Upload-UUID} (a session), 201
 * (monolithic {@code ?digest=}, or {@code ?mount=} of a held blob), 429 TOOMANYREQUESTS at the
 * session limit. PATCH 202 with {@code Range: 0-<last>}; 416 BLOB_UPLOAD_INVALID when the chunk's
 * {@code Content-Range} does not start at the session's offset or its length disagrees; 400
 * BLOB_UPLOAD_INVALID when another request is writing to the session. PUT 201 with {@code Location}
 * and {@code Docker-Content-Digest}; 400 DIGEST_INVALID (missing, malformed or not what the content
 * hashes to; the session ends). GET 204 with {@code Range}. DELETE 204. 404 BLOB_UPLOAD_UNKNOWN for
 * a session that does not exist in this repository.
 *
 * <p>Bodies stream into a {@code BlobUpload} as they arrive (never aggregated), hashed in the same
 * pass; committed content is pinned in the repository's push lease.
 */
final class UploadRoutes {

  private final Services services;

  UploadRoutes(Services services) {
    this.services = services;
  }

  /** Answers POST: mount, monolithic upload, or a new session. */
  BodySink start(Exchange ex, Route route) {
    String name = route.name();
    String mount = route.param("mount");
    if (mount != null) {
      Digest d = References.digest(mount, "mount a blob into " + name);
      if (services.store().hasBlob(d)) {
        services.leases().pin(name, d);
        ex.send(created(name, d));
        return BodySink.DISCARD;
      }
      // Not held: the spec says to fall back to a session (end-11).
    }
    String digest = route.param("digest");
    if (digest != null) {
      Digest d = References.digest(digest, "push a blob into " + name);
      BlobUpload up = services.store().beginUpload();
      return new UploadSink(
          up,
          null,
          e -> {
            try {
              PutResult r = commit(name, up, d);
              e.send(created(name, r.digest()));
            } finally {
              up.close();
            }
          },
          up::close);
    }
    UploadSession s = services.sessions().start(name);
    FullHttpResponse r = sessionResponse(HttpResponseStatus.ACCEPTED, s);
    ex.send(r);
    return BodySink.DISCARD;
  }

  /** Answers GET: the session's progress. */
  void status(Exchange ex, Route route) {
    UploadSession s = services.sessions().get(route.name(), route.ref());
    s.touch(services.clock().instant());
    ex.send(sessionResponse(HttpResponseStatus.NO_CONTENT, s));
  }

  /** Starts a PATCH: the sink appends the chunk to the session. */
  BodySink patch(Exchange ex, Route route) {
    UploadSession s = acquire(route);
    ByteRange range;
    try {
      range = checkRange(ex, s);
    } catch (RuntimeException e) {
      s.release(services.clock().instant());
      throw e;
    }
    long start = s.offset();
    return new UploadSink(
        s.upload(),
        null,
        e -> {
          s.release(services.clock().instant());
          if (range != null && s.offset() - start != range.length()) {
            services.sessions().remove(s);
            throw new RegistryException(
                ErrorCode.BLOB_UPLOAD_INVALID,
                HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                "Tried to append chunk "
                    + range.first()
                    + "-"
                    + range.last()
                    + " to upload "
                    + s.id()
                    + " but failed because "
                    + (s.offset() - start)
                    + " bytes arrived: the session is cancelled, start a new upload");
          }
          e.send(sessionResponse(HttpResponseStatus.ACCEPTED, s));
        },
        () -> s.release(services.clock().instant()));
  }

  /** Starts a PUT: the sink appends the optional last chunk, then commits with the digest. */
  BodySink finish(Exchange ex, Route route) {
    String digest = route.param("digest");
    if (digest == null) {
      throw new RegistryException(
          ErrorCode.DIGEST_INVALID,
          "Tried to close upload "
              + route.ref()
              + " of "
              + route.name()
              + " but failed because the request has no ?digest= parameter");
    }
    Digest d = References.digest(digest, "close upload " + route.ref() + " of " + route.name());
    UploadSession s = acquire(route);
    try {
      checkRange(ex, s);
    } catch (RuntimeException e) {
      s.release(services.clock().instant());
      throw e;
    }
    return new UploadSink(
        s.upload(),
        null,
        e -> {
          try {
            PutResult r = commit(route.name(), s.upload(), d);
            e.send(created(route.name(), r.digest()));
          } finally {
            services.sessions().remove(s);
          }
        },
        () -> s.release(services.clock().instant()));
  }

  /** Answers DELETE: cancels the session. */
  void cancel(Exchange ex, Route route) {
    UploadSession s = services.sessions().get(route.name(), route.ref());
    services.sessions().remove(s);
    ex.send(Exchange.response(HttpResponseStatus.NO_CONTENT));
  }

  private UploadSession acquire(Route route) {
    UploadSession s = services.sessions().get(route.name(), route.ref());
    if (!s.acquire(services.clock().instant())) {
      throw new RegistryException(
          ErrorCode.BLOB_UPLOAD_INVALID,
          "Tried to write to upload "
              + s.id()
              + " of "
              + route.name()
              + " but failed because another request is writing to it: wait for it to finish");
    }
    return s;
  }

  /** Checks that a chunk's Content-Range starts where the session stands; 416 if not. */
  private static ByteRange checkRange(Exchange ex, UploadSession s) {
    ByteRange range =
        ByteRange.ofUploadChunk(ex.request().headers().get(HttpHeaderNames.CONTENT_RANGE));
    if (range != null && range.first() != s.offset()) {
      throw new RegistryException(
          ErrorCode.BLOB_UPLOAD_INVALID,
          HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
          "Tried to append chunk "
              + range.first()
              + "-"
              + range.last()
              + " to upload "
              + s.id()
              + " but failed because the upload has "
              + s.offset()
              + " bytes: chunks must arrive in order; ask GET for the current range");
    }
    return range;
  }

  private PutResult commit(String name, BlobUpload up, Digest d) {
    try {
      return services.leases().withLease(name, l -> up.commit(d, -1, l));
    } catch (StoreException e) {
      if (e.code() == StoreException.Code.DIGEST_MISMATCH) {
        throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage());
      }
      throw e;
    }
  }

  private static FullHttpResponse created(String name, Digest d) {
    FullHttpResponse r = Exchange.response(HttpResponseStatus.CREATED);
    r.headers().set(HttpHeaderNames.LOCATION, "/v2/" + name + "/blobs/" + d);
    r.headers().set(Headers.CONTENT_DIGEST, d.toString());
    return r;
  }

  private static FullHttpResponse sessionResponse(HttpResponseStatus status, UploadSession s) {
    FullHttpResponse r = Exchange.response(status);
    r.headers().set(HttpHeaderNames.LOCATION, "/v2/" + s.repository() + "/blobs/uploads/" + s.id());
    r.headers().set(Headers.UPLOAD_UUID, s.id());
    long offset = s.offset();
    r.headers().set(HttpHeaderNames.RANGE, "0-" + Math.max(0, offset - 1));
    return r;
  }
}
