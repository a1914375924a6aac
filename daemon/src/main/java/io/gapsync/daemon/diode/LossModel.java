package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.DiodeFrame;
import java.util.Random;

/**
 * Decides which datagrams a {@link LossInjectingSink} drops (STYLE rule 10, after Aeron's {@code
 * LossGenerator}). Deterministic for a given seed and packet order, so a test that fails replays
 * exactly. Not thread-safe: one per sink.
 */
@FunctionalInterface
public interface LossModel {

  /**
   * Decides the fate of one datagram.
   *
   * @param frame the datagram about to be sent (read only; its sequence, type, block and symbol)
   * @return true to drop it
   */
  boolean drop(DiodeFrame frame);

  /** Drops nothing. */
  static LossModel none() {
    return f -> false;
  }

  /**
   * Independent random loss.
   *
   * @param seed the seed
   * @param probability the chance each datagram is lost, 0 to 1
   */
  static LossModel random(long seed, double probability) {
    Random random = new Random(seed);
    return f -> random.nextDouble() < probability;
  }

  /**
   * Bursty loss: the two-state Gilbert-Elliott model. In the good state datagrams are lost with
   * {@code lossGood}, in the bad state with {@code lossBad}; after each datagram the state flips
   * with {@code goodToBad} or {@code badToGood}. The mean burst length is about {@code 1 /
   * badToGood}.
   */
  static LossModel gilbertElliott(
      long seed, double goodToBad, double badToGood, double lossGood, double lossBad) {
    Random random = new Random(seed);
    boolean[] bad = {false};
    return f -> {
      boolean lost = random.nextDouble() < (bad[0] ? lossBad : lossGood);
      if (random.nextDouble() < (bad[0] ? badToGood : goodToBad)) {
        bad[0] = !bad[0];
      }
      return lost;
    };
  }

  /**
   * Fixed gaps: drops every datagram whose sequence lies in one of the half-open ranges {@code
   * [from, to)}, given as pairs.
   */
  static LossModel gaps(long... fromTo) {
    if (fromTo.length % 2 != 0) {
      throw new IllegalArgumentException("gaps are pairs of from, to");
    }
    return f -> {
      long s = f.sequence();
      for (int i = 0; i < fromTo.length; i += 2) {
        if (s >= fromTo[i] && s < fromTo[i + 1]) {
          return true;
        }
      }
      return false;
    };
  }
}
