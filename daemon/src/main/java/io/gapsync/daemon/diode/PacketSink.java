package io.gapsync.daemon.diode;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the {@link DiodeSender} puts datagrams: a UDP socket, or a loss injector in front of one.
 * Open the socket with {@link PacketSinks#udp}. A sink may hold datagrams back to send them
 * together ({@link BatchingUdpSink}); {@link #flush} and {@link #close} send what it holds.
 */
public interface PacketSink extends Closeable {

  /**
   * Sends one datagram: the bytes from the buffer's position to its limit. The buffer may be reused
   * by the caller as soon as this returns.
   *
   * @throws IOException if the socket fails (a diode never answers, so nothing else is reported)
   */
  void send(ByteBuffer datagram) throws IOException;

  /**
   * Sends at once whatever datagrams this sink still holds back. The sender calls it before it
   * waits (for the pacing, for the encoder, at the end of a send), so no datagram is delayed by
   * more than a moment. Wrappers pass it on.
   *
   * @throws IOException if the socket fails
   */
  default void flush() throws IOException {}
}
