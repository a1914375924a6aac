package io.gapsync.daemon.diode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link OutboxSender} works: the one configuration object of the outbox loop, validated
 * once at creation (STYLE rule 9).
 *
 * @param outbox the export outbox to watch ({@code export --outbox DIR})
 * @param sender how each archive is sent (rate, MTU, FEC, passes)
 * @param settle how long an archive's files must stay unchanged before it is sent (a file copied in
 *     under its final name is still growing)
 * @param rescan how often the outbox is listed even without a file-system event (the fallback when
 *     events are lost: network file systems, an overflowing event queue)
 * @param retry how long an archive whose send failed waits before it is tried again
 * @param repeatLast how many of the newest archives sent are sent again, one at a time, while
 *     nothing new waits (0: none); a one-way link can lose a whole archive
 * @param repeatEvery the pause before each repeat
 */
public record OutboxSenderConfig(
    Path outbox,
    DiodeSenderConfig sender,
    Duration settle,
    Duration rescan,
    Duration retry,
    int repeatLast,
    Duration repeatEvery) {

  /** Default settle time: one second. */
  public static final Duration SETTLE_DEFAULT = Duration.ofSeconds(1);

  /** Default rescan interval: ten seconds (file-system events normally come first). */
  public static final Duration RESCAN_DEFAULT = Duration.ofSeconds(10);

  /** Default pause before a failed archive is tried again: one minute. */
  public static final Duration RETRY_DEFAULT = Duration.ofMinutes(1);

  /** Default number of archives repeated: none. */
  public static final int REPEAT_LAST_DEFAULT = 0;

  /** Default pause before each repeat: five minutes. */
  public static final Duration REPEAT_EVERY_DEFAULT = Duration.ofMinutes(5);

  /** Validates the settings. */
  public OutboxSenderConfig {
    Objects.requireNonNull(outbox, "outbox");
    Objects.requireNonNull(sender, "sender");
    for (Duration d : new Duration[] {settle, rescan, retry, repeatEvery}) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("Invalid duration " + d + ": expected 0 or more");
      }
    }
    if (rescan.isZero()) {
      throw new IllegalArgumentException("Invalid rescan interval 0: expected more than 0");
    }
    if (repeatLast < 0) {
      throw new IllegalArgumentException(
          "Invalid number of archives to repeat " + repeatLast + ": expected 0 or more");
    }
  }

  /** Returns the defaults for an outbox and a sender configuration. */
  public static OutboxSenderConfig defaults(Path outbox, DiodeSenderConfig sender) {
    return new OutboxSenderConfig(
        outbox,
        sender,
        SETTLE_DEFAULT,
        RESCAN_DEFAULT,
        RETRY_DEFAULT,
        REPEAT_LAST_DEFAULT,
        REPEAT_EVERY_DEFAULT);
  }

  /** Returns a copy with other settle, rescan and retry times. */
  public OutboxSenderConfig withTimes(Duration settleTime, Duration rescanEvery, Duration retryIn) {
    return new OutboxSenderConfig(
        outbox, sender, settleTime, rescanEvery, retryIn, repeatLast, repeatEvery);
  }

  /** Returns a copy that repeats the newest {@code count} archives, pausing {@code every}. */
  public OutboxSenderConfig withRepeat(int count, Duration every) {
    return new OutboxSenderConfig(outbox, sender, settle, rescan, retry, count, every);
  }
}
