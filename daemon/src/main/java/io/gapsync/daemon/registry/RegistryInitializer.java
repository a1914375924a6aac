package io.gapsync.daemon.registry;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Composes the pipeline of one connection; it holds no logic of its own (STYLE rule 11).
 *
 * <pre>
 * idle        IdleStateHandler (all idle, output progress counts)
 * idleCloser  IdleCloser: close when idle
 * requestTimer RequestTimeout.start: a request's first byte starts its clock
 * codec       HttpServerCodec (header limit from the config)
 * observer    RequestObserver: request id, metrics, access log
 * requestEnd  RequestTimeout.end: header and request deadlines, 408 and close
 * malformed   MalformedRequestHandler: 400/414/431 and close
 * keepAlive   HttpServerKeepAliveHandler
 * continue    HttpServerExpectContinueHandler: 100 Continue for streamed bodies
 * chunked     ChunkedWriteHandler: streamed blob bodies, bounded memory
 * operations  OperationsHandler: /metrics, /healthz, /readyz
 * admin       AdminHandler: /admin/v1/... (the admin socket only)
 * registry    RegistryHandler: routes, request bodies streamed into the store
 * </pre>
 *
 * <p>The admin socket's channels get the admin handler, and a registry handler that accepts writes
 * even when {@link RegistryConfig#readOnly()}: the socket is the operator's channel.
 */
final class RegistryInitializer extends ChannelInitializer<Channel> {

  /** Largest piece of a body the decoder hands over at once. */
  static final int MAX_CHUNK_BYTES = 64 * 1024;

  private final Services services;
  private final AtomicInteger inFlight;
  private final ChannelGroup channels;
  private final java.util.concurrent.Executor adminWorker;

  /**
   * @param services the shared state
   * @param inFlight the requests in flight
   * @param channels where every accepted channel is added (closed at shutdown), or null
   * @param adminWorker the admin thread for the admin socket's channels; null for the TCP listener
   */
  RegistryInitializer(
      Services services,
      AtomicInteger inFlight,
      ChannelGroup channels,
      java.util.concurrent.Executor adminWorker) {
    this.services = services;
    this.inFlight = inFlight;
    this.channels = channels;
    this.adminWorker = adminWorker;
  }

  @Override
  protected void initChannel(Channel ch) {
    if (channels != null) {
      channels.add(ch);
    }
    compose(ch.pipeline(), services, inFlight, adminWorker);
  }

  /** Adds the registry's handlers to a pipeline (also used by the handler tests). */
  static void compose(ChannelPipeline p, Services services, AtomicInteger inFlight) {
    compose(p, services, inFlight, null);
  }

  /**
   * Adds the registry's handlers to a pipeline; with an admin worker, those of the admin socket.
   */
  static void compose(
      ChannelPipeline p,
      Services services,
      AtomicInteger inFlight,
      java.util.concurrent.Executor adminWorker) {
    RegistryConfig c = services.config();
    long idleMillis = c.idleTimeout().toMillis();
    p.addLast("idle", new IdleStateHandler(true, 0, 0, idleMillis, TimeUnit.MILLISECONDS));
    p.addLast("idleCloser", new IdleCloser());
    RequestTimeout timeout = new RequestTimeout(c.headerTimeout(), c.requestTimeout());
    p.addLast("requestTimer", timeout.start());
    p.addLast(
        "codec",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxHeaderSize(c.maxHeaderBytes())
                .setMaxInitialLineLength(8192)
                .setMaxChunkSize(MAX_CHUNK_BYTES)));
    p.addLast("observer", new RequestObserver(services.metrics(), services.requestIds()));
    p.addLast("requestEnd", timeout.end());
    p.addLast("malformed", new MalformedRequestHandler());
    p.addLast("keepAlive", new HttpServerKeepAliveHandler());
    p.addLast("continue", new HttpServerExpectContinueHandler());
    p.addLast("chunked", new ChunkedWriteHandler());
    p.addLast("operations", new OperationsHandler(services, inFlight));
    if (adminWorker != null) {
      p.addLast("admin", new AdminHandler(services, adminWorker, inFlight));
    }
    p.addLast(
        "registry", new RegistryHandler(services, inFlight, adminWorker == null && c.readOnly()));
  }
}
