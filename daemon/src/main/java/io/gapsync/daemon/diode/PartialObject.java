package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.BlockLayout;
import io.gapsync.protocol.diode.ErasureCode;
import io.gapsync.protocol.diode.Words;
import io.gapsync.protocol.trust.TrustPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * One object being received, persisted in {@code SPOOL/.diode-partial/<sha256 hex>/}
 * (docs/FORMAT.md section 5.5) so a restart of either side resumes: {@code announce.bin} (the
 * signed announcement as received), {@code data} (data symbols in place, a sparse file), {@code
 * parity} (parity symbols in place) and {@code received.bits} (which symbols arrived, written by
 * atomic rename).
 *
 * <p>While a block is being received its symbols sit in a {@link BlockPool} buffer; when it has
 * enough, {@link #completeBlock} (repair thread) repairs it in memory and writes its data in one
 * write. A block evicted from the pool, or received while no buffer was free, has its symbols
 * written one by one instead. The bitmap claims only what the files hold durably: data is written
 * and flushed before the bitmap that claims it is saved, so neither a crash nor a power loss claims
 * a symbol it lacks (the bitmap file itself is not forced: after a power loss it may be an older
 * one, which claims less; the digest check stays the last line), and a crash loses at most the
 * buffered blocks and what arrived since the last flush, which the next pass sends again.
 *
 * <p>The files are flushed while the object is received, not all at the publish: the receiver's
 * flush thread ({@link DataFlusher}) calls {@link #flush} about once per checkpoint interval, which
 * forces ({@code fdatasync}) the files written since their last flush and only then saves the
 * bitmap the last {@link #checkpoint} handed over. So the saved bitmap claims only symbols whose
 * bytes reached the disk, and the publish's own flush finds little left to write.
 *
 * <p>The worker thread owns the bitmap, counts and open buffers; {@link #completeBlock} and {@link
 * #publish} run on the repair thread, on blocks the worker no longer touches, and report written
 * blocks back through a queue the worker drains ({@link #drainWritten}). FileChannel positional I/O
 * is safe across the two.
 *
 * <p>The object's sha256 is computed on the repair thread as its blocks are written ({@link
 * HashCursor}, which the repair thread owns; the worker only reports blocks it settles to it), so
 * {@link #publish} reads back only what was not hashed yet, normally nothing.
 */
final class PartialObject {

  static final String ANNOUNCE = "announce.bin";
  static final String DATA = "data";
  static final String PARITY = "parity";
  static final String OUTER = "outer";
  static final String BITS = "received.bits";
  static final String DONE_SUFFIX = ".done";

  final Announcement announcement;
  final BlockLayout layout;
  final Path dir;
  private final FileChannel data;
  private final FileChannel parity;
  private final FileChannel outer;
  private final BitSet bits;
  private final int[] counts;
  private final BitSet done;
  private final int stride;
  private final BlockPool pool;
  private final BlockPool.Buffer[] buffers;
  private final ConcurrentLinkedQueue<Integer> written = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Integer> outerDone = new ConcurrentLinkedQueue<>();
  private final HashCursor hash;
  // Repair thread: set by publish; later hashing work for this object is dropped.
  private boolean published;
  private int blocksDone;
  private boolean dirty;

  // Set by whichever thread wrote a file, after the write; cleared by the flush thread just before
  // it forces that file. A write that lands during a force sets it again for the next flush.
  private final AtomicBoolean dataUnflushed = new AtomicBoolean();
  private final AtomicBoolean parityUnflushed = new AtomicBoolean();
  private final AtomicBoolean outerUnflushed = new AtomicBoolean();
  // The bitmap as of the last checkpoint (worker), for the flush thread to save after a flush.
  private final AtomicReference<byte[]> pendingBits = new AtomicReference<>();
  // Guards saving the bitmap file against the publish or close: once closed is set (under the
  // lock) nothing writes in the folder any more, which the publish then deletes.
  private final Object bitsLock = new Object();
  private volatile boolean closed;

  private PartialObject(Path dir, Announcement a, BitSet bits, BlockPool pool) throws IOException {
    this.dir = dir;
    this.pool = pool;
    this.announcement = a;
    this.layout = a.layout();
    this.stride = layout.k() + layout.m();
    this.data =
        FileChannel.open(
            dir.resolve(DATA),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    this.parity =
        FileChannel.open(
            dir.resolve(PARITY),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    this.bits = bits;
    this.outer =
        layout.outer() == 0
            ? null
            : FileChannel.open(
                dir.resolve(OUTER),
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    int blocks = layout.totalBlocks();
    this.counts = new int[blocks];
    this.done = new BitSet(blocks);
    this.buffers = new BlockPool.Buffer[blocks];
    // Bits beyond the layout (a damaged file) are dropped rather than trusted.
    bits.clear((int) Math.min(Integer.MAX_VALUE, (long) blocks * stride), Integer.MAX_VALUE);
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      counts[i / stride]++;
    }
    this.hash = new HashCursor(layout, data);
  }

  /** Returns the folder of an object's partial state. */
  static Path dirOf(Path partialRoot, Announcement a) {
    return partialRoot.resolve(a.digest().hex());
  }

  /** Creates the state of a newly announced object. */
  static PartialObject create(Path partialRoot, Announcement a, byte[] payload, BlockPool pool)
      throws IOException {
    Path dir = dirOf(partialRoot, a);
    Files.createDirectories(dir);
    Path tmp = dir.resolve(ANNOUNCE + ".tmp");
    Files.write(tmp, payload);
    Files.move(tmp, dir.resolve(ANNOUNCE), StandardCopyOption.ATOMIC_MOVE);
    return new PartialObject(dir, a, new BitSet(), pool);
  }

  /**
   * Opens the state left by an earlier run, re-verifying the announcement against today's trust.
   *
   * @throws IOException if it cannot be read
   * @throws RuntimeException (DiodeException, TrustException) if it is no longer acceptable
   */
  static PartialObject open(Path dir, TrustPolicy trust, BlockPool pool) throws IOException {
    byte[] payload = Files.readAllBytes(dir.resolve(ANNOUNCE));
    Announcement a = Announcement.decode(ByteBuffer.wrap(payload), 0, payload.length);
    a.verify(trust);
    Path bitsFile = dir.resolve(BITS);
    BitSet bits =
        Files.exists(bitsFile) ? BitSet.valueOf(Files.readAllBytes(bitsFile)) : new BitSet();
    return new PartialObject(dir, a, bits, pool);
  }

  /** Returns how many symbols the bitmap holds. */
  long symbolsHeld() {
    return bits.cardinality();
  }

  /** Returns whether a block has as many symbols as it has data symbols (repairable or whole). */
  boolean blockDone(int block) {
    return done.get(block);
  }

  /** Returns whether every block is done. */
  boolean complete() {
    return blocksDone == layout.blockCount();
  }

  /**
   * Marks blocks that already have enough symbols done (after {@link #open}).
   *
   * <p>The digest starts again at block 0 (its state is never saved): blocks whose data the files
   * already hold whole are settled, and the repair thread reads them back when its hash cursor
   * reaches them, spread over the reception instead of all at the publish; the others are hashed
   * when their repair writes them.
   *
   * @return the blocks that need a repair
   */
  List<Integer> settle() {
    List<Integer> repairs = new ArrayList<>();
    for (int b = 0; b < counts.length; b++) {
      if (!done.get(b) && counts[b] >= layout.dataSymbols(b)) {
        markDone(b);
        if (needsRepair(b)) {
          repairs.add(b);
        } else {
          hash.settled(b);
        }
      }
    }
    return repairs;
  }

  /**
   * Stores one symbol: in the block's buffer while the block is being received, or straight in the
   * partial files when the pool has no buffer to give.
   *
   * @param now the worker's clock (nanoseconds), for idle eviction
   * @return -1 if it was not needed (a duplicate or its block is done), 0 if stored, 1 if it
   *     completed the block (the caller then hands the block to {@link #completeBlock})
   */
  int accept(int block, int symbol, ByteBuffer buffer, int offset, int length, long now)
      throws IOException {
    int index = block * stride + symbol;
    if (done.get(block) || bits.get(index)) {
      return -1;
    }
    BlockPool.Buffer open = buffers[block];
    if (open == null) {
      open = pool.open(this, block, stride, layout.symbolSize(), now);
      buffers[block] = open;
    }
    if (open != null) {
      if (open.held[symbol]) {
        return -1;
      }
      Words.fromBuffer(buffer, offset, length, open.shards[symbol]);
      open.held[symbol] = true;
      open.heldCount++;
      open.touched = now;
    } else {
      write(block, symbol, buffer.duplicate().limit(offset + length).position(offset));
      bits.set(index);
      dirty = true;
    }
    if (++counts[block] < layout.dataSymbols(block)) {
      return 0;
    }
    markDone(block);
    return 1;
  }

  /** Writes one symbol at its place in the data or parity file. */
  private void write(int block, int symbol, ByteBuffer src) throws IOException {
    int k = layout.dataSymbols(block);
    long at =
        symbol < k
            ? dataAt(block, symbol)
            : ((long) block * layout.m() + (symbol - k)) * layout.symbolSize();
    writeFully(symbol < k ? dataFile(block) : parity, src, at);
  }

  /**
   * Writes a block's first {@code k} data symbols, held as words, with one write from {@code into}
   * (cleared first; at least {@code k * symbolSize} bytes).
   */
  private void writeData(int block, long[][] words, int k, ByteBuffer into) throws IOException {
    int t = layout.symbolSize();
    into.clear();
    for (int s = 0; s < k; s++) {
      Words.toBuffer(words[s], t, into);
    }
    writeFully(dataFile(block), into.flip(), dataAt(block, 0));
  }

  /** The file a block's data symbols live in: the object's data, or the outer blocks' file. */
  private FileChannel dataFile(int block) {
    return layout.isOuter(block) ? outer : data;
  }

  /** Where a block's data symbol lives in {@link #dataFile}. */
  private long dataAt(int block, int symbol) {
    return layout.isOuter(block)
        ? ((long) (block - layout.blockCount()) * layout.k() + symbol) * layout.symbolSize()
        : layout.dataOffset(block, symbol);
  }

  /**
   * Worker, called by the {@link BlockPool}: writes an open block's symbols to the partial files
   * one by one and forgets its buffer (the pool reuses it).
   */
  void evict(BlockPool.Buffer b) throws IOException {
    int base = b.block * stride;
    ByteBuffer bytes = ByteBuffer.allocate(b.symbolSize);
    for (int s = 0; s < b.held.length; s++) {
      if (b.held[s]) {
        Words.toBuffer(b.shards[s], b.symbolSize, bytes.clear());
        write(b.block, s, bytes.flip());
        bits.set(base + s);
      }
    }
    dirty = true;
    buffers[b.block] = null;
  }

  /** Worker, called by the {@link BlockPool}: forgets a buffer without writing it. */
  void forget(BlockPool.Buffer b) {
    if (buffers[b.block] == b) {
      buffers[b.block] = null;
    }
  }

  /**
   * Worker: takes a completed block's buffer (null if it has none) out of the pool, for {@link
   * #completeBlock}.
   */
  BlockPool.Buffer detach(int block) {
    BlockPool.Buffer b = buffers[block];
    if (b != null) {
      buffers[block] = null;
      pool.detach(b);
    }
    return b;
  }

  /**
   * Worker: whether a completed block still has work on the repair thread (a buffer or a repair).
   */
  boolean needsCompletion(int block, BlockPool.Buffer buffer) {
    return buffer != null || needsRepair(block);
  }

  /** Worker: claims in the bitmap the data symbols of blocks the repair thread has written. */
  void drainWritten() {
    Integer block;
    while ((block = written.poll()) != null) {
      int base = block * stride;
      bits.set(base, base + layout.dataSymbols(block));
      dirty = true;
    }
  }

  private void markDone(int block) {
    done.set(block);
    if (!layout.isOuter(block)) {
      blocksDone++;
    }
  }

  private boolean needsRepair(int block) {
    int base = block * stride;
    int k = layout.dataSymbols(block);
    return bits.nextClearBit(base) < base + k;
  }

  /**
   * Worker: hands a copy of the bitmap, if it changed, to the flush thread, which saves it once the
   * files hold durably what it claims ({@link #flush}). No I/O: the worker never waits for a disk.
   * Every symbol it claims was written before this call (by the worker itself, or by the repair
   * thread before it queued the block in {@link #drainWritten}'s queue), so a flush that starts
   * after it covers them.
   */
  void checkpoint() {
    drainWritten();
    if (!dirty) {
      return;
    }
    pendingBits.set(bits.toByteArray());
    dirty = false;
  }

  /**
   * Flush thread: forces ({@code fdatasync}) the files written since their last flush, then saves
   * (atomic rename) the bitmap the last {@link #checkpoint} handed over, so the saved bitmap claims
   * only symbols whose bytes are on disk. Does nothing once the object is published or closed.
   *
   * <p>No lock is held while forcing, so a publish never waits for this flush: a publish that
   * starts meanwhile runs its own {@code force(true)} (which needs the same pages written anyway)
   * and closes the files; closing a {@link FileChannel} waits for a force in progress on it to
   * return, and a force after the close fails with {@link ClosedChannelException}, ignored here.
   * The flush thread must never be interrupted: an interrupt closes the channel it is forcing.
   *
   * @param stats counts the forces and their time
   * @throws IOException if a force or the bitmap write fails (the bitmap is kept for the next try)
   */
  void flush(ReceiverStats stats) throws IOException {
    if (closed) {
      return;
    }
    byte[] snapshot = pendingBits.getAndSet(null);
    try {
      force(data, dataUnflushed, stats);
      force(parity, parityUnflushed, stats);
      if (outer != null) {
        force(outer, outerUnflushed, stats);
      }
    } catch (ClosedChannelException e) {
      if (closed) {
        return; // published or closed meanwhile: its own flush covers the data
      }
      throw e;
    } catch (IOException e) {
      // Not saved unflushed; a newer bitmap handed over meanwhile claims more and wins.
      if (snapshot != null) {
        pendingBits.compareAndSet(null, snapshot);
      }
      throw e;
    }
    if (snapshot != null) {
      // Only the small bitmap write is under the lock: a publish waits at most for that.
      synchronized (bitsLock) {
        if (!closed) {
          try {
            writeBits(snapshot);
          } catch (IOException e) {
            pendingBits.compareAndSet(null, snapshot);
            throw e;
          }
        }
      }
    }
  }

  /** Whether the object was published or closed (the flush thread then forgets it). */
  boolean closed() {
    return closed;
  }

  /** Forces a file if it was written since its last force. */
  private static void force(FileChannel ch, AtomicBoolean unflushed, ReceiverStats stats)
      throws IOException {
    if (!unflushed.getAndSet(false)) {
      return;
    }
    long start = System.nanoTime();
    try {
      ch.force(false);
    } catch (IOException e) {
      unflushed.set(true);
      throw e;
    }
    if (stats != null) {
      stats.flushes.incrementAndGet();
      stats.flushNanos.addAndGet(System.nanoTime() - start);
    }
  }

  private void writeBits(byte[] snapshot) throws IOException {
    Path tmp = dir.resolve(BITS + ".tmp");
    Files.write(tmp, snapshot);
    Files.move(tmp, dir.resolve(BITS), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Returns the blocks short of symbols and how many each still needs. */
  List<int[]> missing() {
    List<int[]> out = new ArrayList<>();
    for (int b = 0; b < layout.blockCount(); b++) {
      if (!done.get(b)) {
        out.add(new int[] {b, layout.dataSymbols(b) - counts[b]});
      }
    }
    return out;
  }

  /**
   * Completes a block on the repair thread: gathers its symbols (from its buffer, and from the
   * partial files for those written there earlier), restores missing data symbols from parity and
   * writes the block's data in one write, then reports the block written to the worker.
   *
   * @param present which of the block's symbols arrived (data then parity), buffered or on disk; a
   *     snapshot taken by the worker when the block completed
   * @param buffer the block's buffer, or null if all its symbols are on disk
   * @param scratch a direct buffer of at least {@code k * symbolSize} bytes, the repair thread's
   * @return whether missing data symbols had to be restored
   */
  boolean completeBlock(
      int block, boolean[] present, BlockPool.Buffer buffer, ErasureCode rs, ByteBuffer scratch)
      throws IOException {
    int k = layout.dataSymbols(block);
    int t = layout.symbolSize();
    int m = layout.m();
    long[][] shards = buffer != null ? buffer.shards : new long[k + m][Words.count(t)];
    boolean[] onDisk = new boolean[present.length];
    boolean dataOnDisk = false;
    boolean parityOnDisk = false;
    for (int s = 0; s < present.length; s++) {
      onDisk[s] = present[s] && (buffer == null || !buffer.held[s]);
      dataOnDisk |= onDisk[s] && s < k;
      parityOnDisk |= onDisk[s] && s >= k;
    }
    // At most two reads per block, not one per symbol: a block's data symbols are contiguous in
    // the data file and its parity symbols in the parity file.
    if (dataOnDisk || parityOnDisk) {
      ByteBuffer run = ByteBuffer.allocate(Math.max(k, m) * t);
      if (dataOnDisk) {
        readFully(dataFile(block), run.array(), dataAt(block, 0), k * t);
        for (int s = 0; s < k; s++) {
          if (onDisk[s]) {
            Words.fromBuffer(run, s * t, t, shards[s]);
          }
        }
      }
      if (parityOnDisk) {
        readFully(parity, run.array(), (long) block * m * t, m * t);
        for (int i = 0; i < m; i++) {
          if (onDisk[k + i]) {
            Words.fromBuffer(run, i * t, t, shards[k + i]);
          }
        }
      }
    }
    boolean repaired = rs.decodeWords(shards, present, k, t) > 0;
    writeData(block, shards, k, scratch);
    // Final: the worker marked the block done before handing it over and never writes it again.
    hash.completed(block, scratch);
    written.add(block);
    return repaired;
  }

  /**
   * What the worker knows of one outer group when a recovery starts: its members (the data blocks,
   * then the outer block), which are done, and for the others which symbols the files hold.
   */
  record OuterGroup(int group, int[] members, boolean[] done, boolean[][] present) {}

  /** Most members of one group that may be short for a recovery to be tried (bounds memory). */
  static final int OUTER_SHORT_MAX = 16;

  /**
   * Worker: evicts this object's open blocks (so the files hold every symbol received) and
   * snapshots the outer groups that have a data block short of symbols.
   */
  List<OuterGroup> outerGroups() throws IOException {
    List<OuterGroup> out = new ArrayList<>();
    if (layout.outer() == 0) {
      return out;
    }
    pool.evictAll(this);
    for (int q = 0; q < layout.outerCount(); q++) {
      int first = layout.outerFirst(q);
      int end = layout.outerEnd(q);
      if (done.nextClearBit(first) >= end) {
        continue;
      }
      int n = end - first + 1;
      int[] members = new int[n];
      boolean[] memberDone = new boolean[n];
      boolean[][] present = new boolean[n][];
      for (int i = 0; i < n; i++) {
        members[i] = i < n - 1 ? first + i : layout.blockCount() + q;
        memberDone[i] = done.get(members[i]);
        if (!memberDone[i]) {
          present[i] = present(members[i], null);
        }
      }
      out.add(new OuterGroup(q, members, memberDone, present));
    }
    return out;
  }

  /**
   * Repair thread: restores short data blocks of outer groups from the column relation (the XOR of
   * a group's blocks and its outer block is zero at every data position), then each block with
   * enough symbols by its own parity, in rounds until nothing more can be done. Restored data
   * blocks are written and reported to the worker ({@link #drainOuterDone}).
   *
   * @return the data blocks restored
   */
  List<Integer> recoverOuter(List<OuterGroup> groups, ErasureCode rs) throws IOException {
    List<Integer> restored = new ArrayList<>();
    for (OuterGroup g : groups) {
      restored.addAll(recoverGroup(g, rs));
    }
    outerDone.addAll(restored);
    return restored;
  }

  private List<Integer> recoverGroup(OuterGroup g, ErasureCode rs) throws IOException {
    int n = g.members().length;
    int k = layout.k();
    int m = layout.m();
    int t = layout.symbolSize();
    int words = Words.count(t);
    // A member the worker has settled since its snapshot (an earlier recovery restored it) is
    // done: its data is final, may already be hashed, and must not be written again.
    boolean[] done = g.done().clone();
    int shortCount = 0;
    for (int i = 0; i < n; i++) {
      done[i] |= hash.isFinal(g.members()[i]);
      shortCount += done[i] ? 0 : 1;
    }
    if (shortCount > OUTER_SHORT_MAX) {
      return List.of();
    }
    // sum[p]: XOR of data symbol p of every member that knows it; unknown[p]: how many do not.
    long[][] sum = new long[k][words];
    int[] unknown = new int[k];
    // Short members: their data words and which positions they know.
    long[][][] rows = new long[n][][];
    boolean[][] known = new boolean[n][];
    ByteBuffer run = ByteBuffer.allocate(k * t);
    long[] word = new long[words];
    for (int i = 0; i < n; i++) {
      int member = g.members()[i];
      int kb = layout.dataSymbols(member);
      readFully(dataFile(member), run.array(), dataAt(member, 0), kb * t);
      if (!done[i]) {
        rows[i] = new long[k + m][words];
        known[i] = new boolean[k];
      }
      for (int p = 0; p < k; p++) {
        // Positions past a short block's data are zeros: known, and add nothing.
        boolean has = p >= kb || done[i] || g.present()[i][p];
        if (!has) {
          unknown[p]++;
          continue;
        }
        if (p < kb) {
          long[] into = done[i] ? word : rows[i][p];
          Words.fromBuffer(run, p * t, t, into);
          xor(sum[p], into);
        }
        if (known[i] != null) {
          known[i][p] = true;
        }
      }
    }
    List<Integer> restored = new ArrayList<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < n; i++) {
        if (rows[i] == null) {
          continue;
        }
        int member = g.members()[i];
        int kb = layout.dataSymbols(member);
        for (int p = 0; p < kb; p++) {
          if (!known[i][p] && unknown[p] == 1) {
            // Every other member knows p: this one's symbol is the XOR of theirs.
            System.arraycopy(sum[p], 0, rows[i][p], 0, words);
            xor(sum[p], rows[i][p]);
            known[i][p] = true;
            unknown[p] = 0;
            progress = true;
          }
        }
        int knownData = countTrue(known[i], kb);
        if (knownData < kb) {
          boolean[] present = new boolean[kb + m];
          int have = knownData;
          for (int p = 0; p < kb; p++) {
            present[p] = known[i][p];
          }
          for (int j = 0; j < m; j++) {
            present[kb + j] = g.present()[i][kb + j];
            have += present[kb + j] ? 1 : 0;
          }
          if (have < kb) {
            continue;
          }
          // Enough with its own parity now: restore the rest of its data.
          readParity(member, kb, present, rows[i]);
          long[][] shards = new long[kb + m][];
          for (int s = 0; s < kb + m; s++) {
            shards[s] = rows[i][s < kb ? s : k + (s - kb)];
          }
          rs.decodeWords(shards, present, kb, t);
          for (int p = 0; p < kb; p++) {
            if (!known[i][p]) {
              known[i][p] = true;
              unknown[p]--;
              xor(sum[p], rows[i][p]);
            }
          }
        }
        // Whole: write the data and stop tracking the member. Not final until the worker takes
        // the result in (drainOuterDone): it may still write symbols of the block meanwhile.
        writeData(member, rows[i], kb, run);
        hash.restored(member);
        rows[i] = null;
        if (!layout.isOuter(member)) {
          restored.add(member);
        }
        progress = true;
      }
    }
    return restored;
  }

  /** Reads the parity symbols a block holds into {@code row[k ..]}. */
  private void readParity(int block, int kb, boolean[] present, long[][] row) throws IOException {
    int m = layout.m();
    int t = layout.symbolSize();
    ByteBuffer run = ByteBuffer.allocate(m * t);
    readFully(parity, run.array(), (long) block * m * t, m * t);
    for (int j = 0; j < m; j++) {
      if (present[kb + j]) {
        Words.fromBuffer(run, j * t, t, row[layout.k() + j]);
      }
    }
  }

  private static int countTrue(boolean[] b, int n) {
    int c = 0;
    for (int i = 0; i < n; i++) {
      c += b[i] ? 1 : 0;
    }
    return c;
  }

  private static void xor(long[] into, long[] from) {
    for (int i = 0; i < into.length; i++) {
      into[i] ^= from[i];
    }
  }

  /**
   * Worker: marks done the data blocks the repair thread restored from their outer group, their
   * data symbols claimed in the bitmap (the data is written).
   *
   * @return whether any block became done
   */
  boolean drainOuterDone() {
    boolean any = false;
    Integer block;
    while ((block = outerDone.poll()) != null) {
      if (done.get(block)) {
        continue;
      }
      int base = block * stride;
      int k = layout.dataSymbols(block);
      bits.set(base, base + k);
      counts[block] = Math.max(counts[block], k);
      dirty = true;
      BlockPool.Buffer b = detach(block);
      if (b != null) {
        pool.giveBack(b);
      }
      markDone(block);
      // Done: nothing writes the block again, so the repair thread may hash it.
      hash.settled(block);
      any = true;
    }
    return any;
  }

  /** Returns which of a block's symbols are present, buffered or on disk (data, then parity). */
  boolean[] present(int block, BlockPool.Buffer buffer) {
    int k = layout.dataSymbols(block);
    boolean[] p = new boolean[k + layout.m()];
    for (int s = 0; s < p.length; s++) {
      p[s] = bits.get(block * stride + s) || (buffer != null && buffer.held[s]);
    }
    return p;
  }

  /**
   * Repair thread: whether blocks written ahead of the hash cursor can now be hashed ({@link
   * #hashAhead} has work). False once the object is published.
   */
  boolean hashBehind() {
    return !published && hash.behind();
  }

  /**
   * Repair thread: hashes up to {@code maxBlocks} blocks at the hash cursor that were written ahead
   * of it, read back from the data file through {@code buffer}.
   *
   * @return the bytes read back
   */
  long hashAhead(ByteBuffer buffer, int maxBlocks) throws IOException {
    return published ? 0 : hash.catchUp(buffer, maxBlocks);
  }

  /** Repair thread: the bytes {@link #publish} read back to complete the digest. */
  long publishReadBytes() {
    return hash.finishReadBytes();
  }

  /**
   * Verifies the object and moves it into the spool. Runs on the repair thread after every repair.
   * The sha256 was computed as the blocks were written ({@link HashCursor}); only what was not
   * hashed yet is read back here.
   *
   * @return the published file
   * @throws IOException if the digest does not match (the state is deleted) or I/O fails
   */
  Path publish(Path spool) throws IOException {
    synchronized (bitsLock) {
      closed = true; // the flush thread leaves the folder alone from here on
    }
    published = true;
    long size;
    byte[] digest;
    try {
      // Still needed before the rename; the flush thread has written most pages already.
      data.force(true);
      data.truncate(layout.size());
      size = data.size();
      digest = hash.finish(ByteBuffer.allocate((int) Math.min(1 << 20, layout.blockBytes())), size);
    } finally {
      data.close();
      parity.close();
      if (outer != null) {
        outer.close();
      }
    }
    Path file = dir.resolve(DATA);
    String hex = HexFormat.of().formatHex(digest);
    if (size != layout.size() || !hex.equals(announcement.digest().hex())) {
      deleteState();
      throw new IOException(
          "Tried to publish "
              + announcement.name()
              + " received over the diode but failed because its content hashes to sha256:"
              + hex
              + " ("
              + size
              + " bytes), not the announced "
              + announcement.digest()
              + " ("
              + layout.size()
              + " bytes); the partial state was deleted and the next pass starts afresh");
    }
    Path target = spool.resolve(announcement.name());
    if (Files.exists(target)) {
      target =
          spool.resolve(announcement.digest().hex().substring(0, 12) + "-" + announcement.name());
    }
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    Files.createFile(dir.resolveSibling(dir.getFileName() + DONE_SUFFIX));
    deleteState();
    return target;
  }

  /**
   * Closes the files without publishing (receiver shutdown, after the worker and the repair thread
   * have stopped, and the flush thread): writes the open blocks' symbols, flushes the files and
   * saves the bitmap.
   */
  void close() throws IOException {
    try {
      pool.evictAll(this);
      drainWritten();
      force(data, dataUnflushed, null);
      force(parity, parityUnflushed, null);
      if (outer != null) {
        force(outer, outerUnflushed, null);
      }
      synchronized (bitsLock) {
        if (pendingBits.getAndSet(null) != null || dirty) {
          writeBits(bits.toByteArray());
          dirty = false;
        }
        closed = true;
      }
    } finally {
      closed = true;
      data.close();
      parity.close();
      if (outer != null) {
        outer.close();
      }
    }
  }

  private void deleteState() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** Writes at a place in one of the files and marks the file for the next flush. */
  private void writeFully(FileChannel ch, ByteBuffer src, long at) throws IOException {
    while (src.hasRemaining()) {
      at += ch.write(src, at);
    }
    // After the write: a flush that clears the mark first then forces it too.
    (ch == data ? dataUnflushed : ch == parity ? parityUnflushed : outerUnflushed).set(true);
  }

  private static void readFully(FileChannel ch, byte[] into, long at, int length)
      throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(into, 0, length);
    while (dst.hasRemaining()) {
      int n = ch.read(dst, at + dst.position());
      if (n < 0) {
        // Beyond the end of a sparse file: zeros (the padding of the last symbol).
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
      }
    }
  }
}
