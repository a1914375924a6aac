package io.gapsync.protocol;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Raw digests held as big-endian {@code long}s, the representation {@link DigestSet} and {@link
 * InventoryReader} use to handle millions of digests without creating an object for each. The order
 * of raw values (unsigned, big-endian) equals the order of their lowercase hex strings, so
 * comparisons here agree with {@link Digest#compareTo}.
 */
final class RawDigests {

  /** The algorithms in digest-string order. */
  static final DigestAlgorithm[] ORDER = sortedAlgorithms();

  private RawDigests() {}

  /** Returns the position of an algorithm in digest-string order. */
  static int rank(DigestAlgorithm algorithm) {
    for (int i = 0; i < ORDER.length; i++) {
      if (ORDER[i] == algorithm) {
        return i;
      }
    }
    throw new IllegalStateException("unranked algorithm " + algorithm);
  }

  /** Returns the number of longs that hold one raw digest of the algorithm. */
  static int width(DigestAlgorithm algorithm) {
    return algorithm.hexLength() / 16;
  }

  /** Compares two raw digests held as big-endian longs; equal to comparing their hex strings. */
  static int compareWords(long[] a, int aOff, long[] b, int bOff, int width) {
    for (int k = 0; k < width; k++) {
      int c = Long.compareUnsigned(a[aOff + k], b[bOff + k]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /**
   * Decodes the text of a digest, {@code algorithm:hex}, into big-endian longs without creating
   * objects.
   *
   * @param text the characters
   * @param off where the digest starts
   * @param len its length
   * @param words receives the raw digest; at least 8 long
   * @return the algorithm, or null if the text is not a valid digest (then call {@link
   *     Digest#parse} for the reason)
   */
  static DigestAlgorithm decode(char[] text, int off, int len, long[] words) {
    for (DigestAlgorithm a : ORDER) {
      String id = a.id();
      if (len != id.length() + 1 + a.hexLength() || text[off + id.length()] != ':') {
        continue;
      }
      for (int k = 0; k < id.length(); k++) {
        if (text[off + k] != id.charAt(k)) {
          return null;
        }
      }
      int hexOff = off + id.length() + 1;
      for (int w = 0; w < width(a); w++) {
        long v = 0;
        for (int k = 0; k < 16; k++) {
          int nibble = nibble(text[hexOff + w * 16 + k]);
          if (nibble < 0) {
            return null;
          }
          v = (v << 4) | nibble;
        }
        words[w] = v;
      }
      return a;
    }
    return null;
  }

  /** Decodes validated lowercase hex (a {@link Digest#hex()}) into big-endian longs. */
  static void decodeHex(String hex, long[] words) {
    for (int w = 0; w < hex.length() / 16; w++) {
      long v = 0;
      for (int k = 0; k < 16; k++) {
        v = (v << 4) | nibble(hex.charAt(w * 16 + k));
      }
      words[w] = v;
    }
  }

  /** Encodes big-endian longs as a digest. */
  static Digest toDigest(DigestAlgorithm algorithm, long[] words, int off) {
    char[] hex = new char[algorithm.hexLength()];
    for (int w = 0; w < width(algorithm); w++) {
      long v = words[off + w];
      for (int k = 15; k >= 0; k--) {
        hex[w * 16 + k] = Character.forDigit((int) (v & 0xf), 16);
        v >>>= 4;
      }
    }
    return new Digest(algorithm, new String(hex));
  }

  private static int nibble(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  private static DigestAlgorithm[] sortedAlgorithms() {
    DigestAlgorithm[] all = DigestAlgorithm.values();
    Arrays.sort(all, Comparator.comparing(DigestAlgorithm::id));
    return all;
  }
}
