package io.gapsync.protocol.diode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Flyweight over one diode datagram (docs/FORMAT.md section 5.1): a fixed 32-byte big-endian
 * header, a payload, and a CRC32C trailer over everything before it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+---------------+---------------+
 *  |         magic 0x4744 "GD"     |    version    |     type      |
 *  +-------------------------------+---------------+---------------+
 *  |                     sender epoch (u32)                        |
 *  +---------------------------------------------------------------+
 *  |                 packet sequence (u64, per epoch)              |
 *  +---------------------------------------------------------------+
 *  |       object id (u64: first 8 bytes of the sha256)            |
 *  +---------------------------------------------------------------+
 *  |                      block index (u32)                        |
 *  +---------------------------------------------------------------+
 *  |                      symbol index (u32)                       |
 *  +---------------------------------------------------------------+
 *  |                        payload ...                            |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of all bytes above (u32)                |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Wrapping sets the buffer's byte order to big-endian. Not thread-safe: one flyweight per
 * thread, re-wrapped for every datagram, so the hot path allocates nothing.
 */
public final class DiodeFrame {

  /** The first two bytes of every datagram, "GD": cheap rejection of stray traffic. */
  public static final short MAGIC = 0x4744;

  /** The only wire version this code writes and reads. */
  public static final int VERSION = 1;

  /** A signed {@link Announcement} of one object's size, digest and block layout. */
  public static final int TYPE_ANNOUNCE = 1;

  /** One data or parity symbol of a block. */
  public static final int TYPE_SYMBOL = 2;

  /** A {@link Heartbeat}: the sender's packet counter, rate and pass. */
  public static final int TYPE_HEARTBEAT = 3;

  /** One part of the {@link Catalog}; block = part index, symbol = part count. */
  public static final int TYPE_CATALOG = 4;

  /** The end of one pass over an object; block = pass (1-based), symbol = passes planned. */
  public static final int TYPE_PASS_END = 5;

  public static final int MAGIC_OFFSET = 0;
  public static final int VERSION_OFFSET = 2;
  public static final int TYPE_OFFSET = 3;
  public static final int EPOCH_OFFSET = 4;
  public static final int SEQUENCE_OFFSET = 8;
  public static final int OBJECT_ID_OFFSET = 16;
  public static final int BLOCK_OFFSET = 24;
  public static final int SYMBOL_OFFSET = 28;

  /** Length of the fixed header; the payload starts here. */
  public static final int HEADER_LENGTH = 32;

  /** Length of the CRC32C trailer. */
  public static final int TRAILER_LENGTH = 4;

  /** Header plus trailer: what a datagram costs beyond its payload. */
  public static final int FRAME_OVERHEAD = HEADER_LENGTH + TRAILER_LENGTH;

  /**
   * IP and UDP header bytes counted against the MTU: 40 (IPv6, the larger) + 8, so a frame sized
   * for an MTU never fragments over either IP version.
   */
  public static final int IP_UDP_OVERHEAD = 48;

  private final CRC32C crc = new CRC32C();
  private ByteBuffer buffer;
  private int offset;
  private int length;

  /**
   * Points this flyweight at a frame.
   *
   * @param buffer the buffer holding it (its byte order is set to big-endian)
   * @param offset where the frame starts
   * @param length the frame's length (the datagram's), or the capacity when writing
   * @return this
   */
  public DiodeFrame wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer.order(ByteOrder.BIG_ENDIAN);
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** Returns the buffer this flyweight points at. */
  public ByteBuffer buffer() {
    return buffer;
  }

  /** Returns the frame's length as wrapped (or as sealed). */
  public int length() {
    return length;
  }

  /**
   * Checks the frame before any field is trusted: length, magic, version, then the CRC.
   *
   * @return null if the frame is sound, else a short reason ("crc", "short", "magic", "version")
   *     that callers count by
   */
  public String check() {
    if (length < FRAME_OVERHEAD) {
      return "short";
    }
    if (buffer.getShort(offset + MAGIC_OFFSET) != MAGIC) {
      return "magic";
    }
    if ((buffer.get(offset + VERSION_OFFSET) & 0xff) != VERSION) {
      return "version";
    }
    if (computeCrc(length - TRAILER_LENGTH) != buffer.getInt(offset + length - TRAILER_LENGTH)) {
      return "crc";
    }
    return null;
  }

  /**
   * Writes magic, version and the header fields common to every frame.
   *
   * @return this
   */
  public DiodeFrame header(int type, int epoch, long sequence, long objectId, int block, int sym) {
    buffer.putShort(offset + MAGIC_OFFSET, MAGIC);
    buffer.put(offset + VERSION_OFFSET, (byte) VERSION);
    buffer.put(offset + TYPE_OFFSET, (byte) type);
    buffer.putInt(offset + EPOCH_OFFSET, epoch);
    buffer.putLong(offset + SEQUENCE_OFFSET, sequence);
    buffer.putLong(offset + OBJECT_ID_OFFSET, objectId);
    buffer.putInt(offset + BLOCK_OFFSET, block);
    buffer.putInt(offset + SYMBOL_OFFSET, sym);
    return this;
  }

  /**
   * Ends a frame whose payload of {@code payloadLength} bytes is in place: writes the CRC trailer.
   *
   * @return the datagram's total length
   */
  public int seal(int payloadLength) {
    int end = HEADER_LENGTH + payloadLength;
    buffer.putInt(offset + end, computeCrc(end));
    length = end + TRAILER_LENGTH;
    return length;
  }

  /** Overwrites the sequence of an already built frame and re-seals it (control frame reuse). */
  public void resequence(long sequence) {
    buffer.putLong(offset + SEQUENCE_OFFSET, sequence);
    seal(payloadLength());
  }

  public int type() {
    return buffer.get(offset + TYPE_OFFSET) & 0xff;
  }

  public int epoch() {
    return buffer.getInt(offset + EPOCH_OFFSET);
  }

  public long sequence() {
    return buffer.getLong(offset + SEQUENCE_OFFSET);
  }

  public long objectId() {
    return buffer.getLong(offset + OBJECT_ID_OFFSET);
  }

  public int block() {
    return buffer.getInt(offset + BLOCK_OFFSET);
  }

  public int symbol() {
    return buffer.getInt(offset + SYMBOL_OFFSET);
  }

  /** Returns the absolute index in {@link #buffer()} where the payload starts. */
  public int payloadOffset() {
    return offset + HEADER_LENGTH;
  }

  /** Returns the payload's length (the frame's length minus header and trailer). */
  public int payloadLength() {
    return length - FRAME_OVERHEAD;
  }

  /** Returns a readable name of a frame type, for messages. */
  public static String typeName(int type) {
    return switch (type) {
      case TYPE_ANNOUNCE -> "ANNOUNCE";
      case TYPE_SYMBOL -> "SYMBOL";
      case TYPE_HEARTBEAT -> "HEARTBEAT";
      case TYPE_CATALOG -> "CATALOG";
      case TYPE_PASS_END -> "PASS_END";
      default -> "UNKNOWN(" + type + ")";
    };
  }

  /** The object id of a digest: its first 8 bytes, big-endian. */
  public static long objectId(byte[] sha256) {
    return ByteBuffer.wrap(sha256, 0, 8).order(ByteOrder.BIG_ENDIAN).getLong();
  }

  private int computeCrc(int end) {
    crc.reset();
    int position = buffer.position();
    int limit = buffer.limit();
    buffer.limit(buffer.capacity()).position(offset);
    buffer.limit(offset + end);
    crc.update(buffer);
    buffer.limit(limit).position(position);
    return (int) crc.getValue();
  }
}
