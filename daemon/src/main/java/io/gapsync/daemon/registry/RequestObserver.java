package io.gapsync.daemon.registry;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every request and its answer, and changes neither: gives the request an id (set as the
 * request's {@code X-Request-Id} header, so that error log lines further on can name it, and on the
 * answer), counts requests by route, method and status and body bytes in and out ({@link
 * RegistryMetrics}), and logs one access line per request at DEBUG on the logger {@value
 * #ACCESS_LOGGER}. One per channel. Answers nothing.
 *
 * <p>Sits right after the HTTP codec, so it also sees the answers to malformed requests. Pipelined
 * requests are answered in order, so answers are matched to requests first in, first out; an
 * informational answer (100 Continue) is not the answer. A request is counted when the last piece
 * of its answer is written, before it is flushed, so a client that has read an answer finds it
 * counted by its next scrape.
 */
final class RequestObserver extends ChannelDuplexHandler {

  /** The header carrying the request id, on the request (set here) and on its answer. */
  static final String REQUEST_ID = "X-Request-Id";

  /** The logger of the access lines; DEBUG enables them. */
  static final String ACCESS_LOGGER = "io.gapsync.daemon.registry.access";

  private static final Logger ACCESS = LoggerFactory.getLogger(ACCESS_LOGGER);

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** A request seen and not yet fully answered. */
  private static final class Pending {
    final String id;
    final String method;
    final String uri;
    final String route;
    final long startNanos;
    int status;
    long in;
    long out;

    Pending(String id, String method, String uri, String route, long startNanos) {
      this.id = id;
      this.method = method;
      this.uri = uri;
      this.route = route;
      this.startNanos = startNanos;
    }
  }

  private final RegistryMetrics metrics;
  private final RequestIds ids;
  private final Logger access;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private Pending reading;

  RequestObserver(RegistryMetrics metrics, RequestIds ids) {
    this(metrics, ids, ACCESS);
  }

  /** With another access logger (tests). */
  RequestObserver(RegistryMetrics metrics, RequestIds ids, Logger access) {
    this.metrics = metrics;
    this.ids = ids;
    this.access = access;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      String method = method(req.method());
      reading =
          new Pending(ids.next(), method, req.uri(), routeLabel(req.uri()), System.nanoTime());
      req.headers().set(REQUEST_ID, reading.id);
      pending.add(reading);
    }
    if (msg instanceof HttpContent c && reading != null) {
      int n = c.content().readableBytes();
      reading.in += n;
      metrics.received(n);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    Pending p = pending.peek();
    if (p == null
        || msg instanceof HttpResponse r
            && r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof HttpResponse r) {
      r.headers().set(REQUEST_ID, p.id);
      p.status = r.status().code();
    }
    if (msg instanceof HttpContent c && p.status != 0) {
      int n = c.content().readableBytes();
      p.out += n;
      metrics.sent(n);
    }
    if (msg instanceof FileRegion f && p.status != 0) {
      // A blob sent with sendfile (BlobBody): counted like content, when written.
      p.out += f.count();
      metrics.sent(f.count());
    }
    if (msg instanceof LastHttpContent && p.status != 0) {
      pending.poll();
      metrics.request(p.route, p.method, p.status);
      if (access.isDebugEnabled()) {
        ChannelPromise watched = promise.unvoid();
        watched.addListener(f -> log(p, f.isSuccess()));
        ctx.write(msg, watched);
        return;
      }
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    for (Pending p : pending) {
      access.debug(
          "{} {} closed before its answer was complete (status {}), in {} B {} ms id {}",
          p.method,
          p.uri,
          p.status == 0 ? "none" : p.status,
          p.in,
          (System.nanoTime() - p.startNanos) / 1_000_000,
          p.id);
    }
    pending.clear();
    reading = null;
    super.channelInactive(ctx);
  }

  private void log(Pending p, boolean written) {
    access.debug(
        "{} {} {} in {} B out {} B {} ms id {}{}",
        p.method,
        p.uri,
        p.status,
        p.in,
        p.out,
        (System.nanoTime() - p.startNanos) / 1_000_000,
        p.id,
        written ? "" : " (answer cut short: connection failed)");
  }

  /** Returns the method's name, or "other" for methods no route has (bounds the label set). */
  static String method(HttpMethod m) {
    String name = m.name();
    return METHODS.contains(name) ? name : "other";
  }

  /**
   * Returns the metric label of a request target: the operations endpoint's name, the registry
   * route's kind in lower case ({@code manifest}, {@code blob}, {@code not_found}, ...), {@code
   * admin} for the admin socket's endpoints, or {@code invalid} when a registry path has an invalid
   * name or the target cannot be parsed.
   */
  static String routeLabel(String uri) {
    String path = OperationsHandler.pathOf(uri);
    if (OperationsHandler.handles(path)) {
      return path.substring(1);
    }
    if (path.startsWith(AdminHandler.PREFIX)) {
      return "admin";
    }
    try {
      return Route.parse(uri).kind().name().toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      return "invalid";
    }
  }
}
