package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.Words;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiver's block buffers (docs/ARCHITECTURE.md, "The diode transport"): a block's symbols are
 * gathered in memory while its interleave group arrives, so a complete block is repaired without
 * reading anything back and reaches the data file in one write, instead of one write per symbol.
 *
 * <p>Bounded: at most {@code budgetBytes} of buffers exist. When none is free, symbols go to the
 * partial files one by one (the path every symbol took before buffers). Blocks idle for a while are
 * <i>evicted</i> at checkpoints: their symbols go to the partial files and the buffer is reused, so
 * what a crash can lose is only the blocks of the last moments, which the next pass sends again.
 *
 * <p>The worker thread owns the pool; the repair thread hands buffers back through {@link
 * #giveBack}, which the worker drains.
 */
final class BlockPool {

  /** Default budget: 128 MiB, at most a quarter of the heap. */
  static final long BUDGET_BYTES_DEFAULT =
      Math.min(128L << 20, Runtime.getRuntime().maxMemory() / 4);

  /**
   * The symbols of one block being received, as little-endian 64-bit words ({@link
   * io.gapsync.protocol.diode.Words}): the form the bit-matrix code decodes in place.
   */
  static final class Buffer {
    final int symbolSize;
    final long[][] shards;
    final boolean[] held;
    PartialObject owner;
    int block;
    int heldCount;
    long touched;

    Buffer(int symbols, int symbolSize) {
      this.symbolSize = symbolSize;
      this.shards = new long[symbols][Words.count(symbolSize)];
      this.held = new boolean[symbols];
    }

    long bytes() {
      return (long) shards.length * Words.count(symbolSize) * 8;
    }

    boolean fits(int symbols, int size) {
      return shards.length == symbols && symbolSize == size;
    }
  }

  private final long budgetBytes;
  private long allocatedBytes;
  private final ArrayDeque<Buffer> free = new ArrayDeque<>();
  private final LinkedHashSet<Buffer> open = new LinkedHashSet<>();
  private final ConcurrentLinkedQueue<Buffer> returned = new ConcurrentLinkedQueue<>();
  private final AtomicLong evictions;
  private final AtomicLong unbuffered;

  /**
   * Creates a pool.
   *
   * @param budgetBytes the most memory its buffers may take (0: no buffers)
   * @param evictions counts the blocks evicted (idle, or written out for an outer recovery or a
   *     stop)
   * @param unbuffered counts the symbols that found no buffer
   */
  BlockPool(long budgetBytes, AtomicLong evictions, AtomicLong unbuffered) {
    this.budgetBytes = budgetBytes;
    this.evictions = evictions;
    this.unbuffered = unbuffered;
  }

  /**
   * Returns a buffer for a block, or null if the budget is spent (the caller then writes the symbol
   * straight to the partial files, the path every symbol took before buffers). Open blocks are not
   * evicted to make room: when the budget is spent it is on blocks waiting for the repair thread
   * (it falls behind at high loss) or on blocks still arriving, and evicting those, as an earlier
   * version did, wrote whole blocks symbol by symbol for every new block: measured at 5 % loss and
   * 1 Gbit/s, 38,000 evictions slowed the worker until the ring overflowed. Blocks left behind are
   * evicted by {@link #evictIdle}.
   */
  Buffer open(PartialObject owner, int block, int symbols, int symbolSize, long now)
      throws IOException {
    drainReturned();
    Buffer b = null;
    for (Iterator<Buffer> it = free.iterator(); it.hasNext(); ) {
      Buffer f = it.next();
      if (f.fits(symbols, symbolSize)) {
        it.remove();
        b = f;
        break;
      }
    }
    long need = (long) symbols * symbolSize;
    if (b == null && allocatedBytes + need > budgetBytes) {
      // Free buffers of another shape are of no use now: let them go first.
      while (!free.isEmpty() && allocatedBytes + need > budgetBytes) {
        allocatedBytes -= free.poll().bytes();
      }
    }
    if (b == null && allocatedBytes + need <= budgetBytes) {
      b = new Buffer(symbols, symbolSize);
      allocatedBytes += b.bytes();
    }
    if (b == null) {
      unbuffered.incrementAndGet();
      return null;
    }
    Arrays.fill(b.held, false);
    b.heldCount = 0;
    b.owner = owner;
    b.block = block;
    b.touched = now;
    open.add(b);
    return b;
  }

  /** Returns how many blocks are open (being received in a buffer). */
  int openCount() {
    return open.size();
  }

  /** Takes a completed block's buffer out of the open set; it goes to the repair thread. */
  void detach(Buffer b) {
    open.remove(b);
  }

  /** Any thread: a buffer the repair thread is done with. */
  void giveBack(Buffer b) {
    returned.add(b);
  }

  /** Worker: frees the buffers handed back. */
  void drainReturned() {
    Buffer b;
    while ((b = returned.poll()) != null) {
      b.owner = null;
      free.add(b);
    }
  }

  /**
   * Evicts open blocks untouched since {@code before} (their symbols go to the partial files).
   *
   * @return how many were evicted
   * @throws IOException the first write that failed; every buffer is freed all the same
   */
  int evictIdle(long before) throws IOException {
    List<Buffer> idle = new ArrayList<>();
    for (Buffer b : open) {
      if (b.touched - before < 0) {
        idle.add(b);
      }
    }
    evict(idle);
    return idle.size();
  }

  /** Evicts every open block of one object (receiver shutdown, outer recovery). */
  void evictAll(PartialObject owner) throws IOException {
    evict(openOf(owner));
  }

  /**
   * Frees every open block of an object without writing anything: the object is complete (an outer
   * block still open is no longer needed) or its state is gone.
   */
  void discardAll(PartialObject owner) {
    for (Buffer b : openOf(owner)) {
      open.remove(b);
      b.owner.forget(b);
      b.owner = null;
      free.add(b);
    }
  }

  private List<Buffer> openOf(PartialObject owner) {
    List<Buffer> mine = new ArrayList<>();
    for (Buffer b : open) {
      if (b.owner == owner) {
        mine.add(b);
      }
    }
    return mine;
  }

  private void evict(List<Buffer> buffers) throws IOException {
    IOException first = null;
    for (Buffer b : buffers) {
      open.remove(b);
      try {
        b.owner.evict(b);
      } catch (IOException e) {
        b.owner.forget(b);
        if (first == null) {
          first = e;
        }
      } finally {
        b.owner = null;
        free.add(b);
        evictions.incrementAndGet();
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
