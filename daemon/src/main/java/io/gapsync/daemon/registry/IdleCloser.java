package io.gapsync.daemon.registry;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a connection that the {@code IdleStateHandler} before it reports idle: no bytes read and
 * no write progress for {@link RegistryConfig#idleTimeout()}. A slow client cannot hold a
 * connection forever; the upload session it was writing to stays (it can resume on a new
 * connection) until it expires. Answers nothing: there is no request to answer.
 */
final class IdleCloser extends ChannelInboundHandlerAdapter {

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}
