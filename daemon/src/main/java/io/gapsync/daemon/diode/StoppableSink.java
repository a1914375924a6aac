package io.gapsync.daemon.diode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

/**
 * A {@link PacketSink} that refuses the next datagram once asked to stop: how the {@link
 * OutboxSender} stops a {@link DiodeSender#send} between two datagrams (at shutdown, or to let a
 * new archive overtake a repeat) without interrupting the thread, which would close the socket's
 * channel. Closing it does not close the sink it wraps.
 */
final class StoppableSink implements PacketSink {

  /** Thrown instead of sending once stopped; the send is abandoned between two datagrams. */
  static final class Stopped extends IOException {
    private static final long serialVersionUID = 1L;

    Stopped() {
      super("the send was stopped");
    }
  }

  private final PacketSink sink;
  private final BooleanSupplier stop;

  StoppableSink(PacketSink sink, BooleanSupplier stop) {
    this.sink = sink;
    this.stop = stop;
  }

  @Override
  public void send(ByteBuffer datagram) throws IOException {
    if (stop.getAsBoolean()) {
      Stopped stopped = new Stopped();
      try {
        // What the stopped send handed over still leaves now, not with the next send.
        sink.flush();
      } catch (IOException e) {
        stopped.addSuppressed(e);
      }
      throw stopped;
    }
    sink.send(datagram);
  }

  /** Passes the flush on, also once stopped: what was sent before the stop may leave. */
  @Override
  public void flush() throws IOException {
    sink.flush();
  }

  @Override
  public void close() {
    // The wrapped sink belongs to the caller of OutboxSender.
  }
}
