package io.gapsync.daemon.diode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of a {@link DiodeReceiver}, safe to read from any thread while it runs. Loss is counted
 * per sender epoch from packet sequences and the heartbeats' packet counters, so it is exact:
 * datagrams the sender sent minus datagrams that arrived, whatever dropped them (link, kernel
 * socket buffer, or the receive ring).
 */
public final class ReceiverStats {

  final AtomicLong datagrams = new AtomicLong();
  final AtomicLong ringOverflows = new AtomicLong();
  final AtomicLong symbols = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong unannounced = new AtomicLong();
  final AtomicLong afterComplete = new AtomicLong();
  final AtomicLong blocksRepaired = new AtomicLong();
  final AtomicLong blocksEvicted = new AtomicLong();
  final AtomicLong unbufferedSymbols = new AtomicLong();
  final AtomicLong blocksRestoredByOuter = new AtomicLong();
  final AtomicLong published = new AtomicLong();
  final AtomicLong beyondRepair = new AtomicLong();
  final AtomicLong resumedSymbols = new AtomicLong();
  final AtomicLong hashReadBackBytes = new AtomicLong();
  final AtomicLong publishReadBytes = new AtomicLong();
  final AtomicLong lastDatagramNanos = new AtomicLong();
  final AtomicLong flushes = new AtomicLong();
  final AtomicLong flushNanos = new AtomicLong();
  final Map<String, AtomicLong> rejected = new ConcurrentHashMap<>();
  final Map<Integer, long[]> epochs = new ConcurrentHashMap<>();

  /** Datagrams taken off the socket. */
  public long datagrams() {
    return datagrams.get();
  }

  /** Datagrams dropped because the worker fell behind the receive thread by a whole ring. */
  public long ringOverflows() {
    return ringOverflows.get();
  }

  /** Symbols stored. */
  public long symbols() {
    return symbols.get();
  }

  /** Symbols that were already stored or belonged to a block already complete. */
  public long duplicates() {
    return duplicates.get();
  }

  /** Symbols of objects whose announcement had not arrived (dropped). */
  public long unannounced() {
    return unannounced.get();
  }

  /** Datagrams of objects already published (later passes). */
  public long afterComplete() {
    return afterComplete.get();
  }

  /** Blocks restored from parity. */
  public long blocksRepaired() {
    return blocksRepaired.get();
  }

  /**
   * Blocks whose buffered symbols were written to the partial files before the block completed:
   * because the block went idle (loss beyond repair in this pass), or for an outer recovery or a
   * stop.
   */
  public long blocksEvicted() {
    return blocksEvicted.get();
  }

  /**
   * Symbols written straight to the partial files because every block buffer was taken (the repair
   * thread behind, or more blocks in flight than the budget holds): the slow path.
   */
  public long unbufferedSymbols() {
    return unbufferedSymbols.get();
  }

  /** Data blocks short of symbols restored from their outer group (and their outer block). */
  public long blocksRestoredByOuter() {
    return blocksRestoredByOuter.get();
  }

  /** Objects verified and published in the spool. */
  public long published() {
    return published.get();
  }

  /** Objects reported beyond repair. */
  public long beyondRepair() {
    return beyondRepair.get();
  }

  /** Symbols found on disk from before a restart. */
  public long resumedSymbols() {
    return resumedSymbols.get();
  }

  /**
   * Bytes read back from the partial data files during reception to hash blocks that were written
   * before an earlier block (completed out of order, restored from an outer group, or found on disk
   * after a restart), when the hash cursor reached them.
   */
  public long hashReadBackBytes() {
    return hashReadBackBytes.get();
  }

  /**
   * Bytes the publishes read back from the data files to complete the sha256: 0 when every block
   * was hashed as it was written; the blocks after one that waited for a later pass or an outer
   * recovery otherwise (the whole file only if hashing as written had to be given up).
   */
  public long publishReadBytes() {
    return publishReadBytes.get();
  }

  /**
   * Partial files flushed to disk ({@code fdatasync}) by the flush thread while objects were being
   * received, so a publish finds little left to flush ({@link DataFlusher}).
   */
  public long flushes() {
    return flushes.get();
  }

  /** Nanoseconds the flush thread spent in those flushes, summed. */
  public long flushNanos() {
    return flushNanos.get();
  }

  /** {@link System#nanoTime()} of the last datagram, or 0. */
  public long lastDatagramNanos() {
    return lastDatagramNanos.get();
  }

  /** Datagrams rejected, by reason ("crc", "magic", "version", "short", "malformed", "trust"). */
  public Map<String, Long> rejected() {
    Map<String, Long> out = new TreeMap<>();
    rejected.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Returns the datagrams the senders sent (as far as sequences and heartbeats show). */
  public long expected() {
    long n = 0;
    for (long[] e : epochs.values()) {
      synchronized (e) {
        n += Math.max(e[1] + 1, e[3]) - e[0];
      }
    }
    return n;
  }

  /** Returns the datagrams that arrived, summed over epochs. */
  public long received() {
    long n = 0;
    for (long[] e : epochs.values()) {
      synchronized (e) {
        n += e[2];
      }
    }
    return n;
  }

  /** Returns the loss as text: "lost of expected datagrams (percent)", summed over epochs. */
  public String lossText() {
    long expected = expected();
    long lost = Math.max(0, expected - received());
    return String.format(
        java.util.Locale.ROOT,
        "%d of %d datagrams (%.2f %%) in %d sender epoch(s)",
        lost,
        expected,
        expected == 0 ? 0.0 : 100.0 * lost / expected,
        epochs.size());
  }

  /** Counts a datagram of an epoch: {first, highest, received, senderCount}. */
  void count(int epoch, long sequence) {
    long[] e = epochs.computeIfAbsent(epoch, x -> new long[] {sequence, sequence, 0, 0});
    synchronized (e) {
      e[0] = Math.min(e[0], sequence);
      e[1] = Math.max(e[1], sequence);
      e[2]++;
    }
  }

  /** Records a heartbeat's packet counter. */
  void senderCount(int epoch, long packetsSent) {
    long[] e = epochs.get(epoch);
    if (e != null) {
      synchronized (e) {
        e[3] = Math.max(e[3], packetsSent);
      }
    }
  }

  void reject(String reason) {
    rejected.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public String toString() {
    return "datagrams="
        + datagrams()
        + " symbols="
        + symbols()
        + " repaired blocks="
        + blocksRepaired()
        + " restored by outer="
        + blocksRestoredByOuter()
        + " published="
        + published()
        + " beyond repair="
        + beyondRepair()
        + " ring overflows="
        + ringOverflows()
        + " evicted blocks="
        + blocksEvicted()
        + " unbuffered symbols="
        + unbufferedSymbols()
        + " publish re-read bytes="
        + publishReadBytes()
        + " flushes="
        + flushes()
        + String.format(java.util.Locale.ROOT, " (%.1f s)", flushNanos() / 1e9)
        + " rejected="
        + rejected()
        + " loss="
        + lossText();
  }
}
