package io.gapsync.daemon.registry;

import io.netty.buffer.ByteBuf;

/**
 * Where a request body goes while it streams in: an upload, a bounded manifest buffer, or nowhere.
 * Called on the channel's event loop, in order: {@link #write} for each piece, then exactly one of
 * {@link #end} (the last piece arrived) or {@link #abort} (the request failed or the connection
 * closed). Route handlers return one from the request head.
 */
interface BodySink {

  /** Ignores the body; the route has answered already. */
  BodySink DISCARD =
      new BodySink() {
        @Override
        public void write(ByteBuf content) {}

        @Override
        public void end(Exchange exchange) {}

        @Override
        public void abort() {}
      };

  /**
   * Takes one piece of the body. The caller releases the buffer.
   *
   * @throws RegistryException to refuse the request (the sink is then aborted)
   */
  void write(ByteBuf content);

  /**
   * The body is complete: answer the request.
   *
   * @throws RegistryException to refuse the request
   */
  void end(Exchange exchange);

  /** The request will not complete: release what the sink holds. Safe to call more than once. */
  void abort();
}
