package io.gapsync.protocol.diode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Symbols as little-endian 64-bit words ({@link ErasureCode#decodeWords}): {@code (len + 7) / 8}
 * words for {@code len} bytes, the last word's unused high bytes zero.
 */
public final class Words {

  private Words() {}

  /** Returns how many words hold {@code len} bytes. */
  public static int count(int len) {
    return (len + 7) >>> 3;
  }

  /**
   * Copies {@code len} bytes from a buffer's absolute {@code offset} into words (bulk copy for the
   * whole words, byte by byte for a tail).
   */
  public static void fromBuffer(ByteBuffer src, int offset, int len, long[] words) {
    int whole = len >>> 3;
    src.slice(offset, whole << 3)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asLongBuffer()
        .get(words, 0, whole);
    if ((len & 7) != 0) {
      long w = 0;
      for (int i = len - 1; i >= whole << 3; i--) {
        w = (w << 8) | (src.get(offset + i) & 0xFF);
      }
      words[whole] = w;
    }
  }

  /** Copies words into {@code len} bytes of a buffer from its position (which then advances). */
  public static void toBuffer(long[] words, int len, ByteBuffer dst) {
    int whole = len >>> 3;
    int at = dst.position();
    dst.slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(words, 0, whole);
    for (int i = whole << 3; i < len; i++) {
      dst.put(at + i, (byte) (words[whole] >>> ((i & 7) << 3)));
    }
    dst.position(at + len);
  }

  /** Copies {@code len} bytes into words. */
  public static void fromBytes(byte[] bytes, int len, long[] words) {
    fromBuffer(ByteBuffer.wrap(bytes), 0, len, words);
  }

  /** Copies words into the first {@code len} bytes of an array. */
  public static void toBytes(long[] words, byte[] bytes, int len) {
    toBuffer(words, len, ByteBuffer.wrap(bytes, 0, len));
  }
}
