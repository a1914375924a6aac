package io.gapsync.daemon.registry;

import io.gapsync.store.Store;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI Distribution registry over a store: binds, serves until {@link #close()}.
 *
 * <p>Serves the pull, push, discovery and management endpoints of the OCI distribution spec v1.1
 * (docs/REGISTRY.md lists the routes, statuses and limits). Uses epoll where available, else NIO.
 * Store calls run on the event loops: a request body is written into the store as it arrives, so
 * TCP flow control bounds the memory a fast client can make the registry hold.
 *
 * <p>Also serves {@code /metrics}, {@code /healthz} and {@code /readyz}. The store's blob count and
 * size for {@code /metrics} are refreshed every {@link RegistryConfig#storeStatsInterval()} by one
 * background thread, off the event loops, because counting walks the store.
 *
 * <p>With {@link RegistryConfig#adminSocket()} it also listens on a Unix domain socket, the
 * operator's channel: the registry API with writes allowed, plus the admin endpoints of {@link
 * AdminHandler}; the CLI uses it while the daemon holds the store (docs/ARCHITECTURE.md, "CLI while
 * the daemon runs").
 *
 * <p>The caller owns the store and closes it after {@link #close()}. Thread-safe.
 */
public final class Registry implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

  /**
   * Outbound bytes queued per connection before a streamed blob pauses (the channel turns
   * unwritable): 256 KiB, so one blob piece ({@link BlobBody#PIECE_BYTES}, 1 MiB) already pauses
   * it, and a slow reader holds about one piece of direct memory. The kernel's socket buffer keeps
   * the socket busy while the next piece is read.
   */
  static final int WRITE_HIGH_WATER_BYTES = 256 * 1024;

  /** Queued bytes under which a paused blob stream resumes. */
  static final int WRITE_LOW_WATER_BYTES = 128 * 1024;

  private final Services services;
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup channels;
  private final AtomicInteger inFlight;
  private final ScheduledFuture<?> sweep;
  private final ScheduledExecutorService stats;
  private final Channel adminServer;
  private final AdminSocket adminSocket;
  private final java.util.concurrent.ExecutorService adminWorker;
  private final Object statsLock = new Object();
  private boolean closed;

  private Registry(
      Services services,
      EventLoopGroup group,
      Channel server,
      ChannelGroup channels,
      AtomicInteger inFlight,
      Admin admin) {
    this.services = services;
    this.group = group;
    this.server = server;
    this.channels = channels;
    this.inFlight = inFlight;
    this.adminServer = admin == null ? null : admin.server();
    this.adminSocket = admin == null ? null : admin.socket();
    this.adminWorker = admin == null ? null : admin.worker();
    long every = services.config().sweepInterval().toMillis();
    this.sweep = group.scheduleAtFixedRate(this::sweep, every, every, TimeUnit.MILLISECONDS);
    this.stats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gapsync-registry-stats");
              t.setDaemon(true);
              return t;
            });
    long statsEvery = services.config().storeStatsInterval().toMillis();
    stats.scheduleWithFixedDelay(this::refreshStoreStats, 0, statsEvery, TimeUnit.MILLISECONDS);
  }

  /**
   * Adds metric families to {@code /metrics}: components that run beside the registry in the same
   * daemon (the diode outbox sender) report there too. The supplier is called on an event loop at
   * every scrape: it must be quick and must not block.
   *
   * @param families complete families in the Prometheus text format 0.0.4, each line ending in
   *     {@code \n}
   */
  public void addMetrics(java.util.function.Supplier<String> families) {
    services.metrics().addSource(Objects.requireNonNull(families, "families"));
  }

  /**
   * Starts a registry with the system clock.
   *
   * @param store the store to serve; not closed by the registry
   * @param config the configuration
   * @return the running registry; the caller closes it
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static Registry start(Store store, RegistryConfig config) {
    return start(store, config, Clock.systemUTC());
  }

  /**
   * Starts a registry with the clock that upload sessions and push leases expire by (tests inject
   * one).
   *
   * @param store the store to serve; not closed by the registry
   * @param config the configuration
   * @param clock the clock
   * @return the running registry; the caller closes it
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static Registry start(Store store, RegistryConfig config, Clock clock) {
    Objects.requireNonNull(store, "store");
    Services services = Services.create(store, config, clock);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(), io);
    ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    AtomicInteger inFlight = new AtomicInteger();
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(WRITE_LOW_WATER_BYTES, WRITE_HIGH_WATER_BYTES))
              .childHandler(new RegistryInitializer(services, inFlight, channels, null))
              .bind(config.listen())
              .syncUninterruptibly()
              .channel();
      LOG.info(
          "Registry listening on {} ({}, {})",
          server.localAddress(),
          epoll ? "epoll" : "nio",
          config.readOnly() ? "read-only" : "read-write");
      Admin admin;
      try {
        admin =
            config.adminSocket() == null
                ? null
                : startAdmin(services, group, epoll, channels, inFlight);
      } catch (RuntimeException e) {
        server.close().syncUninterruptibly();
        throw e;
      }
      return new Registry(services, group, server, channels, inFlight, admin);
    } catch (java.io.UncheckedIOException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
      services.close();
      throw e;
    } catch (Exception e) { // bind failures arrive as a checked BindException, rethrown by Netty
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
      services.close();
      throw new java.io.UncheckedIOException(
          "Tried to listen on " + config.listen() + " but failed because: " + e.getMessage(),
          e instanceof java.io.IOException x ? x : new java.io.IOException(e));
    }
  }

  /** The admin socket's server channel, its file and its worker thread. */
  private record Admin(
      Channel server, AdminSocket socket, java.util.concurrent.ExecutorService worker) {}

  /**
   * Binds the admin socket (a Unix domain socket on the registry's event loops: epoll's, else the
   * JDK's through NIO) with the admin pipeline.
   */
  private static Admin startAdmin(
      Services services,
      EventLoopGroup group,
      boolean epoll,
      ChannelGroup channels,
      AtomicInteger inFlight) {
    java.util.concurrent.ExecutorService worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "gapsync-admin");
              t.setDaemon(true);
              return t;
            });
    Channel[] bound = new Channel[1];
    try {
      AdminSocket socket =
          AdminSocket.bind(
              services.config().adminSocket(),
              path -> {
                ServerBootstrap b =
                    new ServerBootstrap()
                        .group(group)
                        .channel(
                            epoll
                                ? EpollServerDomainSocketChannel.class
                                : NioServerDomainSocketChannel.class)
                        .childHandler(
                            new RegistryInitializer(services, inFlight, channels, worker));
                java.net.SocketAddress address =
                    epoll
                        ? new DomainSocketAddress(path.toString())
                        : java.net.UnixDomainSocketAddress.of(path);
                io.netty.channel.ChannelFuture f = b.bind(address).awaitUninterruptibly();
                if (!f.isSuccess()) {
                  throw new java.io.IOException(
                      "binding failed: " + f.cause().getMessage(), f.cause());
                }
                bound[0] = f.channel();
              });
      LOG.info("Admin socket listening on {} (mode 0600)", socket.path());
      return new Admin(bound[0], socket, worker);
    } catch (RuntimeException e) {
      if (bound[0] != null) {
        bound[0].close().syncUninterruptibly();
      }
      worker.shutdownNow();
      throw e;
    }
  }

  /** Returns the admin socket's path, or null when the registry has none. */
  public java.nio.file.Path adminSocket() {
    return adminSocket == null ? null : adminSocket.path();
  }

  /** Returns the address the registry listens on (with the port chosen when 0 was asked). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Cancels abandoned upload sessions and releases idle push leases. */
  void sweep() {
    try {
      int s = services.sessions().expire();
      int l = services.leases().expire();
      if (s > 0 || l > 0) {
        LOG.info("Expired {} abandoned upload sessions and {} push leases", s, l);
      }
    } catch (RuntimeException e) {
      LOG.warn("Sweeping upload sessions failed", e);
    }
  }

  /**
   * Counts the store's blobs and their bytes for {@code /metrics}. Walks the store: runs on the
   * stats thread (and in tests), never on an event loop. A failure keeps the last counts. Counts do
   * not overlap, so a later count never loses to an earlier one that finished late.
   */
  void refreshStoreStats() {
    synchronized (statsLock) {
      try {
        io.gapsync.store.StoreStats s = services.store().stats();
        services.metrics().storeCounts(s.blobs(), s.blobBytes());
      } catch (RuntimeException e) {
        LOG.warn("Counting the store for /metrics failed; the last counts stay", e);
      }
    }
  }

  /** Requests in flight (tests). */
  int inFlight() {
    return inFlight.get();
  }

  /** The shared state (tests). */
  Services services() {
    return services;
  }

  /**
   * Shuts down gracefully: {@code /readyz} answers 503 from the start, stops accepting, lets
   * requests in flight finish for up to {@link RegistryConfig#shutdownTimeout()}, closes the
   * connections, cancels open upload sessions and releases the push leases. Safe to call more than
   * once. The store stays open.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    services.readiness().markShuttingDown();
    sweep.cancel(false);
    stats.shutdown();
    server.close().syncUninterruptibly();
    if (adminServer != null) {
      adminServer.close().syncUninterruptibly();
      adminSocket.remove();
    }
    long deadline = System.nanoTime() + services.config().shutdownTimeout().toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    awaitStats();
    awaitAdmin();
    services.close();
  }

  /** Lets an admin job in progress (a gc, a fsck) finish before the store closes. */
  private void awaitAdmin() {
    if (adminWorker == null) {
      return;
    }
    adminWorker.shutdown();
    try {
      if (!adminWorker.awaitTermination(
          services.config().shutdownTimeout().toMillis() + 1000L, TimeUnit.MILLISECONDS)) {
        LOG.warn("An admin job did not finish before shutdown; the store waits for it to close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets a store count in progress finish, so that it does not run into the store's close. */
  private void awaitStats() {
    try {
      if (!stats.awaitTermination(
          services.config().shutdownTimeout().toMillis() + 1000L, TimeUnit.MILLISECONDS)) {
        LOG.warn("Counting the store for /metrics did not finish before shutdown");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
