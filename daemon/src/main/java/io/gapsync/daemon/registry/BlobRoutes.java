package io.gapsync.daemon.registry;

import io.gapsync.protocol.Digest;
import io.gapsync.store.GcReport;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.channels.ReadableByteChannel;
import java.util.List;

/**
 * {@code GET/HEAD /v2/<name>/blobs/<digest>} (spec end-2) and {@code DELETE} (end-10).
 *
 * <p>Statuses: 200 (whole blob), 206 (one {@code Range}), 404 BLOB_UNKNOWN, 400 DIGEST_INVALID, 416
 * (range outside the blob, with {@code Content-Range: bytes * /size}). DELETE 202; 404
 * BLOB_UNKNOWN; 405 UNSUPPORTED while a manifest (of any repository: the store is global) or a push
 * in progress still uses the blob: deleting it is disabled then, and the spec's answer to a
 * disabled blob delete is "either a 400 Bad Request or a 405 Method Not Allowed" (end-10 lists
 * 404/405), which the OCI conformance suite also accepts when it deletes blobs before manifests
 * ({@code OCI_DELETE_MANIFEST_BEFORE_BLOBS=0}); a 403 is neither. Deletes run {@code
 * Store.discard}, which marks the whole store: they cost time proportional to the store and block
 * writers meanwhile.
 *
 * <p>Blobs are global: any repository name serves any blob the store holds (the store is one
 * content-addressed space; repositories own tags, not content). The body streams from {@code
 * Store.openBlobChannel} through the pipeline's {@code ChunkedWriteHandler}, one store chunk at a
 * time read straight into a pooled direct buffer ({@link BlobBody}), so memory stays bounded
 * whatever the size.
 */
final class BlobRoutes {

  private final Services services;

  BlobRoutes(Services services) {
    this.services = services;
  }

  /** Answers GET or HEAD. */
  void get(Exchange ex, Route route) {
    Digest digest = References.digest(route.ref(), "read a blob of " + route.name());
    long size =
        services
            .store()
            .blobSize(digest)
            .orElseThrow(
                () ->
                    new RegistryException(
                        ErrorCode.BLOB_UNKNOWN,
                        "Tried to read blob "
                            + digest
                            + " of "
                            + route.name()
                            + " but failed because the registry does not hold it"));
    ByteRange range;
    try {
      range = ByteRange.ofRequest(ex.request().headers().get(HttpHeaderNames.RANGE), size);
    } catch (RegistryException e) {
      var r = Exchange.response(e.status());
      r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
      ex.send(r);
      return;
    }
    long first = range == null ? 0 : range.first();
    long length = range == null ? size : range.length();
    HttpResponseStatus status =
        range == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT;
    HttpResponse head = Exchange.streamHead(status);
    var h = head.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
    h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
    h.set(Headers.CONTENT_DIGEST, digest.toString());
    h.set(HttpHeaderNames.ETAG, "\"" + digest + "\"");
    h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    if (range != null) {
      h.set(
          HttpHeaderNames.CONTENT_RANGE,
          "bytes " + range.first() + "-" + range.last() + "/" + size);
    }
    if (ex.isHead()) {
      var r = Exchange.response(status);
      r.headers().set(h);
      r.headers().set(Exchange.API_VERSION, "registry/2.0");
      ex.send(r);
      return;
    }
    ReadableByteChannel in = services.store().openBlobChannel(digest, first, length);
    ex.stream(head, new HttpChunkedInput(new BlobBody(in, first, length, "blob " + digest)));
  }

  /** Answers DELETE: removes the blob unless a manifest or a push in progress still uses it. */
  void delete(Exchange ex, Route route) {
    Digest digest = References.digest(route.ref(), "delete a blob of " + route.name());
    if (!services.store().hasBlob(digest)) {
      throw new RegistryException(
          ErrorCode.BLOB_UNKNOWN,
          "Tried to delete blob "
              + digest
              + " of "
              + route.name()
              + " but failed because the registry does not hold it");
    }
    services.leases().unpin(route.name(), digest);
    GcReport r = services.store().discard(List.of(digest));
    if (r.blobsRemoved() == 0) {
      throw new RegistryException(
          ErrorCode.UNSUPPORTED,
          "Tried to delete blob "
              + digest
              + " of "
              + route.name()
              + " but failed because a manifest (of any repository) or a push in progress still "
              + "uses it: delete those manifests first");
    }
    ex.send(Exchange.response(HttpResponseStatus.ACCEPTED));
  }
}
