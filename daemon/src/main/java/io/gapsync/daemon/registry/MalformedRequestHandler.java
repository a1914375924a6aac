package io.gapsync.daemon.registry;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Answers requests the HTTP decoder could not parse, then closes the connection (after a decoding
 * failure the byte stream cannot be trusted to be in sync).
 *
 * <p>Statuses: 431 when the header block is over {@link RegistryConfig#maxHeaderBytes()}, 414 when
 * the request line is too long, 400 for any other malformed request; each with the spec's error
 * JSON (code UNSUPPORTED).
 */
final class MalformedRequestHandler extends ChannelInboundHandlerAdapter {

  private boolean failed;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    DecoderResult result = msg instanceof HttpObject o ? o.decoderResult() : DecoderResult.SUCCESS;
    if (result.isSuccess()) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    failed = true;
    Throwable cause = result.cause();
    HttpResponseStatus status =
        cause instanceof TooLongHttpHeaderException
            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            : cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
    RegistryException e =
        new RegistryException(
            ErrorCode.UNSUPPORTED,
            status,
            "Tried to read an HTTP request but failed because it is malformed or over a limit: "
                + cause.getMessage());
    FullHttpResponse r = Exchange.response(status);
    byte[] body = ErrorBody.json(e).getBytes(StandardCharsets.UTF_8);
    r = r.replace(Unpooled.wrappedBuffer(body));
    r.headers().set(Exchange.API_VERSION, "registry/2.0");
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CONNECTION, "close");
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }
}
