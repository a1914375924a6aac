package io.gapsync.daemon.registry;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches each request to its route and streams its body into the route's {@link BodySink}. One
 * per channel (it holds the request in progress).
 *
 * <p>Statuses it answers by itself: 404 (no endpoint), 405 UNSUPPORTED (a method the endpoint does
 * not have, or any write when read-only), 400 NAME_INVALID (bad repository name), and the mapping
 * of store failures: 500 for storage errors, 503 when the store is closing. A refused request's
 * remaining body is read and dropped, so the connection stays usable.
 */
final class RegistryHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryHandler.class);

  private final Services services;
  private final AtomicInteger inFlight;
  private final boolean readOnly;
  private final ManifestRoutes manifests;
  private final BlobRoutes blobs;
  private final UploadRoutes uploads;
  private final DiscoveryRoutes discovery;
  private Exchange exchange;
  private BodySink sink;

  RegistryHandler(Services services, AtomicInteger inFlight) {
    this(services, inFlight, services.config().readOnly());
  }

  /**
   * @param services the shared state
   * @param inFlight the requests in flight
   * @param readOnly refuse writes (the TCP listener of a read-only registry; never the admin
   *     socket)
   */
  RegistryHandler(Services services, AtomicInteger inFlight, boolean readOnly) {
    this.services = services;
    this.inFlight = inFlight;
    this.readOnly = readOnly;
    this.manifests = new ManifestRoutes(services);
    this.blobs = new BlobRoutes(services);
    this.uploads = new UploadRoutes(services);
    this.discovery = new DiscoveryRoutes(services);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest req) {
        onRequest(ctx, req);
      }
      if (msg instanceof HttpContent c && sink != null) {
        onContent(c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (sink != null) {
      sink.abort();
      sink = null;
    }
    if (exchange != null) {
      exchange.abandon();
    }
    super.channelInactive(ctx);
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
    if (sink != null) {
      // A new request before the last one's body ended: the decoder never does this.
      sink.abort();
    }
    inFlight.incrementAndGet();
    exchange = new Exchange(ctx, req, inFlight::decrementAndGet);
    try {
      sink = dispatch(exchange, req);
    } catch (RuntimeException e) {
      refuse(e);
    }
  }

  private void onContent(HttpContent c) {
    try {
      sink.write(c.content());
      if (c instanceof LastHttpContent) {
        BodySink s = sink;
        sink = null;
        s.end(exchange);
        if (!exchange.answered()) {
          throw new IllegalStateException("route did not answer " + exchange.request().uri());
        }
      }
    } catch (RuntimeException e) {
      if (sink != null) {
        sink.abort();
      }
      refuse(e);
      if (c instanceof LastHttpContent) {
        sink = null;
      }
    }
  }

  /** Answers a failed request and drops the rest of its body. */
  private void refuse(RuntimeException e) {
    sink = BodySink.DISCARD;
    if (exchange.answered()) {
      LOG.warn(
          "Request {} {} failed after its answer (request {})",
          exchange.request().method(),
          exchange.request().uri(),
          exchange.request().headers().get(RequestObserver.REQUEST_ID),
          e);
      return;
    }
    exchange.fail(Failures.toRegistry(e, exchange.request()));
  }

  private BodySink dispatch(Exchange ex, HttpRequest req) {
    Route route = Route.parse(req.uri());
    HttpMethod m = req.method();
    boolean write = !(m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD));
    if (route.kind() == Route.Kind.NOT_FOUND) {
      throw new RegistryException(
          ErrorCode.NAME_UNKNOWN,
          HttpResponseStatus.NOT_FOUND,
          "Tried to " + m + " " + req.uri() + " but failed because no endpoint has that path");
    }
    if (write && readOnly) {
      throw new RegistryException(
          ErrorCode.UNSUPPORTED,
          "Tried to " + m + " " + req.uri() + " but failed because this registry is read-only");
    }
    switch (route.kind()) {
      case PING -> {
        if (!write) {
          ex.send(Exchange.response(HttpResponseStatus.OK));
          return BodySink.DISCARD;
        }
      }
      case CATALOG -> {
        if (m.equals(HttpMethod.GET)) {
          discovery.catalog(ex, route);
          return BodySink.DISCARD;
        }
      }
      case TAGS -> {
        if (m.equals(HttpMethod.GET)) {
          discovery.tags(ex, route);
          return BodySink.DISCARD;
        }
      }
      case REFERRERS -> {
        if (m.equals(HttpMethod.GET)) {
          discovery.referrers(ex, route);
          return BodySink.DISCARD;
        }
      }
      case MANIFEST -> {
        if (!write) {
          manifests.get(ex, route);
          return BodySink.DISCARD;
        } else if (m.equals(HttpMethod.PUT)) {
          return manifests.put(ex, route);
        } else if (m.equals(HttpMethod.DELETE)) {
          manifests.delete(ex, route);
          return BodySink.DISCARD;
        }
      }
      case BLOB -> {
        if (!write) {
          blobs.get(ex, route);
          return BodySink.DISCARD;
        } else if (m.equals(HttpMethod.DELETE)) {
          blobs.delete(ex, route);
          return BodySink.DISCARD;
        }
      }
      case UPLOADS -> {
        if (m.equals(HttpMethod.POST)) {
          return uploads.start(ex, route);
        }
      }
      case UPLOAD -> {
        if (m.equals(HttpMethod.GET)) {
          uploads.status(ex, route);
          return BodySink.DISCARD;
        } else if (m.equals(HttpMethod.PATCH)) {
          return uploads.patch(ex, route);
        } else if (m.equals(HttpMethod.PUT)) {
          return uploads.finish(ex, route);
        } else if (m.equals(HttpMethod.DELETE)) {
          uploads.cancel(ex, route);
          return BodySink.DISCARD;
        }
      }
      default -> {}
    }
    throw new RegistryException(
        ErrorCode.UNSUPPORTED,
        "Tried to " + m + " " + req.uri() + " but failed because that endpoint has no " + m);
  }
}
