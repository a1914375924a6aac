package io.gapsync.protocol.diode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The HEARTBEAT payload (docs/FORMAT.md section 5.3), sent about once a second and after the last
 * pass: how many datagrams the sender has sent in this epoch, including this one. Comparing it with
 * what arrived gives the receiver an exact loss count, even when a transfer's last packets are the
 * ones lost.
 *
 * <p>Payload, big-endian: packets sent u64, rate in bits/s u64, current pass u32, passes u32.
 *
 * @param packetsSent datagrams sent in this epoch so far, this one included
 * @param rateBitsPerSecond the sender's configured rate
 * @param pass the pass in progress (1-based), or the last one when done
 * @param passes the passes planned
 */
public record Heartbeat(long packetsSent, long rateBitsPerSecond, int pass, int passes) {

  /** Length of the payload. */
  public static final int LENGTH = 24;

  /** Writes the payload at an absolute index; returns its length. */
  public int encode(ByteBuffer buffer, int offset) {
    buffer
        .order(ByteOrder.BIG_ENDIAN)
        .putLong(offset, packetsSent)
        .putLong(offset + 8, rateBitsPerSecond)
        .putInt(offset + 16, pass)
        .putInt(offset + 20, passes);
    return LENGTH;
  }

  /**
   * Reads a payload.
   *
   * @throws DiodeException if the length is wrong
   */
  public static Heartbeat decode(ByteBuffer buffer, int offset, int length) {
    if (length != LENGTH) {
      throw new DiodeException("Diode heartbeat is " + length + " bytes, expected " + LENGTH);
    }
    ByteBuffer b = buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    return new Heartbeat(
        b.getLong(offset), b.getLong(offset + 8), b.getInt(offset + 16), b.getInt(offset + 20));
  }
}
