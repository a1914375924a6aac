package io.gapsync.daemon.diode;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends datagrams to one address in batches, over Netty's native epoll transport: consecutive
 * datagrams of the same length are copied into one buffer, and the buffer goes out as one UDP GSO
 * send ({@code UDP_SEGMENT}: one syscall and one trip through the UDP/IP stack, then the kernel
 * cuts it into datagrams of that length), or, where the kernel has no GSO, as its datagrams in one
 * {@code sendmmsg}. Each datagram still arrives on its own, in order. docs/ARCHITECTURE.md, "The
 * diode transport", says why.
 *
 * <p>A batch holds up to {@link #MAX_SEGMENTS} datagrams and {@link #MAX_BATCH_BYTES}; it is
 * written when full, when a datagram of another length comes, when its first datagram has waited
 * {@code maxDelayNanos}, on {@link #flush} and on {@link #close}. The caller's thread fills
 * batches; one event loop thread writes them, each handed over as one task. At most {@link
 * #IN_FLIGHT_BATCHES} are handed over and not yet written; then {@link #send} waits, so a slow
 * socket slows the sender instead of queueing without bound.
 *
 * <p>A write that fails is reported once, as an {@link IOException} from the next {@link #send},
 * {@link #flush} or {@link #close}. "Port unreachable" answers, which only exist on a test link
 * with a back channel, are counted and ignored: a diode sender never hears from the receiver. If
 * the kernel refuses a GSO send (a device or socket setting it cannot segment for), GSO is switched
 * off for this socket with one log line and that batch goes out again datagram by datagram.
 *
 * <p>Not thread-safe: one thread sends, flushes and closes. Open it through {@link PacketSinks}.
 */
final class BatchingUdpSink implements PacketSink {

  private static final Logger LOG = LoggerFactory.getLogger(BatchingUdpSink.class);

  /** Most datagrams in one batch (the kernel's {@code UDP_MAX_SEGMENTS} is at least 64). */
  static final int MAX_SEGMENTS = 64;

  /** Most bytes in one batch: one GSO send is one UDP datagram to the stack (65535 - 28). */
  static final int MAX_BATCH_BYTES = 65_507;

  /** Batches handed to the event loop and not yet written, before {@link #send} waits. */
  static final int IN_FLIGHT_BATCHES = 16;

  /** How long the first datagram of a batch may wait for the batch to fill. */
  static final long MAX_DELAY_NANOS_DEFAULT = 2_000_000;

  /** How long {@link #close} waits for the batches in flight. */
  static final long CLOSE_TIMEOUT_SECONDS = 10;

  private final InetSocketAddress target;
  private final long maxDelayNanos;
  private final EventLoopGroup group;
  private final Channel channel;
  private final InetSocketAddress local;
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT_BATCHES);
  private final AtomicReference<IOException> failure = new AtomicReference<>();

  /** Whether batches go out as GSO sends; switched off for good if the kernel refuses one. */
  private volatile boolean gso;

  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong gsoSends = new AtomicLong();
  private final AtomicLong unreachable = new AtomicLong();

  // The batch being filled: the caller's thread only.
  private ByteBuf batch;
  private int segment;
  private int count;
  private int limit;
  private long batchStart;
  private boolean closed;

  /**
   * Opens a socket connected to {@code target}; needs native epoll ({@code Epoll.isAvailable()}).
   *
   * @param target where datagrams go
   * @param useGso whether to use UDP GSO where the kernel supports it (false: {@code sendmmsg})
   * @param maxDelayNanos how long the first datagram of a batch may wait for more
   * @throws IOException if the socket cannot be opened
   */
  BatchingUdpSink(InetSocketAddress target, boolean useGso, long maxDelayNanos) throws IOException {
    this.target = target;
    this.maxDelayNanos = maxDelayNanos;
    this.gso = useGso && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("gapsync-diode-send", true), EpollIoHandler.newFactory());
    // Connected, like UdpPacketSink: the route is resolved once, and an ICMP error of a test link
    // surfaces on a later write as ECONNREFUSED, counted below. Nothing is ever read.
    ChannelFuture connect =
        new Bootstrap()
            .group(group)
            .channel(EpollDatagramChannel.class)
            .option(ChannelOption.SO_SNDBUF, UdpPacketSink.SEND_BUFFER_BYTES_DEFAULT)
            .option(ChannelOption.AUTO_READ, false)
            .handler(new ErrorCounter())
            .connect(target)
            .awaitUninterruptibly();
    if (!connect.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IOException(
          "Tried to open a UDP socket to " + target + " but failed because: " + connect.cause(),
          connect.cause());
    }
    this.channel = connect.channel();
    this.local = (InetSocketAddress) channel.localAddress();
    if (useGso && !gso) {
      LOG.info(
          "The kernel has no UDP GSO (UDP_SEGMENT): diode datagrams to {} go out in batches"
              + " through sendmmsg",
          target);
    }
  }

  @Override
  public void send(ByteBuffer datagram) throws IOException {
    throwFailure();
    if (closed) {
      throw new IOException("Tried to send a datagram to " + target + " but the sink is closed");
    }
    int length = datagram.remaining();
    if (length == 0) {
      throw new IllegalArgumentException(
          "Tried to send an empty datagram to " + target + ": the diode never sends one");
    }
    if (batch != null && (length != segment || count == limit)) {
      writeBatch();
    }
    if (batch == null) {
      segment = length;
      limit = Math.max(1, Math.min(MAX_SEGMENTS, MAX_BATCH_BYTES / length));
      batch = channel.alloc().directBuffer(limit * length);
      count = 0;
      batchStart = System.nanoTime();
    }
    batch.writeBytes(datagram);
    count++;
    if (count == limit || System.nanoTime() - batchStart >= maxDelayNanos) {
      writeBatch();
    }
  }

  @Override
  public void flush() throws IOException {
    throwFailure();
    if (batch != null) {
      writeBatch();
    }
  }

  /** Hands the batch being filled to the event loop, after waiting for room in flight. */
  private void writeBatch() throws IOException {
    ByteBuf bytes = batch;
    int datagrams = count;
    batch = null;
    count = 0;
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      bytes.release();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "Interrupted while waiting to send " + datagrams + " datagram(s) to " + target);
    }
    try {
      channel.eventLoop().execute(new Batch(bytes, datagrams, segment, gso && datagrams > 1));
    } catch (RejectedExecutionException e) {
      bytes.release();
      inFlight.release();
      throw new IOException(
          "Tried to send " + datagrams + " datagram(s) to " + target + " but the socket is closed",
          e);
    }
    batches.incrementAndGet();
  }

  /** Throws, once, the failure of a write since the last call. */
  private void throwFailure() throws IOException {
    IOException e = failure.getAndSet(null);
    if (e != null) {
      throw new IOException(e.getMessage(), e.getCause());
    }
  }

  /** Keeps the first failure of a write until {@link #throwFailure} reports it. */
  private void fail(Throwable cause, String what) {
    failure.compareAndSet(
        null,
        new IOException(
            "Tried to send "
                + what
                + " to "
                + target
                + " but the socket failed: "
                + cause
                + "; check the route and the link to the receiver",
            cause));
  }

  /** "Port unreachable": an ICMP answer of a test link with a back channel. */
  private static boolean refused(Throwable cause) {
    return cause instanceof PortUnreachableException
        || (cause instanceof Errors.NativeIoException e
            && e.expectedErr() == Errors.ERROR_ECONNREFUSED_NEGATIVE);
  }

  /** Returns how many batches were handed to the event loop. */
  long batches() {
    return batches.get();
  }

  /** Returns how many batches went out as one GSO send each. */
  long gsoSends() {
    return gsoSends.get();
  }

  /** Returns whether batches go out as GSO sends. */
  boolean gso() {
    return gso;
  }

  /** Returns how many writes the kernel refused with "port unreachable" (test links only). */
  long unreachable() {
    return unreachable.get();
  }

  /** The socket's channel, for tests that set a socket option. */
  Channel channel() {
    return channel;
  }

  /**
   * Sends what is held, waits up to {@link #CLOSE_TIMEOUT_SECONDS} for the batches in flight, then
   * closes the socket and stops the event loop.
   *
   * @throws IOException if a write failed, or the batches in flight did not finish in time
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (batch != null) {
        writeBatch();
      }
      if (!inFlight.tryAcquire(IN_FLIGHT_BATCHES, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException(
            "Tried to close the UDP socket to "
                + target
                + " but its last datagrams were still not written after "
                + CLOSE_TIMEOUT_SECONDS
                + " s; they are dropped");
      }
      throwFailure();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while closing the UDP socket to " + target);
    } finally {
      if (batch != null) {
        batch.release();
        batch = null;
      }
      channel.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  /**
   * One batch on the event loop: written as one GSO send or as its datagrams; gives its place in
   * flight back when every write has completed.
   */
  private final class Batch implements Runnable, ChannelFutureListener {
    private final ByteBuf bytes;
    private final int datagrams;
    private final int segmentSize;
    private boolean segmented;
    private int pending;

    Batch(ByteBuf bytes, int datagrams, int segmentSize, boolean segmented) {
      this.bytes = bytes;
      this.datagrams = datagrams;
      this.segmentSize = segmentSize;
      this.segmented = segmented;
    }

    @Override
    public void run() {
      if (segmented) {
        pending = 1;
        // Kept for a resend datagram by datagram, should the kernel refuse GSO.
        bytes.retain();
        // No recipient, so the kernel takes the connected socket's route; Netty wants an address,
        // and ignores the sender's when it sends.
        channel.writeAndFlush(
            new SegmentedDatagramPacket(bytes, segmentSize, null, local),
            channel.newPromise().addListener(this));
      } else {
        writeEach();
      }
    }

    /**
     * Writes every datagram of the batch, then flushes: one sendmmsg for all of them (plain
     * buffers: on a connected socket Netty sends them without an address).
     */
    private void writeEach() {
      pending += datagrams;
      for (int i = 0; i < datagrams; i++) {
        channel.write(
            bytes.retainedSlice(i * segmentSize, segmentSize),
            channel.newPromise().addListener(this));
      }
      bytes.release();
      channel.flush();
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      Throwable cause = future.cause();
      if (segmented) {
        segmented = false;
        if (cause == null) {
          gsoSends.incrementAndGet();
          bytes.release();
        } else if (refused(cause)) {
          unreachable.incrementAndGet();
          bytes.release();
        } else {
          if (gso) {
            gso = false;
            LOG.warn(
                "The kernel refused a UDP GSO send of {} datagrams of {} bytes to {} ({}): GSO is"
                    + " off for this socket, datagrams go out in batches through sendmmsg",
                datagrams,
                segmentSize,
                target,
                cause.toString());
          }
          writeEach();
        }
      } else if (cause != null) {
        if (refused(cause)) {
          unreachable.incrementAndGet();
        } else {
          fail(cause, datagrams + " datagram(s) of " + segmentSize + " bytes");
        }
      }
      if (--pending == 0) {
        inFlight.release();
      }
    }
  }

  /** Counts "port unreachable" seen outside a write; any other socket error fails the sink. */
  private final class ErrorCounter extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (refused(cause)) {
        unreachable.incrementAndGet();
      } else {
        fail(cause, "datagrams");
      }
    }
  }
}
