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
 * @param ringBytes bytes of datagrams the receive thread can hand over before it drops
 * @param checkpointInterval how often the partial data files are flushed to disk and the
 *     received-symbol bitmaps saved after them (by the flush thread, at least 10 ms apart)
 * @param blockBufferBytes memory for blocks being received ({@link BlockPool}); with less than one
 *     interleave group's worth, symbols are written one by one
 */
public record DiodeReceiverConfig(
    InetSocketAddress listen,
    Path spool,
    int receiveBufferBytes,
    int ringBytes,
    Duration checkpointInterval,
    long blockBufferBytes) {

  /** Default SO_RCVBUF: 128 MiB, about one second at 1 Gbit/s. */
  public static final int RECEIVE_BUFFER_BYTES_DEFAULT = 128 << 20;

  /**
   * Default ring: 64 MiB of direct memory, about 45,000 datagrams at MTU 1500 or 0.8 s at 600
   * Mbit/s: what absorbs a worker that falls behind (JIT warm-up, a GC pause, a slow disk).
   */
  public static final int RING_BYTES_DEFAULT = 64 << 20;

  /** Datagrams the ring can hold at most, whatever their size (a power of two). */
  public static final int RING_ENTRIES = 1 << 16;

  /** Largest datagram accepted: a 9,216-byte symbol plus frame and IP headers. */
  public static final int DATAGRAM_BYTES_MAX = 9344;

  /** Datagrams the receive thread asks the kernel for in one call (recvmmsg, Linux). */
  public static final int RECEIVE_BATCH = 64;

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
    if (blockBufferBytes < 0) {
      throw new IllegalArgumentException(
          "the block buffer budget cannot be negative, got " + blockBufferBytes);
    }
    if (checkpointInterval == null
        || checkpointInterval.isNegative()
        || checkpointInterval.isZero()) {
      throw new IllegalArgumentException(
          "the checkpoint interval must be positive, got " + checkpointInterval);
    }
    if (ringBytes < 2 * DATAGRAM_BYTES_MAX) {
      throw new IllegalArgumentException(
          "the receive ring needs at least " + 2 * DATAGRAM_BYTES_MAX + " bytes, got " + ringBytes);
    }
  }

  /** Returns the defaults for an address and a spool. */
  public static DiodeReceiverConfig defaults(InetSocketAddress listen, Path spool) {
    return new DiodeReceiverConfig(
        listen,
        spool,
        RECEIVE_BUFFER_BYTES_DEFAULT,
        RING_BYTES_DEFAULT,
        CHECKPOINT_INTERVAL_DEFAULT,
        BlockPool.BUDGET_BYTES_DEFAULT);
  }

  /** Returns a copy with another ring size in bytes. */
  public DiodeReceiverConfig withRing(int bytes) {
    return new DiodeReceiverConfig(
        listen, spool, receiveBufferBytes, bytes, checkpointInterval, blockBufferBytes);
  }

  /** Returns a copy with another checkpoint (flush and bitmap) interval. */
  public DiodeReceiverConfig withCheckpointInterval(Duration interval) {
    return new DiodeReceiverConfig(
        listen, spool, receiveBufferBytes, ringBytes, interval, blockBufferBytes);
  }

  /** Returns a copy with another block buffer budget in bytes (0: every symbol to disk). */
  public DiodeReceiverConfig withBlockBuffers(long bytes) {
    return new DiodeReceiverConfig(
        listen, spool, receiveBufferBytes, ringBytes, checkpointInterval, bytes);
  }
}
