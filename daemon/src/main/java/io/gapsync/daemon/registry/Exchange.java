package io.gapsync.daemon.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;

/**
 * One request and its one response. Route handlers answer through it; it makes sure a request is
 * answered exactly once, that HEAD answers carry the GET headers without a body, and that every
 * answer names the API version ({@code Docker-Distribution-API-Version: registry/2.0}).
 *
 * <p>Not thread-safe: used on the channel's event loop only.
 */
final class Exchange {

  /** The header every answer carries (distribution spec, end-1). */
  static final String API_VERSION = "Docker-Distribution-API-Version";

  /**
   * What a 429 TOOMANYREQUESTS answer asks the client to wait ({@code Retry-After}, RFC 9110
   * 10.2.3): sessions free up as pushes in progress finish, typically within seconds.
   */
  static final int RETRY_AFTER_SECONDS = 10;

  private final ChannelHandlerContext ctx;
  private final HttpRequest request;
  private final Runnable onAnswered;
  private boolean answered;

  Exchange(ChannelHandlerContext ctx, HttpRequest request, Runnable onAnswered) {
    this.ctx = ctx;
    this.request = request;
    this.onAnswered = onAnswered;
  }

  HttpRequest request() {
    return request;
  }

  boolean isHead() {
    return request.method().equals(HttpMethod.HEAD);
  }

  boolean answered() {
    return answered;
  }

  /** Returns a response with the API version header set and no body yet. */
  static FullHttpResponse response(HttpResponseStatus status) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    r.headers().set(API_VERSION, "registry/2.0");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }

  /** Sends a response without a body. */
  void send(FullHttpResponse response) {
    finish(response);
  }

  /**
   * Sends a response with a body (or, for HEAD, only its length and type).
   *
   * @param response the response (status and headers); its content is replaced
   * @param body the body; released here
   * @param contentType the content type
   */
  void send(FullHttpResponse response, ByteBuf body, String contentType) {
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    if (isHead()) {
      body.release();
      finish(response);
    } else {
      finish(response.replace(body));
    }
  }

  /** Sends a JSON body. */
  void sendJson(FullHttpResponse response, String json, String contentType) {
    send(response, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8), contentType);
  }

  /**
   * Streams a body through the pipeline's {@code ChunkedWriteHandler}: bounded memory whatever the
   * size. The caller has set Content-Length; the input is closed when written or on failure.
   */
  void stream(HttpResponse head, HttpChunkedInput body) {
    check();
    answered = true;
    head.headers().set(API_VERSION, "registry/2.0");
    ctx.write(head);
    ctx.writeAndFlush(body)
        .addListener(
            f -> {
              onAnswered.run();
              if (!f.isSuccess()) {
                // The head is out: the only way to tell the client the body is cut short.
                ctx.close();
              }
            });
  }

  /**
   * Sends a body that is a region of a file (sendfile: the kernel copies it to the socket). The
   * caller has set Content-Length and checked {@link #encrypted()} is false; the region is released
   * (its file closed) when written or on failure.
   */
  void stream(HttpResponse head, FileRegion body) {
    check();
    answered = true;
    head.headers().set(API_VERSION, "registry/2.0");
    ctx.write(head);
    ctx.write(body);
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(
            f -> {
              onAnswered.run();
              if (!f.isSuccess()) {
                ctx.close();
              }
            });
  }

  /**
   * Returns true if the connection is TLS: then file regions cannot go to the socket as they are.
   */
  boolean encrypted() {
    return ctx.pipeline().get(SslHandler.class) != null;
  }

  /**
   * The connection closed before the request was answered: counts it as finished so that a graceful
   * shutdown does not wait for it.
   */
  void abandon() {
    if (!answered) {
      answered = true;
      onAnswered.run();
    }
  }

  /** Sends the spec's error JSON for a refused request. */
  void fail(RegistryException e) {
    FullHttpResponse r = response(e.status());
    if (e.code() == ErrorCode.TOOMANYREQUESTS) {
      r.headers().setInt(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    send(r, Unpooled.copiedBuffer(ErrorBody.json(e), StandardCharsets.UTF_8), "application/json");
  }

  /** Returns the response head for a streamed body. */
  static HttpResponse streamHead(HttpResponseStatus status) {
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
  }

  private void finish(FullHttpResponse response) {
    check();
    answered = true;
    if (!HttpUtil.isKeepAlive(request)) {
      HttpUtil.setKeepAlive(response, false);
    }
    ctx.writeAndFlush(response).addListener(f -> onAnswered.run());
  }

  private void check() {
    if (answered) {
      throw new IllegalStateException(
          "Tried to answer " + request.method() + " " + request.uri() + " twice");
    }
  }
}
