package io.gapsync.daemon.diode;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the UDP socket a {@link DiodeSender} sends through: the one place that chooses it. */
public final class PacketSinks {

  private static final Logger LOG = LoggerFactory.getLogger(PacketSinks.class);

  private PacketSinks() {}

  /**
   * Opens a socket that sends to {@code target}: a {@link BatchingUdpSink} (UDP GSO or sendmmsg
   * over native epoll) where epoll is available, else a {@link UdpPacketSink} (one JDK write per
   * datagram), with one log line saying so.
   *
   * @param target where datagrams go
   * @return the sink; the caller closes it
   * @throws IOException if the socket cannot be opened
   */
  public static PacketSink udp(InetSocketAddress target) throws IOException {
    if (Epoll.isAvailable()) {
      return new BatchingUdpSink(target, true, BatchingUdpSink.MAX_DELAY_NANOS_DEFAULT);
    }
    LOG.info(
        "Native epoll is not available ({}): diode datagrams to {} go out one by one through the"
            + " JDK socket",
        Epoll.unavailabilityCause().toString(),
        target);
    return new UdpPacketSink(target);
  }
}
