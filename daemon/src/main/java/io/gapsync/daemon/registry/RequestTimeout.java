package io.gapsync.daemon.registry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long one request may take to arrive, so that a client trickling its headers or its
 * body (a byte a second keeps the idle timeout from firing) cannot hold a connection, an upload
 * session or an event loop's attention forever.
 *
 * <p>The clock starts at the first byte of a request. The header block must be complete within
 * {@link RegistryConfig#headerTimeout()}, the whole request (body included) within {@link
 * RegistryConfig#requestTimeout()}. When a deadline passes the connection answers <b>408 Request
 * Timeout</b> (spec error JSON, code UNSUPPORTED, {@code Connection: close}) unless the request was
 * already answered, then closes (after a {@link #LINGER_MILLIS} lingering close during which
 * further bytes are dropped). Closing aborts the request's body sink: a monolithic upload or a
 * final PUT is not published, a PATCH leaves its session at the bytes already written (resumable
 * until the session expires), a manifest is not stored. Answers stream out after the request is
 * complete: they are bounded by the idle timeout only, never by these deadlines.
 *
 * <p>Two handlers share one state: {@link #start()} sits before the HTTP codec and sees the raw
 * bytes (the first byte starts the clock), {@link #end()} sits after the codec and sees the decoded
 * request head and its last piece (which stop the clocks) and the answers written. Both run on the
 * channel's event loop. One instance per channel.
 */
final class RequestTimeout {

  /**
   * How long a timed-out connection keeps reading (and dropping) after its 408 before it closes.
   * Closing a socket with unread bytes sends a TCP reset, which can make the client lose the 408;
   * so the output is shut down first and the input drained for a moment ("lingering close").
   */
  static final long LINGER_MILLIS = 2000;

  private final long headerNanos;
  private final long requestNanos;
  private ChannelHandlerContext endCtx;
  private ScheduledFuture<?> deadline;
  private long startedNanos;
  private boolean headComplete;
  private boolean answered;
  private boolean expired;

  RequestTimeout(java.time.Duration header, java.time.Duration request) {
    this.headerNanos = header.toNanos();
    this.requestNanos = request.toNanos();
  }

  /** The handler before the codec: starts the clock on a request's first byte. */
  ChannelHandler start() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expired) {
          // Lingering after a 408: nothing more reaches the codec, so no body is completed.
          ReferenceCountUtil.release(msg);
          return;
        }
        if (deadline == null && msg instanceof ByteBuf b && b.isReadable() && endCtx != null) {
          startedNanos = System.nanoTime();
          headComplete = false;
          answered = false;
          schedule(headerNanos);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
      }
    };
  }

  /** The handler after the codec: moves to the body deadline, stops the clock, answers 408. */
  ChannelHandler end() {
    return new ChannelDuplexHandler() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        endCtx = ctx;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && deadline != null) {
          headComplete = true;
          cancel();
          schedule(Math.max(0, startedNanos + requestNanos - System.nanoTime()));
        }
        if (msg instanceof LastHttpContent) {
          // The request is complete; a pipelined next one restarts the clock with its next bytes.
          cancel();
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r
            && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
          answered = true;
        }
        ctx.write(msg, promise);
      }
    };
  }

  private void schedule(long nanos) {
    deadline = endCtx.executor().schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  /** A deadline passed: answer 408 unless answered, then close. */
  private void expire() {
    deadline = null;
    ChannelHandlerContext ctx = endCtx;
    if (!ctx.channel().isActive()) {
      return;
    }
    expired = true;
    if (answered) {
      ctx.close();
      return;
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(headComplete ? requestNanos : headerNanos);
    RegistryException e =
        new RegistryException(
            ErrorCode.UNSUPPORTED,
            HttpResponseStatus.REQUEST_TIMEOUT,
            "Tried to read an HTTP request but failed because its "
                + (headComplete ? "body" : "headers")
                + " did not arrive within "
                + (headComplete ? "the request timeout" : "the header timeout")
                + " of "
                + seconds
                + " s, so it was not completed (a PATCH keeps what it wrote; nothing else is kept):"
                + " send faster, push in chunks, or raise --"
                + (headComplete ? "request-timeout" : "header-timeout"));
    FullHttpResponse r = Exchange.response(HttpResponseStatus.REQUEST_TIMEOUT);
    byte[] body = ErrorBody.json(e).getBytes(StandardCharsets.UTF_8);
    r = r.replace(Unpooled.wrappedBuffer(body));
    r.headers().set(Exchange.API_VERSION, "registry/2.0");
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CONNECTION, "close");
    ctx.writeAndFlush(r).addListener((ChannelFutureListener) this::linger);
  }

  /** After the 408: shuts the output down, drains the input briefly, then closes. */
  private void linger(ChannelFuture written) {
    Channel ch = written.channel();
    if (!written.isSuccess() || !(ch instanceof DuplexChannel d)) {
      ch.close();
      return;
    }
    d.shutdownOutput();
    ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }
}
