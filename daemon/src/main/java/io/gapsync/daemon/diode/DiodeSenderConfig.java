package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.BlockLayout;
import io.gapsync.protocol.diode.CauchyBitMatrixCode;
import io.gapsync.protocol.diode.DiodeFrame;
import io.gapsync.protocol.diode.ReedSolomon;
import java.time.Duration;

/**
 * How the {@link DiodeSender} sends: the one configuration object of the sender, validated once at
 * creation (STYLE rule 9). The receiver needs none of it: every parameter that matters to it
 * travels in the signed announcement.
 *
 * @param rateBitsPerSecond pacing rate counting Ethernet, IP and UDP headers; 0 for unpaced
 * @param mtu the link's MTU in bytes; no datagram is larger than {@code mtu - 48} (IPv6 + UDP)
 * @param k data symbols per FEC block
 * @param m parity symbols per FEC block
 * @param interleave blocks whose symbols are sent interleaved (a burst of {@code interleave * m}
 *     datagrams is survivable)
 * @param passes how often every object is sent (a carousel: the receiver completes with symbols
 *     from any pass)
 * @param heartbeatInterval how often a heartbeat goes out
 * @param catalogInterval how often the catalogue goes out
 * @param announceEveryPackets how many datagrams of an object between repeats of its announcement
 * @param outer blocks per outer block ({@link BlockLayout}): 0 for none, {@link #OUTER_AUTO} for
 *     the largest multiple of {@code interleave} up to {@link BlockLayout#OUTER_MAX}, else a
 *     multiple of {@code interleave} (outer groups end where interleave groups end)
 */
public record DiodeSenderConfig(
    long rateBitsPerSecond,
    int mtu,
    int k,
    int m,
    int interleave,
    int passes,
    Duration heartbeatInterval,
    Duration catalogInterval,
    int announceEveryPackets,
    int outer) {

  /** Default rate: 800 Mbit/s, below a gigabit link with room for the receiver. */
  public static final long RATE_BITS_PER_SECOND_DEFAULT = 800_000_000L;

  /** Default MTU: plain Ethernet. */
  public static final int MTU_DEFAULT = 1500;

  /** Smallest MTU: a full announcement must fit in one datagram. */
  public static final int MTU_MIN = 576;

  /** Default FEC: 200 data + 20 parity symbols (10 % overhead). */
  public static final int K_DEFAULT = 200;

  public static final int M_DEFAULT = 20;

  /** Default interleave depth in blocks. */
  public static final int INTERLEAVE_DEFAULT = 32;

  public static final int PASSES_DEFAULT = 1;

  public static final Duration HEARTBEAT_INTERVAL_DEFAULT = Duration.ofSeconds(1);

  public static final Duration CATALOG_INTERVAL_DEFAULT = Duration.ofSeconds(5);

  public static final int ANNOUNCE_EVERY_PACKETS_DEFAULT = 1000;

  /** {@link #outer} value: as many whole interleave groups as one outer block may cover. */
  public static final int OUTER_AUTO = -1;

  /** Control frames (announcement at the start, pass end) are sent this many times in a row. */
  public static final int CONTROL_REPEATS = 3;

  /** Validates the settings. */
  public DiodeSenderConfig {
    if (mtu < MTU_MIN || mtu - overheadBytes() > BlockLayout.SYMBOL_SIZE_MAX) {
      throw new IllegalArgumentException(
          "Invalid MTU "
              + mtu
              + ": expected "
              + MTU_MIN
              + " to "
              + (BlockLayout.SYMBOL_SIZE_MAX + overheadBytes()));
    }
    if (k < 1 || m < 0 || k > 255 || k + m > ReedSolomon.MAX_SYMBOLS) {
      throw new IllegalArgumentException(
          "Invalid FEC " + k + ":" + m + ": expected K:M with K >= 1, M >= 0 and K + M <= 256");
    }
    if (interleave < 1 || interleave > BlockLayout.INTERLEAVE_MAX) {
      throw new IllegalArgumentException(
          "Invalid interleave " + interleave + ": expected 1 to " + BlockLayout.INTERLEAVE_MAX);
    }
    if (passes < 1 || passes > 0xffff) {
      throw new IllegalArgumentException("Invalid passes " + passes + ": expected 1 to 65535");
    }
    if (outer != OUTER_AUTO
        && outer != 0
        && (outer < 0 || outer > BlockLayout.OUTER_MAX || outer % interleave != 0)) {
      throw new IllegalArgumentException(
          "Invalid outer "
              + outer
              + ": expected 0 (no outer blocks) or a multiple of the interleave depth "
              + interleave
              + " up to "
              + BlockLayout.OUTER_MAX);
    }
    if (rateBitsPerSecond < 0 || announceEveryPackets < 1) {
      throw new IllegalArgumentException("Invalid rate or announcement interval");
    }
  }

  /** Returns the defaults. */
  public static DiodeSenderConfig defaults() {
    return new DiodeSenderConfig(
        RATE_BITS_PER_SECOND_DEFAULT,
        MTU_DEFAULT,
        K_DEFAULT,
        M_DEFAULT,
        INTERLEAVE_DEFAULT,
        PASSES_DEFAULT,
        HEARTBEAT_INTERVAL_DEFAULT,
        CATALOG_INTERVAL_DEFAULT,
        ANNOUNCE_EVERY_PACKETS_DEFAULT,
        OUTER_AUTO);
  }

  /** Returns a copy with another rate. */
  public DiodeSenderConfig withRate(long bitsPerSecond) {
    return new DiodeSenderConfig(
        bitsPerSecond,
        mtu,
        k,
        m,
        interleave,
        passes,
        heartbeatInterval,
        catalogInterval,
        announceEveryPackets,
        outer);
  }

  /** Returns a copy with another MTU. */
  public DiodeSenderConfig withMtu(int value) {
    return new DiodeSenderConfig(
        rateBitsPerSecond,
        value,
        k,
        m,
        interleave,
        passes,
        heartbeatInterval,
        catalogInterval,
        announceEveryPackets,
        outer);
  }

  /** Returns a copy with another FEC shape and interleave depth. */
  public DiodeSenderConfig withFec(int dataSymbols, int paritySymbols, int depth) {
    return new DiodeSenderConfig(
        rateBitsPerSecond,
        mtu,
        dataSymbols,
        paritySymbols,
        depth,
        passes,
        heartbeatInterval,
        catalogInterval,
        announceEveryPackets,
        outer > 0 && outer % depth != 0 ? OUTER_AUTO : outer);
  }

  /** Returns a copy with another number of passes. */
  public DiodeSenderConfig withPasses(int value) {
    return new DiodeSenderConfig(
        rateBitsPerSecond,
        mtu,
        k,
        m,
        interleave,
        value,
        heartbeatInterval,
        catalogInterval,
        announceEveryPackets,
        outer);
  }

  /** Returns a copy with another outer setting (0: none, {@link #OUTER_AUTO}, or blocks). */
  public DiodeSenderConfig withOuter(int value) {
    return new DiodeSenderConfig(
        rateBitsPerSecond,
        mtu,
        k,
        m,
        interleave,
        passes,
        heartbeatInterval,
        catalogInterval,
        announceEveryPackets,
        value);
  }

  /** Returns the blocks per outer block this config sends: {@link #outer} with auto resolved. */
  public int outerBlocks() {
    if (outer != OUTER_AUTO) {
      return outer;
    }
    return interleave > BlockLayout.OUTER_MAX ? 0 : BlockLayout.OUTER_MAX / interleave * interleave;
  }

  /**
   * Returns the symbol size the MTU allows: MTU minus IP, UDP and frame headers, rounded down to a
   * multiple of 64 as the bit-matrix FEC needs (1,408 bytes at MTU 1,500).
   */
  public int symbolSize() {
    return (mtu - overheadBytes())
        / CauchyBitMatrixCode.SYMBOL_ALIGN
        * CauchyBitMatrixCode.SYMBOL_ALIGN;
  }

  private static int overheadBytes() {
    return DiodeFrame.IP_UDP_OVERHEAD + DiodeFrame.FRAME_OVERHEAD;
  }

  static {
    // An announcement must fit whatever the MTU: checked once, here.
    if (MTU_MIN - overheadBytes() < Announcement.PAYLOAD_LENGTH_MAX) {
      throw new AssertionError("MTU_MIN too small for an announcement");
    }
  }
}
