package io.gapsync.daemon.registry;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;

/**
 * Closes a connection that the {@code IdleStateHandler} before it reports idle: no bytes read and
 * no write progress for {@link RegistryConfig#idleTimeout()}. A slow client cannot hold a
 * connection forever; the upload session it was writing to stays (it can resume on a new
 * connection) until it expires. Answers nothing: there is no request to answer.
 *
 * <p>A channel marked {@link #busy} (an admin job such as gc or fsck is working for it, with
 * nothing to send until it ends) is not closed.
 */
final class IdleCloser extends ChannelInboundHandlerAdapter {

  private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("gapsync.busy");

  /** Marks a channel as waiting for work of the daemon's own, or no longer. */
  static void busy(Channel ch, boolean value) {
    ch.attr(BUSY).set(value);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      if (!Boolean.TRUE.equals(ctx.channel().attr(BUSY).get())) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}
