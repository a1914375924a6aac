package io.gapsync.daemon.registry;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers the operations endpoints and passes every other request on to the registry. One per
 * channel (it drops the body of a request it answered).
 *
 * <p>Statuses:
 *
 * <ul>
 *   <li>{@code GET /metrics}: 200, the metrics in the Prometheus text format ({@link
 *       RegistryMetrics#CONTENT_TYPE}).
 *   <li>{@code GET /healthz}: 200 {@code ok} whenever the process serves (liveness).
 *   <li>{@code GET /readyz}: 200 {@code ready} when the store answers and the registry is not
 *       shutting down; else 503 with the reason (readiness).
 *   <li>Another method on these paths: 405 with {@code Allow: GET, HEAD}.
 * </ul>
 *
 * HEAD answers carry the GET headers without the body. None of these needs the store to be walked:
 * the store gauges are refreshed in the background.
 */
final class OperationsHandler extends ChannelInboundHandlerAdapter {

  static final String METRICS = "/metrics";
  static final String HEALTHZ = "/healthz";
  static final String READYZ = "/readyz";

  private static final Set<String> PATHS = Set.of(METRICS, HEALTHZ, READYZ);
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Services services;
  private final AtomicInteger inFlight;
  private boolean dropping;

  /**
   * @param services the shared state (metrics, readiness, upload sessions)
   * @param inFlight the registry requests in flight, for the gauge
   */
  OperationsHandler(Services services, AtomicInteger inFlight) {
    this.services = services;
    this.inFlight = inFlight;
  }

  /** Returns true if the path is an operations endpoint. */
  static boolean handles(String path) {
    return PATHS.contains(path);
  }

  /** Returns the path of a request target (what precedes the query). */
  static String pathOf(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      String path = pathOf(req.uri());
      if (!handles(path)) {
        dropping = false;
        ctx.fireChannelRead(msg);
        return;
      }
      try {
        answer(new Exchange(ctx, req, () -> {}), req.method(), path);
        dropping = !(msg instanceof LastHttpContent);
      } finally {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (dropping && msg instanceof HttpContent) {
      dropping = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private void answer(Exchange ex, HttpMethod method, String path) {
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse r = Exchange.response(HttpResponseStatus.METHOD_NOT_ALLOWED);
      r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      text(ex, r, method + " is not allowed on " + path + "\n");
      return;
    }
    switch (path) {
      case METRICS -> {
        String body = services.metrics().render(inFlight.get(), services.sessions().size());
        ex.send(
            Exchange.response(HttpResponseStatus.OK),
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8),
            RegistryMetrics.CONTENT_TYPE);
      }
      case READYZ -> {
        String reason = services.readiness().notReadyReason();
        if (reason == null) {
          text(ex, Exchange.response(HttpResponseStatus.OK), "ready\n");
        } else {
          text(ex, Exchange.response(HttpResponseStatus.SERVICE_UNAVAILABLE), reason + "\n");
        }
      }
      default -> text(ex, Exchange.response(HttpResponseStatus.OK), "ok\n");
    }
  }

  private static void text(Exchange ex, FullHttpResponse r, String body) {
    ex.send(r, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), TEXT);
  }
}
