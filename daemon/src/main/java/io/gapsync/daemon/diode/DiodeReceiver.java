package io.gapsync.daemon.diode;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.diode.Announcement;
import io.gapsync.protocol.diode.CatalogEntry;
import io.gapsync.protocol.diode.DiodeFrame;
import io.gapsync.protocol.diode.ErasureCode;
import io.gapsync.protocol.diode.Heartbeat;
import io.gapsync.protocol.trust.TrustPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives objects from a {@link DiodeSender} into a spool (docs/ARCHITECTURE.md, "The diode
 * transport"). Three threads, and a fourth off the data path:
 *
 * <ul>
 *   <li>the <b>receive thread</b> only copies datagrams from the socket into a ring of preallocated
 *       direct buffers, so a GC pause or a slow disk elsewhere never stops the socket being drained
 *       beyond what SO_RCVBUF and the ring absorb; a full ring drops and counts;
 *   <li>the <b>worker</b> checks each frame's CRC, counts loss per sender epoch, verifies
 *       announcements, writes symbols in place ({@link PartialObject}) and hands over bitmaps;
 *   <li>the <b>repair thread</b> decodes damaged blocks, hashes each object's blocks in order as
 *       they are written ({@link HashCursor}), then verifies and publishes complete objects (sha256
 *       must match the signed announcement; atomic rename into the spool).
 * </ul>
 *
 * <p>The <b>flush thread</b> ({@link DataFlusher}) forces the partial files to disk about once per
 * checkpoint interval and saves each bitmap after the flush, so neither the worker nor the repair
 * thread waits for the disk and a publish has little left to flush.
 *
 * <p>An object the sender has finished (its last PASS_END, or the catalogue's passes done) that is
 * still short is reported once per sender epoch: {@link Listener#beyondRepair} and a text file in
 * {@code SPOOL/diode-reports/}. Its partial state stays for the next send. Objects published once
 * are remembered by a {@code .done} marker and ignored when sent again.
 */
public final class DiodeReceiver implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(DiodeReceiver.class);

  /** What the receiver tells its owner. Called on the worker or repair thread; keep it short. */
  public interface Listener {
    /** An object was verified and now lies in the spool. */
    default void published(Path file, Announcement announcement) {}

    /** An object the sender finished is beyond repair. */
    default void beyondRepair(DiodeReport report) {}

    /** An announcement or stored state was refused (untrusted, malformed); one line. */
    default void rejected(String message) {}
  }

  private final DiodeReceiverConfig config;
  private final TrustPolicy trust;
  private final Listener listener;
  private final EventLoopGroup group;
  private final Channel channel;
  private final ReceiverStats stats = new ReceiverStats();
  private final Path partialRoot;

  // The ring: one direct buffer holding datagrams back to back, and an index of (position,
  // length) entries. The receive thread appends at tail, the worker consumes at head and
  // publishes how far it has consumed the bytes (dataHead). Positions grow without bound; the
  // byte offset is position % capacity, and a datagram never straddles the end.
  private final ByteBuffer ring;
  private final ByteBuffer ringRead;
  private final int capacity;
  private final long[] entryPosition = new long[DiodeReceiverConfig.RING_ENTRIES];
  private final int[] entryLength = new int[DiodeReceiverConfig.RING_ENTRIES];
  private final int mask = DiodeReceiverConfig.RING_ENTRIES - 1;
  private final AtomicLong head = new AtomicLong();
  private final AtomicLong tail = new AtomicLong();
  private final AtomicLong dataHead = new AtomicLong();
  private long dataTail;

  private final Thread worker;
  private final ExecutorService repairs;
  private final DataFlusher flusher;
  private volatile boolean running = true;

  // Worker-owned state.
  private final DiodeFrame frame = new DiodeFrame();
  private final Map<Long, PartialObject> objects = new HashMap<>();
  private final Set<Long> completed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Set<Long> refused = new HashSet<>();
  private final Map<Digest, CatalogEntry> catalog = new HashMap<>();
  private final Set<String> reported = new HashSet<>();
  private final Map<List<Integer>, ErasureCode> codes = new HashMap<>();
  private final BlockPool pool;
  private final Set<String> outerTried = new HashSet<>();
  private final Set<Long> outerPending = new HashSet<>();
  private final java.util.concurrent.ConcurrentLinkedQueue<OuterResult> outerResults =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private long lastCheckpoint = System.nanoTime();
  private long now = System.nanoTime();

  // Repair-thread state: the direct buffer a completed block's data is written from (and blocks
  // hashed late are read back through), and the objects with a hashing slice queued.
  private ByteBuffer scratch = ByteBuffer.allocateDirect(0);
  private final Set<PartialObject> hashQueued = new HashSet<>();

  /**
   * Blocks written ahead of an object's hash cursor read back and hashed per repair task: about 2.3
   * MB at the default 200 x 1,408 bytes, a few milliseconds, so a backlog (a block that waited for
   * the next pass) is worked off between completions instead of holding them up.
   */
  static final int HASH_SLICE_BLOCKS = 8;

  private DiodeReceiver(DiodeReceiverConfig config, TrustPolicy trust, Listener listener)
      throws IOException {
    this.config = config;
    this.trust = trust;
    this.listener = listener;
    this.partialRoot = config.spool().resolve(DiodeReceiverConfig.PARTIAL_DIR);
    Files.createDirectories(partialRoot);
    this.ring = ByteBuffer.allocateDirect(config.ringBytes());
    this.ringRead = ring.duplicate();
    this.capacity = config.ringBytes();
    this.pool =
        new BlockPool(config.blockBufferBytes(), stats.blocksEvicted, stats.unbufferedSymbols);
    this.repairs =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "gapsync-diode-repair");
              t.setDaemon(true);
              return t;
            });
    this.flusher = new DataFlusher(config.checkpointInterval(), stats);
    try {
      resume();
    } catch (IOException | RuntimeException e) {
      flusher.close();
      throw e;
    }
    this.worker = new Thread(this::workLoop, "gapsync-diode-worker");
    worker.setDaemon(true);
    worker.start();
    // The receive thread is a Netty event loop: on Linux its epoll transport reads up to
    // RECEIVE_BATCH datagrams per recvmmsg call instead of one recvfrom each.
    boolean epoll = Epoll.isAvailable();
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("gapsync-diode-receive", true, Thread.MAX_PRIORITY),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes())
            .option(
                ChannelOption.RECVBUF_ALLOCATOR,
                new FixedRecvByteBufAllocator(
                    DiodeReceiverConfig.DATAGRAM_BYTES_MAX
                        * (epoll ? DiodeReceiverConfig.RECEIVE_BATCH : 1)))
            .handler(new RingWriter());
    if (epoll) {
      bootstrap.option(
          EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, DiodeReceiverConfig.DATAGRAM_BYTES_MAX);
    }
    try {
      this.channel = bootstrap.bind(config.listen()).sync().channel();
    } catch (Exception e) {
      running = false;
      LockSupport.unpark(worker);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      flusher.close();
      throw new IOException(
          "Tried to listen for the diode on udp://"
              + config.listen().getHostString()
              + ":"
              + config.listen().getPort()
              + " but failed because "
              + e.getMessage()
              + "; check that the address is local and the port free",
          e);
    }
    int granted = ((DatagramChannel) channel).config().getReceiveBufferSize();
    if (granted < config.receiveBufferBytes()) {
      LOG.warn(
          "The diode socket's receive buffer is {} bytes, not the {} asked for: raise"
              + " net.core.rmem_max (sysctl -w net.core.rmem_max={}) or bursts will be lost",
          granted,
          config.receiveBufferBytes(),
          config.receiveBufferBytes());
    }
  }

  /**
   * Binds the socket, reopens partial objects left in the spool, and starts receiving.
   *
   * @param config where to listen, where to put objects
   * @param trust the producer keys whose announcements are accepted
   * @param listener told about published, beyond-repair and refused objects
   * @return the running receiver; close it to stop
   * @throws IOException if the socket cannot be bound or the spool is not writable
   */
  public static DiodeReceiver start(
      DiodeReceiverConfig config, TrustPolicy trust, Listener listener) throws IOException {
    return new DiodeReceiver(config, trust, listener);
  }

  /** Returns the bound address. */
  public InetSocketAddress address() throws IOException {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Returns how many blocks sit in buffers (for tests; read off the worker's thread). */
  int openBlocks() {
    return pool.openCount();
  }

  /** Returns the live counters. */
  public ReceiverStats stats() {
    return stats;
  }

  /** Reopens the partial objects of an earlier run and remembers the published ones. */
  private void resume() throws IOException {
    try (Stream<Path> entries = Files.list(partialRoot)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(PartialObject.DONE_SUFFIX) && name.length() == 64 + 5) {
          completed.add(idOfHex(name.substring(0, 64)));
        } else if (Files.isDirectory(p) && Files.exists(p.resolve(PartialObject.ANNOUNCE))) {
          try {
            PartialObject o = PartialObject.open(p, trust, pool);
            objects.put(o.announcement.objectId(), o);
            flusher.add(o);
            stats.resumedSymbols.addAndGet(o.symbolsHeld());
            for (int b : o.settle()) {
              scheduleCompletion(o, b);
            }
            if (o.complete()) {
              schedulePublish(o);
            } else {
              // Blocks whole on disk are hashed from block 0 while the rest arrives.
              repairs.execute(() -> hashAhead(o));
            }
            LOG.info(
                "Resuming {} ({}): {} symbols already received",
                o.announcement.name(),
                o.announcement.digest(),
                o.symbolsHeld());
          } catch (IOException | RuntimeException e) {
            String message =
                "Tried to resume the partial diode object in "
                    + p
                    + " but failed because "
                    + e.getMessage()
                    + "; it is left alone (delete it to start afresh)";
            LOG.warn(message);
            listener.rejected(message);
          }
        }
      }
    }
  }

  private static long idOfHex(String hex) {
    return Long.parseUnsignedLong(hex.substring(0, 16), 16);
  }

  /** Receive thread (the event loop): socket to ring, nothing else. */
  private final class RingWriter extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof DatagramPacket packet) {
          append(packet.content());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Once per batch of datagrams, not once per datagram.
      LockSupport.unpark(worker);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (running) {
        LOG.error("The diode receive socket failed: {}", cause.toString());
      }
    }

    private void append(ByteBuf content) {
      int max = DiodeReceiverConfig.DATAGRAM_BYTES_MAX;
      int length = Math.min(content.readableBytes(), max);
      long t = tail.get();
      long position = dataTail;
      int offset = (int) (position % capacity);
      if (offset + max > capacity) {
        position += capacity - offset;
        offset = 0;
      }
      if (t - head.get() > mask || position + max - dataHead.get() > capacity) {
        stats.ringOverflows.incrementAndGet();
        return;
      }
      ring.clear();
      ring.limit(offset + length).position(offset);
      content.getBytes(content.readerIndex(), ring);
      entryPosition[(int) (t & mask)] = position;
      entryLength[(int) (t & mask)] = length;
      dataTail = position + length;
      tail.lazySet(t + 1);
    }
  }

  /** Worker: ring to frames to spool. */
  private void workLoop() {
    while (running || head.get() < tail.get()) {
      long h = head.get();
      if (h == tail.get()) {
        LockSupport.parkNanos(5_000_000);
        periodic();
        continue;
      }
      int i = (int) (h & mask);
      try {
        handle(ringRead, (int) (entryPosition[i] % capacity), entryLength[i]);
      } catch (IOException | RuntimeException e) {
        LOG.error("The diode worker failed on a datagram: {}", e.toString());
        stats.reject("error");
      }
      dataHead.lazySet(entryPosition[i] + entryLength[i]);
      head.lazySet(h + 1);
      if ((h & 1023) == 0) {
        periodic();
      }
    }
  }

  private void handle(ByteBuffer slot, int offset, int length) throws IOException {
    now = System.nanoTime();
    stats.datagrams.incrementAndGet();
    stats.lastDatagramNanos.set(now);
    frame.wrap(slot, offset, length);
    String bad = frame.check();
    if (bad != null) {
      stats.reject(bad);
      return;
    }
    stats.count(frame.epoch(), frame.sequence());
    switch (frame.type()) {
      case DiodeFrame.TYPE_SYMBOL -> onSymbol();
      case DiodeFrame.TYPE_ANNOUNCE -> onAnnounce();
      case DiodeFrame.TYPE_HEARTBEAT ->
          stats.senderCount(
              frame.epoch(),
              Heartbeat.decode(slot, frame.payloadOffset(), frame.payloadLength()).packetsSent());
      case DiodeFrame.TYPE_CATALOG -> onCatalog();
      case DiodeFrame.TYPE_PASS_END -> onPassEnd();
      default -> stats.reject("type");
    }
  }

  private void onSymbol() throws IOException {
    long id = frame.objectId();
    PartialObject o = objects.get(id);
    if (o == null) {
      (completed.contains(id) ? stats.afterComplete : stats.unannounced).incrementAndGet();
      return;
    }
    int block = frame.block();
    int symbol = frame.symbol();
    if (frame.payloadLength() != o.layout.symbolSize()
        || block < 0
        || block >= o.layout.totalBlocks()
        || symbol < 0
        || symbol >= o.layout.symbols(block)) {
      stats.reject("malformed");
      return;
    }
    int r =
        o.accept(block, symbol, frame.buffer(), frame.payloadOffset(), frame.payloadLength(), now);
    if (r < 0) {
      stats.duplicates.incrementAndGet();
      return;
    }
    stats.symbols.incrementAndGet();
    if (r == 1) {
      scheduleCompletion(o, block);
    }
    if (r > 0 && o.complete()) {
      schedulePublish(o);
    }
  }

  private void onAnnounce() throws IOException {
    long id = frame.objectId();
    if (objects.containsKey(id) || completed.contains(id) || refused.contains(id)) {
      return;
    }
    byte[] payload = new byte[frame.payloadLength()];
    frame.buffer().get(frame.payloadOffset(), payload);
    Announcement a;
    try {
      a = Announcement.decode(ByteBuffer.wrap(payload), 0, payload.length);
      a.verify(trust);
      if (a.objectId() != id) {
        throw new IllegalArgumentException("its frame's object id does not match its digest");
      }
    } catch (RuntimeException e) {
      // Remember the refusal (bounded) so a flood of the same announcement costs one check each.
      if (refused.size() < 10_000) {
        refused.add(id);
      }
      stats.reject("trust");
      String message =
          "Refused a diode announcement (object id "
              + Long.toHexString(id)
              + ", sender epoch "
              + Integer.toHexString(frame.epoch())
              + ") because "
              + e.getMessage()
              + "; its data is dropped";
      LOG.warn(message);
      listener.rejected(message);
      return;
    }
    PartialObject o = PartialObject.create(partialRoot, a, payload, pool);
    objects.put(id, o);
    flusher.add(o);
    LOG.info("Receiving {} ({}, {} bytes)", a.name(), a.digest(), a.layout().size());
    if (o.complete()) {
      schedulePublish(o);
    }
  }

  private void onCatalog() {
    for (CatalogEntry e :
        CatalogEntry.decode(frame.buffer(), frame.payloadOffset(), frame.payloadLength())) {
      catalog.put(e.digest(), e);
      long id = io.gapsync.protocol.diode.DiodeFrame.objectId(e.digest().raw());
      if (e.passesDone() >= e.passes() && e.passes() > 0 && !completed.contains(id)) {
        report(id, e.digest(), e.name(), e.size(), frame.epoch());
      }
    }
  }

  private void onPassEnd() {
    long id = frame.objectId();
    PartialObject o = objects.get(id);
    if (o == null || o.complete()) {
      return;
    }
    boolean last = frame.block() >= frame.symbol();
    if (o.layout.outer() > 0) {
      // Short blocks may come back from their outer groups: try that after every pass; the
      // last pass's report waits for the outcome.
      requestOuter(o, frame.epoch(), frame.block(), last);
      return;
    }
    if (last) {
      report(id, o.announcement.digest(), o.announcement.name(), o.layout.size(), frame.epoch());
    }
  }

  /**
   * Worker: once per object, sender epoch and pass, evicts the object's open blocks and hands its
   * short outer groups to the repair thread ({@link PartialObject#recoverOuter}).
   *
   * @param pass the pass that ended, or -1 for "the sender is done with it" (the catalogue)
   * @param reportAfter whether to report the object beyond repair if it is still short after
   */
  private void requestOuter(PartialObject o, int epoch, int pass, boolean reportAfter) {
    long id = o.announcement.objectId();
    if (!outerTried.add(o.announcement.digest().hex() + "/" + epoch + "/" + pass)) {
      return;
    }
    List<PartialObject.OuterGroup> groups;
    try {
      groups = o.outerGroups();
    } catch (IOException e) {
      LOG.error(
          "Could not write buffered symbols of {} to the spool: {}",
          o.announcement.name(),
          e.toString());
      groups = List.of();
    }
    ErasureCode rs = codeOf(o);
    List<PartialObject.OuterGroup> todo = groups;
    outerPending.add(id);
    repairs.execute(
        () -> {
          try {
            List<Integer> restored = o.recoverOuter(todo, rs);
            if (!restored.isEmpty()) {
              stats.blocksRestoredByOuter.addAndGet(restored.size());
              LOG.info(
                  "Restored {} block(s) of {} from their outer groups",
                  restored.size(),
                  o.announcement.name());
            }
          } catch (IOException | RuntimeException e) {
            LOG.error(
                "Could not restore blocks of {} from their outer groups: {}",
                o.announcement.name(),
                e.toString());
          } finally {
            outerResults.add(new OuterResult(o, epoch, reportAfter));
            LockSupport.unpark(worker);
          }
        });
  }

  /** A finished outer recovery, for the worker. */
  private record OuterResult(PartialObject object, int epoch, boolean reportAfter) {}

  /**
   * Worker: takes in finished outer recoveries: publishes what they completed, reports the rest.
   */
  private void drainOuterResults() {
    OuterResult r;
    while ((r = outerResults.poll()) != null) {
      PartialObject o = r.object();
      long id = o.announcement.objectId();
      outerPending.remove(id);
      boolean restored = o.drainOuterDone();
      if (objects.get(id) != o) {
        continue;
      }
      if (o.complete()) {
        schedulePublish(o);
        continue;
      }
      if (restored) {
        // The restored blocks are settled now: the hash cursor may move past them.
        repairs.execute(() -> hashAhead(o));
      }
      if (r.reportAfter()) {
        report(id, o.announcement.digest(), o.announcement.name(), o.layout.size(), r.epoch());
      }
    }
  }

  private void report(long id, Digest digest, String name, long size, int epoch) {
    PartialObject o = objects.get(id);
    if (o != null && o.complete()) {
      return;
    }
    if (o != null && o.layout.outer() > 0) {
      if (outerPending.contains(id)) {
        return; // the recovery in flight reports when it is done
      }
      if (!outerTried.contains(digest.hex() + "/" + epoch + "/-1")) {
        requestOuter(o, epoch, -1, true);
        return;
      }
    }
    if (!reported.add(digest.hex() + "/" + epoch)) {
      return;
    }
    List<Integer> blocks = new ArrayList<>();
    List<Integer> shortBy = new ArrayList<>();
    if (o != null) {
      for (int[] m : o.missing()) {
        blocks.add(m[0]);
        shortBy.add(m[1]);
      }
    }
    DiodeReport report =
        new DiodeReport(
            name,
            digest,
            size,
            o == null ? -1 : o.layout.blockCount(),
            List.copyOf(blocks),
            List.copyOf(shortBy),
            stats.lossText(),
            o == null ? null : o.dir.toString());
    stats.beyondRepair.incrementAndGet();
    String text = report.toText();
    LOG.error(text.substring(0, text.indexOf('\n')));
    try {
      Path dir = config.spool().resolve(DiodeReceiverConfig.REPORT_DIR);
      Files.createDirectories(dir);
      Path tmp = dir.resolve("." + name + ".report.tmp");
      Files.writeString(tmp, text);
      Files.move(
          tmp,
          dir.resolve(name + ".report.txt"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.error("Could not write the diode report of {}: {}", name, e.toString());
    }
    listener.beyondRepair(report);
  }

  /**
   * Hands a block that has enough symbols to the repair thread: repaired in memory if data symbols
   * are missing, written in one write, its buffer given back to the pool. Worker thread.
   */
  private void scheduleCompletion(PartialObject o, int block) {
    BlockPool.Buffer buffer = o.detach(block);
    if (!o.needsCompletion(block, buffer)) {
      return;
    }
    boolean[] present = o.present(block, buffer);
    ErasureCode rs = codeOf(o);
    repairs.execute(
        () -> {
          try {
            if (o.completeBlock(block, present, buffer, rs, scratchFor(o))) {
              stats.blocksRepaired.incrementAndGet();
            }
          } catch (IOException | RuntimeException e) {
            LOG.error(
                "Could not complete block {} of {}: {}",
                block,
                o.announcement.name(),
                e.toString());
          } finally {
            if (buffer != null) {
              pool.giveBack(buffer);
            }
          }
          hashAhead(o);
        });
  }

  /** Repair thread: the scratch buffer, grown to hold one block of the object's data. */
  private ByteBuffer scratchFor(PartialObject o) {
    int runBytes = o.layout.k() * o.layout.symbolSize();
    if (scratch.capacity() < runBytes) {
      scratch = ByteBuffer.allocateDirect(runBytes);
    }
    return scratch;
  }

  /**
   * Repair thread: hashes a slice of the blocks written ahead of the object's hash cursor that it
   * has now reached, and queues the next slice behind the tasks already waiting if more is left.
   */
  private void hashAhead(PartialObject o) {
    try {
      if (o.hashBehind()) {
        stats.hashReadBackBytes.addAndGet(o.hashAhead(scratchFor(o), HASH_SLICE_BLOCKS));
      }
    } catch (IOException | RuntimeException e) {
      // The running digest is dropped: the publish hashes the whole file.
      LOG.warn("Could not hash blocks of {} ahead: {}", o.announcement.name(), e.toString());
    }
    if (o.hashBehind() && hashQueued.add(o)) {
      try {
        repairs.execute(
            () -> {
              hashQueued.remove(o);
              hashAhead(o);
            });
      } catch (RejectedExecutionException e) {
        hashQueued.remove(o); // stopping: the next run starts the digest again
      }
    }
  }

  /** One code per (scheme, k, m): building the bit-matrix code's coefficients is not free. */
  private ErasureCode codeOf(PartialObject o) {
    return codes.computeIfAbsent(
        List.of(o.layout.scheme(), o.layout.k(), o.layout.m()), x -> o.layout.code());
  }

  /** Hands a complete object to the repair thread, after its repairs, to verify and publish. */
  private void schedulePublish(PartialObject o) {
    long id = o.announcement.objectId();
    objects.remove(id);
    // Outer blocks still being received are of no use now.
    pool.discardAll(o);
    completed.add(id);
    // Its last blocks are written while the repair thread catches up: flush them meanwhile.
    flusher.wake();
    repairs.execute(
        () -> {
          try {
            Path file;
            try {
              file = o.publish(config.spool());
            } finally {
              stats.publishReadBytes.addAndGet(o.publishReadBytes());
            }
            stats.published.incrementAndGet();
            LOG.info(
                "Published {} ({}) in the spool; {} bytes read back to verify it",
                file,
                o.announcement.digest(),
                o.publishReadBytes());
            listener.published(file, o.announcement);
          } catch (IOException | RuntimeException e) {
            LOG.error(e.getMessage());
            listener.rejected(e.getMessage());
            // The state is gone: let the next pass start it afresh.
            completed.remove(id);
          }
        });
  }

  /**
   * Once per checkpoint interval, hands the bitmaps to the flush thread, which saves them after
   * flushing the files they describe. Worker thread.
   */
  private void periodic() {
    if (!outerResults.isEmpty()) {
      drainOuterResults();
    }
    long clock = System.nanoTime();
    long interval = config.checkpointInterval().toNanos();
    if (clock - lastCheckpoint < interval) {
      return;
    }
    lastCheckpoint = clock;
    pool.drainReturned();
    try {
      // A block no symbol has reached for two intervals is done arriving in this pass: its
      // symbols go to the partial files, so the bitmap saved below claims them.
      pool.evictIdle(clock - 2 * interval);
    } catch (IOException e) {
      LOG.error("Could not write buffered diode symbols to the spool: {}", e.toString());
    }
    for (PartialObject o : objects.values()) {
      o.checkpoint();
    }
    flusher.wake();
  }

  /**
   * Stops receiving: closes the socket, lets the worker drain the ring, waits for repairs and
   * publications in progress, stops the flush thread, then flushes every partial file and saves its
   * bitmap.
   */
  @Override
  public void close() throws IOException {
    running = false;
    try {
      channel.close().await(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      LockSupport.unpark(worker);
      worker.join(30_000);
      repairs.shutdown();
      repairs.awaitTermination(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flusher.close();
    for (PartialObject o : objects.values()) {
      o.close();
    }
    objects.clear();
  }
}
