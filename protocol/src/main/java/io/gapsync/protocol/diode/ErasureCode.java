package io.gapsync.protocol.diode;

/**
 * A systematic erasure code over the symbols of one FEC block (docs/FORMAT.md section 5.4): {@code
 * k} data symbols get {@code m} parity symbols, and any {@code k'} of the {@code k' + m} symbols of
 * a block with {@code k'} data symbols restore its data. Which code an object uses is announced
 * in-band as a scheme id ({@link Announcement}); {@link #forScheme} is the one place that maps an
 * id to an implementation.
 *
 * <p>Implementations are immutable and thread-safe; the arrays passed in belong to the caller.
 */
public sealed interface ErasureCode permits ReedSolomon, CauchyBitMatrixCode {

  /**
   * Returns the code an announced scheme id names.
   *
   * @param scheme {@link Announcement#SCHEME_CAUCHY_RS_GF256} or {@link
   *     Announcement#SCHEME_CAUCHY_BITMATRIX_GF256}
   * @param k data symbols per full block
   * @param m parity symbols per block
   * @throws IllegalArgumentException if the scheme is unknown or {@code k}, {@code m} are out of
   *     range
   */
  static ErasureCode forScheme(int scheme, int k, int m) {
    return switch (scheme) {
      case Announcement.SCHEME_CAUCHY_RS_GF256 -> new ReedSolomon(k, m);
      case Announcement.SCHEME_CAUCHY_BITMATRIX_GF256 -> new CauchyBitMatrixCode(k, m);
      default -> throw new IllegalArgumentException("unknown FEC scheme " + scheme);
    };
  }

  /** Returns the scheme id announced for this code. */
  int scheme();

  /** Returns the number of data symbols of a full block. */
  int k();

  /** Returns the number of parity symbols of every block. */
  int m();

  /**
   * Computes the parity of one block.
   *
   * @param data the block's data symbols, {@code dataCount} of them, each at least {@code len}
   *     bytes
   * @param dataCount {@code k'}, 1 to {@code k}
   * @param parity {@code m} arrays that receive the parity (overwritten)
   * @param len the symbol size in bytes
   * @throws IllegalArgumentException if {@code dataCount} or {@code len} does not suit the code
   */
  void encode(byte[][] data, int dataCount, byte[][] parity, int len);

  /**
   * Restores the missing data symbols of one block in place. Only the data is restored; missing
   * parity is not needed by anyone. Costs nothing when no data symbol is missing.
   *
   * @param shards {@code dataCount} data symbols then {@code m} parity symbols; the arrays of
   *     missing data symbols receive the restored content
   * @param present which of {@code shards} hold received content
   * @param dataCount {@code k'}, 1 to {@code k}
   * @param len the symbol size in bytes
   * @return the number of data symbols restored
   * @throws IllegalArgumentException if fewer than {@code dataCount} symbols are present (the block
   *     is beyond repair), naming how many are present and how many are needed
   */
  int decode(byte[][] shards, boolean[] present, int dataCount, int len);

  /**
   * {@link #decode} over symbols held as little-endian 64-bit words ({@code (len + 7) / 8} words
   * each, the bytes of a symbol in the order a {@link java.nio.ByteOrder#LITTLE_ENDIAN} view gives
   * them, the last word's unused high bytes zero): what the receiver's block buffers hold. This
   * default converts to bytes and back; {@link CauchyBitMatrixCode} works on the words directly.
   *
   * @return the number of data symbols restored
   * @throws IllegalArgumentException as {@link #decode} does
   */
  default int decodeWords(long[][] shards, boolean[] present, int dataCount, int len) {
    int n = dataCount + m();
    byte[][] bytes = new byte[n][];
    for (int s = 0; s < n; s++) {
      bytes[s] = new byte[len];
      if (present[s]) {
        Words.toBytes(shards[s], bytes[s], len);
      }
    }
    int restored = decode(bytes, present, dataCount, len);
    for (int s = 0; s < dataCount; s++) {
      if (!present[s]) {
        Words.fromBytes(bytes[s], len, shards[s]);
      }
    }
    return restored;
  }
}
