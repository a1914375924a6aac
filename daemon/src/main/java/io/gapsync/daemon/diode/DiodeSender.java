package io.gapsync.daemon.diode;

import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.BlockLayout;
import io.gapsync.protocol.diode.CatalogEntry;
import io.gapsync.protocol.diode.CauchyBitMatrixCode;
import io.gapsync.protocol.diode.DiodeFrame;
import io.gapsync.protocol.diode.Heartbeat;
import io.gapsync.protocol.trust.SigningKey;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.IntStream;

/**
 * Sends files over a one-way link (docs/ARCHITECTURE.md, "The diode transport"). For each pass and
 * each file: the signed announcement three times, then the file's blocks in interleave groups,
 * symbol {@code s} of every block of a group back to back, then PASS_END three times. Heartbeats
 * and the catalogue go out on their own schedule between datagrams; everything is paced by a token
 * bucket. The sink may batch datagrams: the sender flushes it before any wait longer than {@link
 * #FLUSH_BEFORE_WAIT_NANOS} and at the end of every send.
 *
 * <p>One encoder thread reads the next group and computes its parity (spread over the cores) while
 * the calling thread sends the current one (two groups in memory, {@link EncodedGroup}). Files are
 * hashed once up front, or their digests taken from their archive's checksum file ({@link
 * FileHashes}); a file that changes while it is sent, or a wrong checksum file, is caught by the
 * receiver's digest check and never published. Not thread-safe; {@link #send} may be called again
 * (same epoch, sequence continues).
 */
public final class DiodeSender {

  /** Column ranges a group's parity is split into, one task each on the common pool. */
  private static final int PARITY_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /**
   * A pacing wait longer than this flushes the sink's batch first, so no datagram waits in a batch
   * while the sender sleeps.
   */
  static final long FLUSH_BEFORE_WAIT_NANOS = 1_000_000;

  private final DiodeSenderConfig config;
  private final SigningKey key;
  private final PacketSink sink;
  private final int epoch;
  private final ByteBuffer buffer;

  /** The symbol payload of {@link #buffer} as little-endian words (the stripes' byte order). */
  private final LongBuffer payloadWords;

  private final DiodeFrame frame = new DiodeFrame();
  private final TokenBucket bucket;
  private long sequence;
  private long payloadBytes;
  private long lastHeartbeat;
  private long lastCatalog;
  private int pass = 1;
  private List<Announcement> objects = List.of();
  private int[] passesDone = new int[0];

  /**
   * Creates a sender with a fresh random epoch.
   *
   * @param config how to send
   * @param key the producer key that signs every announcement
   * @param sink where datagrams go; the caller closes it
   */
  public DiodeSender(DiodeSenderConfig config, SigningKey key, PacketSink sink) {
    this.config = config;
    this.key = key;
    this.sink = sink;
    this.epoch = new SecureRandom().nextInt();
    this.buffer = ByteBuffer.allocateDirect(config.mtu());
    this.payloadWords =
        buffer
            .duplicate()
            .position(DiodeFrame.HEADER_LENGTH)
            .slice()
            .order(ByteOrder.LITTLE_ENDIAN)
            .asLongBuffer();
    // A burst of 64 datagrams may leave back to back; more would overrun small switch buffers.
    this.bucket = new TokenBucket(config.rateBitsPerSecond(), 64L * config.mtu());
  }

  /** Returns this sender's epoch. */
  public int epoch() {
    return epoch;
  }

  /**
   * Sends files, every pass, and returns when the last datagram is out.
   *
   * @param files the files; each is published on the receiver under its file name
   * @return what was sent
   * @throws IOException if a file cannot be read or the socket fails
   * @throws io.gapsync.protocol.diode.DiodeException if a file name cannot be sent
   */
  public SendReport send(List<Path> files) throws IOException {
    return send(files, null);
  }

  /**
   * Sends files, every pass, taking their hashes from {@code hashes} (started earlier, so hashing
   * overlapped the caller's set-up), and returns when the last datagram is out.
   *
   * @param hashes the files' hashes, or null to hash them here
   * @return what was sent
   * @throws IOException if a file cannot be read or the socket fails
   */
  public SendReport send(List<Path> files, FileHashes hashes) throws IOException {
    long start = System.nanoTime();
    long packetsBefore = sequence;
    long payloadBefore = payloadBytes;
    List<Announcement> list = new ArrayList<>();
    long total = 0;
    for (Path file : files) {
      Announcement a = announce(file, hashes);
      list.add(a);
      total += a.layout().size();
    }
    objects = List.copyOf(list);
    passesDone = new int[objects.size()];
    lastHeartbeat = System.nanoTime();
    lastCatalog = lastHeartbeat - config.catalogInterval().toNanos();

    CauchyBitMatrixCode code = new CauchyBitMatrixCode(config.k(), config.m());
    BlockingQueue<EncodedGroup> free = new ArrayBlockingQueue<>(2);
    BlockingQueue<EncodedGroup> ready = new ArrayBlockingQueue<>(2);
    free.add(new EncodedGroup(config.interleave(), config.k(), config.m(), config.symbolSize()));
    free.add(new EncodedGroup(config.interleave(), config.k(), config.m(), config.symbolSize()));
    Thread encoder =
        new Thread(() -> encodeAll(files, code, free, ready), "gapsync-diode-encoder-" + epoch);
    encoder.setDaemon(true);
    encoder.start();
    try {
      pump(free, ready);
      for (int i = 0; i < DiodeSenderConfig.CONTROL_REPEATS; i++) {
        heartbeat();
      }
      catalog();
      sink.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("diode send interrupted");
    } finally {
      encoder.interrupt();
    }
    return new SendReport(
        epoch,
        objects.size(),
        total,
        config.passes(),
        sequence - packetsBefore,
        payloadBytes - payloadBefore,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Sends what the encoder produces, with the control frames around it. */
  private void pump(BlockingQueue<EncodedGroup> free, BlockingQueue<EncodedGroup> ready)
      throws IOException, InterruptedException {
    int current = -1;
    long sinceAnnounce = 0;
    while (true) {
      EncodedGroup g = ready.poll();
      if (g == null) {
        // The encoder is behind: send what the sink holds rather than let it wait with us.
        sink.flush();
        g = ready.take();
      }
      if (g.failure != null) {
        if (g.failure instanceof IOException io) {
          throw io;
        }
        throw new IOException(g.failure.getMessage(), g.failure);
      }
      if (g.object < 0) {
        return;
      }
      pass = g.pass;
      Announcement a = objects.get(g.object);
      if (g.object != current || g.firstBlock == 0) {
        current = g.object;
        for (int i = 0; i < DiodeSenderConfig.CONTROL_REPEATS; i++) {
          announcement(a);
        }
        sinceAnnounce = 0;
      }
      BlockLayout layout = a.layout();
      // Once per group: objectId() decodes the digest, too slow for every datagram.
      long objectId = a.objectId();
      int maxSymbols = layout.k() + layout.m();
      for (int s = 0; s < maxSymbols; s++) {
        for (int b = 0; b < g.blocks; b++) {
          int k = g.dataCount[b];
          if (s >= k + layout.m()) {
            continue;
          }
          symbol(
              objectId,
              g.firstBlock + b,
              s,
              g.stride,
              g.packetWords,
              b,
              s < k ? g.data[s] : g.parity[s - k]);
          if (++sinceAnnounce >= config.announceEveryPackets()) {
            announcement(a);
            sinceAnnounce = 0;
          }
        }
        if (g.outerBlock >= 0) {
          // The outer block this group completes rides along, one symbol per round, so it is
          // spread over the group like the group's own blocks.
          symbol(objectId, g.outerBlock, s, g.packetWords, g.packetWords, 0, g.outer[s]);
          if (++sinceAnnounce >= config.announceEveryPackets()) {
            announcement(a);
            sinceAnnounce = 0;
          }
        }
      }
      if (g.lastOfObject) {
        passesDone[g.object] = g.pass;
        for (int i = 0; i < DiodeSenderConfig.CONTROL_REPEATS; i++) {
          passEnd(a, g.pass);
        }
      }
      free.put(g);
    }
  }

  /** Encoder thread: reads every group of every file for every pass; ends with object -1. */
  private void encodeAll(
      List<Path> files,
      CauchyBitMatrixCode code,
      BlockingQueue<EncodedGroup> free,
      BlockingQueue<EncodedGroup> ready) {
    try {
      for (int p = 1; p <= config.passes(); p++) {
        for (int o = 0; o < files.size(); o++) {
          BlockLayout layout = objects.get(o).layout();
          int blocks = layout.blockCount();
          int symbolSize = layout.symbolSize();
          // One block's data per read, straight into a direct buffer, then into the group's
          // stripes: one copy less than a stream, and one system call per block.
          ByteBuffer blockBytes =
              ByteBuffer.allocateDirect(layout.k() * symbolSize).order(ByteOrder.LITTLE_ENDIAN);
          LongBuffer blockWords = blockBytes.asLongBuffer();
          long[][] outerSum =
              layout.outerCount() == 0 ? null : new long[layout.k() + layout.m()][symbolSize / 8];
          try (FileChannel in = FileChannel.open(files.get(o), StandardOpenOption.READ)) {
            int first = 0;
            do {
              EncodedGroup g = free.take();
              g.failure = null;
              g.object = o;
              g.pass = p;
              g.firstBlock = first;
              g.blocks = Math.min(layout.interleave(), blocks - first);
              g.lastOfObject = first + g.blocks >= blocks;
              for (int b = 0; b < g.blocks; b++) {
                int k = layout.dataSymbols(first + b);
                g.dataCount[b] = k;
                int want = k * symbolSize;
                blockBytes.clear().limit(want);
                while (blockBytes.hasRemaining() && in.read(blockBytes) >= 0) {
                  // Until the block is full or the file ends (the last symbol is padded).
                }
                int n = blockBytes.position();
                for (int i = n; i < want; i++) {
                  blockBytes.put(i, (byte) 0);
                }
                for (int s = 0; s < k; s++) {
                  for (int c = 0; c < 8; c++) {
                    blockWords.get(
                        (s * symbolSize >> 3) + c * g.packetWords,
                        g.data[s],
                        g.packetOffset(b, c),
                        g.packetWords);
                  }
                }
                // A short last block: its missing data symbols are zeros, which is exactly the
                // shortened code (they add nothing to parity).
                for (int s = k; s < layout.k(); s++) {
                  g.clear(b, s);
                }
              }
              // Parity is the sender's only heavy work: all blocks of the group at once, the
              // columns split over the cores (common pool).
              EncodedGroup group = g;
              int columns = g.blocks * g.packetWords;
              int parts = Math.min(PARITY_THREADS, g.blocks);
              IntStream.range(0, parts)
                  .parallel()
                  .forEach(
                      part ->
                          code.encodeStriped(
                              group.data,
                              layout.k(),
                              group.parity,
                              group.stride,
                              columns * part / parts,
                              columns * (part + 1) / parts));
              accumulateOuter(layout, g, outerSum);
              ready.put(g);
              first += g.blocks;
            } while (first < blocks);
          }
        }
      }
      EncodedGroup end = free.take();
      end.object = -1;
      end.failure = null;
      ready.put(end);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      EncodedGroup failed = new EncodedGroup(1, 1, 0, 64);
      failed.failure = e;
      ready.offer(failed);
    }
  }

  /**
   * Adds a group's blocks to the running outer block (symbol by symbol XOR, data with data, parity
   * with parity; a short block's cleared data symbols add nothing) and, if the group ends an outer
   * group (the last one ends with the object), hands the outer block to the group to send and
   * starts the next one. Outer groups end where interleave groups end: G is a multiple of W.
   */
  private static void accumulateOuter(BlockLayout layout, EncodedGroup g, long[][] sum) {
    g.outerBlock = -1;
    if (sum == null) {
      return;
    }
    int k = layout.k();
    int words = g.packetWords;
    for (int s = 0; s < k + layout.m(); s++) {
      long[] stripe = s < k ? g.data[s] : g.parity[s - k];
      long[] into = sum[s];
      for (int c = 0; c < 8; c++) {
        for (int b = 0; b < g.blocks; b++) {
          CauchyBitMatrixCode.xorInto(stripe, g.packetOffset(b, c), into, c * words, words);
        }
      }
    }
    int end = g.firstBlock + g.blocks;
    int group = layout.outerGroup(end - 1);
    if (end == layout.outerEnd(group)) {
      g.outerBlock = layout.blockCount() + group;
      if (g.outer == null) {
        g.outer = new long[sum.length][];
      }
      for (int s = 0; s < sum.length; s++) {
        if (g.outer[s] == null) {
          g.outer[s] = new long[sum[s].length];
        }
        System.arraycopy(sum[s], 0, g.outer[s], 0, sum[s].length);
        Arrays.fill(sum[s], 0L);
      }
    }
  }

  /** Hashes a file (or takes its hash from {@code hashes}) and builds its signed announcement. */
  private Announcement announce(Path file, FileHashes hashes) throws IOException {
    String name = file.getFileName().toString();
    Announcement.checkName(name);
    FileHashes.Hashed hashed = hashes == null ? FileHashes.of(file) : hashes.get(file);
    long size = hashed.size();
    BlockLayout layout =
        new BlockLayout(
            size,
            config.symbolSize(),
            config.k(),
            config.m(),
            config.interleave(),
            Announcement.SCHEME_CAUCHY_BITMATRIX_GF256,
            config.outerBlocks());
    return new Announcement(hashed.digest(), name, layout, null).signedBy(key);
  }

  /**
   * Sends symbol {@code s} of block {@code b} of a striped layout: its 8 packets, packet {@code c}
   * at word {@code c * stride + b * packetWords} of the stripe.
   */
  private void symbol(
      long objectId, int block, int s, int stride, int packetWords, int b, long[] stripe)
      throws IOException {
    frame.wrap(buffer, 0, buffer.capacity());
    frame.header(DiodeFrame.TYPE_SYMBOL, epoch, sequence, objectId, block, s);
    for (int c = 0; c < 8; c++) {
      payloadWords.put(c * packetWords, stripe, c * stride + b * packetWords, packetWords);
    }
    emit(frame.seal(packetWords * 64));
  }

  private void announcement(Announcement a) throws IOException {
    frame.wrap(buffer, 0, buffer.capacity());
    frame.header(DiodeFrame.TYPE_ANNOUNCE, epoch, sequence, a.objectId(), 0, 0);
    emit(frame.seal(a.encode(buffer, DiodeFrame.HEADER_LENGTH)));
  }

  private void passEnd(Announcement a, int p) throws IOException {
    frame.wrap(buffer, 0, buffer.capacity());
    frame.header(DiodeFrame.TYPE_PASS_END, epoch, sequence, a.objectId(), p, config.passes());
    emit(frame.seal(0));
  }

  private void heartbeat() throws IOException {
    lastHeartbeat = System.nanoTime();
    frame.wrap(buffer, 0, buffer.capacity());
    frame.header(DiodeFrame.TYPE_HEARTBEAT, epoch, sequence, 0, 0, 0);
    Heartbeat h = new Heartbeat(sequence + 1, config.rateBitsPerSecond(), pass, config.passes());
    emit(frame.seal(h.encode(buffer, DiodeFrame.HEADER_LENGTH)));
  }

  private void catalog() throws IOException {
    lastCatalog = System.nanoTime();
    List<CatalogEntry> entries = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      Announcement a = objects.get(i);
      entries.add(
          new CatalogEntry(
              a.digest(), a.layout().size(), passesDone[i], config.passes(), a.name()));
    }
    List<List<CatalogEntry>> parts = CatalogEntry.split(entries, config.symbolSize());
    for (int p = 0; p < parts.size(); p++) {
      frame.wrap(buffer, 0, buffer.capacity());
      frame.header(DiodeFrame.TYPE_CATALOG, epoch, sequence, 0, p, parts.size());
      emit(frame.seal(CatalogEntry.encode(parts.get(p), buffer, DiodeFrame.HEADER_LENGTH)));
    }
  }

  /**
   * Paces, sends the frame in {@link #buffer}, then any control frame that has come due. Before a
   * long pacing wait the sink's batch goes out first.
   */
  private void emit(int length) throws IOException {
    if (bucket.charge(length) > FLUSH_BEFORE_WAIT_NANOS) {
      sink.flush();
    }
    bucket.await();
    buffer.limit(length).position(0);
    sink.send(buffer);
    buffer.clear();
    sequence++;
    payloadBytes += length;
    long now = System.nanoTime();
    if (now - lastHeartbeat >= config.heartbeatInterval().toNanos()) {
      heartbeat();
    }
    if (now - lastCatalog >= config.catalogInterval().toNanos()) {
      catalog();
    }
  }
}
