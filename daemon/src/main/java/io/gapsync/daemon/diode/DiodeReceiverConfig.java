package io.gapsync.daemon.diode;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the {@link DiodeReceiver} receives: its one configuration object, validated once (STYLE rule
 * 9). Nothing about the FEC or the MTU: those come from each object's signed announcement.
 *
 * @param listen the UDP address to bind (port 0 picks one)
 * @param spool where verified objects appear; partial state lives in {@code .diode-partial/} below
 *     it and reports in {@code diode-reports/}
 * @param receiveBufferBytes SO_RCVBUF asked for (the kernel caps it at {@code net.core.rmem_max})
 * @param ringSlots datagrams the receive thread can hand over before it drops (a power of two)
 * @param checkpointInterval how often the received-symbol bitmaps are saved
 */
public record DiodeReceiverConfig(
    InetSocketAddress listen,
    Path spool,
    int receiveBufferBytes,
    int ringSlots,
    Duration checkpointInterval) {

  /** Default SO_RCVBUF: 128 MiB, about one second at 1 Gbit/s. */
  public static final int RECEIVE_BUFFER_BYTES_DEFAULT = 128 << 20;

  /** Default ring: 4096 datagrams (about 6 MB at MTU 1500, 38 MB of slots at jumbo size). */
  public static final int RING_SLOTS_DEFAULT = 4096;

  /** Largest datagram accepted: a 9,216-byte symbol plus frame and IP headers. */
  public static final int DATAGRAM_BYTES_MAX = 9344;

  public static final Duration CHECKPOINT_INTERVAL_DEFAULT = Duration.ofSeconds(1);

  /** Name of the hidden folder of partial objects inside the spool. */
  public static final String PARTIAL_DIR = ".diode-partial";

  /** Name of the folder of beyond-repair reports inside the spool. */
  public static final String REPORT_DIR = "diode-reports";

  /** Validates the settings. */
  public DiodeReceiverConfig {
    if (listen == null || spool == null) {
      throw new IllegalArgumentException("the diode receiver needs a listen address and a spool");
    }
    if (ringSlots < 2 || Integer.bitCount(ringSlots) != 1) {
      throw new IllegalArgumentException("ring slots must be a power of two, got " + ringSlots);
    }
  }

  /** Returns the defaults for an address and a spool. */
  public static DiodeReceiverConfig defaults(InetSocketAddress listen, Path spool) {
    return new DiodeReceiverConfig(
        listen,
        spool,
        RECEIVE_BUFFER_BYTES_DEFAULT,
        RING_SLOTS_DEFAULT,
        CHECKPOINT_INTERVAL_DEFAULT);
  }

  /** Returns a copy with another ring size. */
  public DiodeReceiverConfig withRing(int slots) {
    return new DiodeReceiverConfig(listen, spool, receiveBufferBytes, slots, checkpointInterval);
  }
}
