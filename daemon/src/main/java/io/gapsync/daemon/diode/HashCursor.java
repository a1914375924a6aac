package io.gapsync.daemon.diode;

import io.gapsync.protocol.DigestAlgorithm;
import io.gapsync.protocol.diode.BlockLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The sha256 of one object being received, computed while its blocks are written instead of by
 * reading the whole data file back when it is published (docs/ARCHITECTURE.md, "The diode
 * transport"). The digest covers the data blocks in order up to the <i>cursor</i>, the next block
 * to hash. A block is hashed only once its data is <i>final</i>: written for the last time, so the
 * bytes hashed are the bytes published.
 *
 * <ul>
 *   <li>A block the repair thread completes ({@link #completed}) is final: the worker marked it
 *       done before handing it over and never writes a done block again. If it is the cursor's, the
 *       bytes just written are hashed from memory; if it is ahead, it is remembered.
 *   <li>A block restored from its outer group is not final yet: until the worker takes the result
 *       in, it may still write symbols of that block it receives meanwhile. The worker reports it
 *       {@link #settled} when it marks it done; so it does for blocks found whole after a restart.
 *   <li>Blocks remembered ahead are hashed when the cursor reaches them, read back from the data
 *       file (normally the page cache) a bounded buffer at a time, at most {@code maxBlocks} per
 *       {@link #catchUp} call, so a long backlog never holds up the repair thread's queue.
 *   <li>{@link #finish} hashes whatever is left, from the cursor to the end of the file.
 * </ul>
 *
 * <p>If a block already hashed is ever written again, the running digest is dropped and {@link
 * #finish} hashes the whole file, as every publish did before: never a digest of bytes other than
 * those published. The digest's state is never saved: an object reopened after a restart starts at
 * block 0, and its blocks found whole on disk are read back when the cursor reaches them, so a
 * block the page cache lost in a power cut is caught by the digest as before.
 *
 * <p>Threads: {@link #settled} is called by the worker (any thread); everything else runs on the
 * repair thread.
 */
final class HashCursor {

  private final BlockLayout layout;
  private final FileChannel data;
  private final MessageDigest sha;
  private final BitSet ahead = new BitSet();
  private final ConcurrentLinkedQueue<Integer> settled = new ConcurrentLinkedQueue<>();
  private int cursor;
  private boolean valid = true;
  private long readBackBytes;
  private long finishReadBytes;

  /**
   * Creates a cursor at block 0.
   *
   * @param layout the object's layout
   * @param data the object's data file (read back for blocks hashed late; not closed here)
   */
  HashCursor(BlockLayout layout, FileChannel data) {
    this.layout = layout;
    this.data = data;
    this.sha = DigestAlgorithm.SHA256.newMessageDigest();
  }

  /**
   * Worker (any thread): a data block's data is final in the data file though the repair thread did
   * not just write it (restored from its outer group, or whole after a restart). Outer blocks are
   * ignored.
   */
  void settled(int block) {
    if (!layout.isOuter(block)) {
      settled.add(block);
    }
  }

  /**
   * A data block's final data was just written from {@code bytes} (position 0 to its limit: the
   * block's data symbols, at least the block's bytes of the object).
   */
  void completed(int block, ByteBuffer bytes) {
    takeSettled();
    if (!valid || layout.isOuter(block)) {
      return;
    }
    if (block < cursor) {
      invalidate();
    } else if (block > cursor) {
      ahead.set(block);
    } else {
      ByteBuffer mine = bytes.duplicate();
      mine.position(0).limit(length(block));
      sha.update(mine);
      ahead.clear(block);
      cursor++;
    }
  }

  /**
   * A data block's data was written but is not final yet (an outer recovery): harmless unless the
   * block was already hashed, which drops the running digest.
   */
  void restored(int block) {
    takeSettled();
    if (valid && !layout.isOuter(block) && block < cursor) {
      invalidate();
    }
  }

  /**
   * Returns whether a block's data is known final (hashed, or waiting ahead of the cursor): an
   * outer recovery then takes it as done instead of writing it again. False once the running digest
   * was dropped.
   */
  boolean isFinal(int block) {
    takeSettled();
    return valid && !layout.isOuter(block) && (block < cursor || ahead.get(block));
  }

  /** Returns whether the block at the cursor is final, so {@link #catchUp} has work. */
  boolean behind() {
    takeSettled();
    return valid && ahead.get(cursor);
  }

  /**
   * Hashes final blocks from the cursor on, reading them back from the data file.
   *
   * @param buffer a buffer to read through (any capacity above 0; cleared and overwritten)
   * @param maxBlocks the most blocks to hash in this call
   * @return the bytes read back
   * @throws IOException if the file cannot be read (the running digest is dropped first)
   */
  long catchUp(ByteBuffer buffer, int maxBlocks) throws IOException {
    long read = 0;
    for (int n = 0; n < maxBlocks && behind(); n++) {
      long at = layout.dataOffset(cursor, 0);
      long bytes;
      try {
        bytes = hashFile(buffer, at, at + length(cursor));
      } catch (IOException e) {
        invalidate(); // part of a block may be in the digest
        throw e;
      }
      read += bytes;
      if (bytes < length(cursor)) {
        // The file ends inside a block it holds: never guess; the publish reads everything.
        invalidate();
        break;
      }
      ahead.clear(cursor);
      cursor++;
    }
    readBackBytes += read;
    return read;
  }

  /**
   * Completes the digest when every block is final (the publish): hashes the file from the cursor
   * to its end, or all of it if the running digest was dropped.
   *
   * @param buffer a buffer to read through (any capacity above 0)
   * @param fileSize the data file's size, at most the object's size
   * @return the sha256 of the file's content
   * @throws IOException if the file cannot be read
   */
  byte[] finish(ByteBuffer buffer, long fileSize) throws IOException {
    long from = 0;
    if (valid) {
      from = Math.min(fileSize, layout.dataOffset(cursor, 0));
    } else {
      sha.reset();
    }
    finishReadBytes = hashFile(buffer, from, fileSize);
    valid = false;
    return sha.digest();
  }

  /** Returns the bytes read back by {@link #catchUp} so far. */
  long readBackBytes() {
    return readBackBytes;
  }

  /** Returns the bytes {@link #finish} read (0 when every block was hashed before). */
  long finishReadBytes() {
    return finishReadBytes;
  }

  /** Returns the next block to hash (tests). */
  int cursor() {
    return cursor;
  }

  /** Returns whether the running digest is still in use (tests). */
  boolean valid() {
    return valid;
  }

  private void takeSettled() {
    Integer block;
    while ((block = settled.poll()) != null) {
      if (block >= cursor) {
        ahead.set(block);
      }
    }
  }

  private void invalidate() {
    valid = false;
    ahead.clear();
    sha.reset();
    cursor = 0;
  }

  /** The bytes of the object in a data block: a full block's, or what is left for the last. */
  private int length(int block) {
    return (int) Math.min(layout.blockBytes(), layout.size() - layout.dataOffset(block, 0));
  }

  /** Hashes the file's bytes from {@code from} to {@code to} (or its end); returns the count. */
  private long hashFile(ByteBuffer buffer, long from, long to) throws IOException {
    long at = from;
    while (at < to) {
      buffer.clear();
      buffer.limit((int) Math.min(buffer.capacity(), to - at));
      int n = data.read(buffer, at);
      if (n < 0) {
        break;
      }
      buffer.flip();
      sha.update(buffer);
      at += n;
    }
    return at - from;
  }
}
