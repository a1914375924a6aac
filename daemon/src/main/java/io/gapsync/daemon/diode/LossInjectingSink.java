package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.DiodeFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Random;

/**
 * A {@link PacketSink} in front of another that drops datagrams as a {@link LossModel} says and
 * optionally reorders them: with probability {@code reorder} a datagram is held back and sent after
 * the next {@code depth} ones. Deterministic for fixed seeds. For tests and benchmarks.
 */
public final class LossInjectingSink implements PacketSink {

  private final PacketSink next;
  private final LossModel loss;
  private final Random random;
  private final double reorder;
  private final int depth;
  private final DiodeFrame frame = new DiodeFrame();
  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private long sent;
  private long dropped;

  private record Held(ByteBuffer bytes, long releaseAt) {}

  /**
   * Creates an injector.
   *
   * @param next where surviving datagrams go (closed with this)
   * @param loss which datagrams to drop
   * @param seed seed of the reordering choice
   * @param reorder chance a datagram is held back, 0 for none
   * @param depth how many later datagrams overtake a held one
   */
  public LossInjectingSink(PacketSink next, LossModel loss, long seed, double reorder, int depth) {
    this.next = next;
    this.loss = loss;
    this.random = new Random(seed);
    this.reorder = reorder;
    this.depth = depth;
  }

  @Override
  public void send(ByteBuffer datagram) throws IOException {
    frame.wrap(datagram, datagram.position(), datagram.remaining());
    if (loss.drop(frame)) {
      dropped++;
      return;
    }
    sent++;
    if (reorder > 0 && random.nextDouble() < reorder) {
      ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
      copy.put(datagram.duplicate()).flip();
      held.add(new Held(copy, sent + depth));
    } else {
      next.send(datagram);
    }
    while (!held.isEmpty() && held.peek().releaseAt() <= sent) {
      next.send(held.poll().bytes());
    }
  }

  /**
   * Passes the flush on. Held-back datagrams stay held: they are released by the datagrams that
   * overtake them, or by {@link #close}.
   */
  @Override
  public void flush() throws IOException {
    next.flush();
  }

  /** Returns how many datagrams the loss model dropped. */
  public long dropped() {
    return dropped;
  }

  @Override
  public void close() throws IOException {
    try {
      while (!held.isEmpty()) {
        next.send(held.poll().bytes());
      }
    } finally {
      next.close();
    }
  }
}
