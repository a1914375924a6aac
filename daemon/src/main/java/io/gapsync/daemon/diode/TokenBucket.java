package io.gapsync.daemon.diode;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces the sender to a rate in bits per second (docs/ARCHITECTURE.md, "The diode transport"): each
 * datagram costs its length plus {@link #WIRE_OVERHEAD_BYTES} of Ethernet, IP and UDP headers, and
 * may leave at most {@code burstBytes} ahead of the schedule. {@link #charge} books a datagram and
 * says how long the wait will be, {@link #await} waits: the sender flushes its batch in between
 * when the wait is long. A sender that has run the whole burst ahead waits until only half of it is
 * ahead: one wait per half burst (32 datagrams at the sender's burst of 64), not one for every
 * datagram, which at a gigabit would be a spin of about 12 us each, a core's worth of CPU. The link
 * still never gets more than the burst back to back, and the average rate is the schedule's. Waits
 * park the thread and spin only for the last {@link #SPIN_NANOS}, since a parked thread wakes up
 * late.
 */
final class TokenBucket {

  /** Ethernet (14) + IPv4 (20) + UDP (8) bytes the link carries for every datagram. */
  static final int WIRE_OVERHEAD_BYTES = 42;

  /** Below this much time left, spin instead of parking. */
  static final long SPIN_NANOS = 50_000;

  private final double nanosPerByte;
  private final long burstNanos;

  /** How far ahead of the schedule sending resumes after a wait: half the burst. */
  private final long resumeNanos;

  private long next;

  /**
   * Creates a bucket.
   *
   * @param bitsPerSecond the rate; 0 or less means unlimited
   * @param burstBytes how far ahead of the schedule sending may run
   */
  TokenBucket(long bitsPerSecond, long burstBytes) {
    this.nanosPerByte = bitsPerSecond <= 0 ? 0 : 8e9 / bitsPerSecond;
    this.burstNanos = (long) (burstBytes * nanosPerByte);
    this.resumeNanos = burstNanos / 2;
    this.next = System.nanoTime();
  }

  /**
   * Charges a datagram of {@code bytes} without waiting: the caller then calls {@link #await}
   * before it sends. Lets the sender see a long wait coming and flush its batch first.
   *
   * @return how long {@link #await} will wait, in nanoseconds; 0 or less for not at all
   */
  long charge(int bytes) {
    if (nanosPerByte == 0) {
      return 0;
    }
    long now = System.nanoTime();
    // Idle time earns nothing beyond the burst itself: the schedule restarts now, and sending may
    // run at most burstBytes ahead of it. (Restarting it burstNanos in the past, as before, let
    // twice the burst leave back to back after a pause.)
    if (now - next > 0) {
      next = now;
    }
    next += (long) ((bytes + WIRE_OVERHEAD_BYTES) * nanosPerByte);
    long over = next - now - burstNanos;
    return over > 0 ? next - now - resumeNanos : over;
  }

  /** Waits, if sending has run more than the burst ahead, until only half the burst is ahead. */
  void await() {
    if (nanosPerByte == 0 || next - System.nanoTime() - burstNanos <= 0) {
      return;
    }
    long wait = next - System.nanoTime() - resumeNanos;
    while (wait > 0) {
      if (wait > SPIN_NANOS) {
        LockSupport.parkNanos(wait - SPIN_NANOS);
      } else {
        Thread.onSpinWait();
      }
      wait = next - System.nanoTime() - resumeNanos;
    }
  }
}
