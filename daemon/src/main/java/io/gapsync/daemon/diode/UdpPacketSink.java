package io.gapsync.daemon.diode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Sends datagrams to one address over a plain JDK {@link DatagramChannel}, connected to it, one
 * write per datagram: what {@link PacketSinks#udp} falls back to where native epoll (and so {@link
 * BatchingUdpSink}) is not available. "Port unreachable" answers, which only exist on a test link
 * with a back channel, are counted and ignored: a diode sender never hears from the receiver.
 */
public final class UdpPacketSink implements PacketSink {

  /** Socket send buffer asked for: enough for a burst of a few thousand full datagrams. */
  public static final int SEND_BUFFER_BYTES_DEFAULT = 8 << 20;

  private final DatagramChannel channel;
  private long unreachable;

  /**
   * Opens a socket that sends to {@code target}.
   *
   * @throws IOException if the socket cannot be opened
   */
  public UdpPacketSink(InetSocketAddress target) throws IOException {
    channel = DatagramChannel.open();
    channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER_BYTES_DEFAULT);
    // Connected: the kernel resolves the route once, not for every datagram, and the JDK skips
    // its per-send address handling (measured: less sender CPU per datagram). An ICMP error of a
    // test link then surfaces on a later write as PortUnreachableException, counted below.
    channel.connect(target);
  }

  @Override
  public void send(ByteBuffer datagram) throws IOException {
    try {
      channel.write(datagram);
    } catch (PortUnreachableException e) {
      unreachable++;
    }
  }

  /** Returns how many sends the kernel refused with "port unreachable" (test links only). */
  public long unreachable() {
    return unreachable;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
