package io.gapsync.daemon.diode;

import java.time.Duration;

/**
 * What one {@link DiodeSender#send} did.
 *
 * @param epoch the sender epoch the datagrams carried
 * @param objects objects sent
 * @param bytes their total size
 * @param passes passes over every object
 * @param packets datagrams sent, control frames included
 * @param payloadBytes datagram bytes sent (headers and trailers included)
 * @param elapsed wall time
 */
public record SendReport(
    int epoch,
    int objects,
    long bytes,
    int passes,
    long packets,
    long payloadBytes,
    Duration elapsed) {

  /** Returns the goodput: object bytes times passes over the elapsed time, in bits per second. */
  public double goodputBitsPerSecond() {
    double s = Math.max(1e-9, elapsed.toNanos() / 1e9);
    return bytes * (double) passes * 8 / s;
  }
}
