package io.gapsync.daemon.diode;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the {@link DiodeSender} puts datagrams: a UDP socket, or a loss injector in front of one.
 */
public interface PacketSink extends Closeable {

  /**
   * Sends one datagram: the bytes from the buffer's position to its limit. The buffer may be reused
   * by the caller as soon as this returns.
   *
   * @throws IOException if the socket fails (a diode never answers, so nothing else is reported)
   */
  void send(ByteBuffer datagram) throws IOException;
}
