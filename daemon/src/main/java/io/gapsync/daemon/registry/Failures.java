package io.gapsync.daemon.registry;

import io.gapsync.store.StoreException;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps what a route throws to the answer: a {@link RegistryException} as it is, store failures to
 * the spec code that means the same, anything else to 500 (logged with the request).
 */
final class Failures {

  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private Failures() {}

  static RegistryException toRegistry(RuntimeException e, HttpRequest req) {
    if (e instanceof RegistryException r) {
      return r;
    }
    if (e instanceof StoreException s) {
      switch (s.code()) {
        case BLOB_UNKNOWN:
          return new RegistryException(ErrorCode.BLOB_UNKNOWN, s.getMessage());
        case MANIFEST_UNKNOWN:
        case TAG_UNKNOWN:
          return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, s.getMessage());
        case MANIFEST_REFERENCE_UNKNOWN:
          return new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, s.getMessage());
        case DIGEST_MISMATCH:
          return new RegistryException(ErrorCode.DIGEST_INVALID, s.getMessage());
        case NAME_INVALID:
          return new RegistryException(ErrorCode.NAME_INVALID, s.getMessage());
        case READ_ONLY:
          return new RegistryException(ErrorCode.UNSUPPORTED, s.getMessage());
        case CLOSED:
          return new RegistryException(
              ErrorCode.UNSUPPORTED, HttpResponseStatus.SERVICE_UNAVAILABLE, s.getMessage());
        default:
          break;
      }
    }
    LOG.error(
        "{} {} failed (request {})",
        req.method(),
        req.uri(),
        req.headers().get(RequestObserver.REQUEST_ID),
        e);
    return new RegistryException(
        ErrorCode.UNSUPPORTED,
        HttpResponseStatus.INTERNAL_SERVER_ERROR,
        "Tried to "
            + req.method()
            + " "
            + req.uri()
            + " but failed because of an internal error: "
            + e.getMessage());
  }
}
