package io.gapsync.daemon.registry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out request ids: a prefix chosen when the registry starts, then a counter ({@code
 * 3f9a1c-1}, {@code 3f9a1c-2}, ...). The prefix tells apart the ids of different runs in one log;
 * the counter keeps ids unique within a run and cheap. Thread-safe.
 */
final class RequestIds {

  private final String prefix;
  private final AtomicLong next = new AtomicLong();

  /**
   * @param prefix the run's prefix (from the injected randomness, or fixed in tests)
   */
  RequestIds(String prefix) {
    this.prefix = prefix;
  }

  /** Returns a prefix of six hex digits from the given random bits. */
  static String prefixOf(long random) {
    return String.format("%06x", random & 0xFFFFFFL);
  }

  /** Returns the next id. */
  String next() {
    return prefix + "-" + Long.toHexString(next.incrementAndGet());
  }
}
