package io.gapsync.protocol.diode;

/**
 * How an object is cut into FEC blocks (docs/FORMAT.md section 5.4): symbols of {@code symbolSize}
 * bytes (the last one zero-padded), {@code k} data symbols per block (fewer in the last block),
 * {@code m} parity symbols per block, and blocks sent in interleave groups of {@code interleave}
 * blocks, with the erasure code that {@code scheme} names ({@link ErasureCode#forScheme}).
 *
 * @param size the object's size in bytes
 * @param symbolSize bytes per symbol
 * @param k data symbols per full block
 * @param m parity symbols per block
 * @param interleave blocks per interleave group
 * @param scheme the FEC scheme id ({@link Announcement#SCHEME_CAUCHY_RS_GF256} or {@link
 *     Announcement#SCHEME_CAUCHY_BITMATRIX_GF256}, which needs a symbol size that is a multiple of
 *     64)
 */
public record BlockLayout(long size, int symbolSize, int k, int m, int interleave, int scheme) {

  /** Smallest symbol the format allows. */
  public static final int SYMBOL_SIZE_MIN = 64;

  /** Largest symbol the format allows (a 9,216-byte jumbo frame). */
  public static final int SYMBOL_SIZE_MAX = 9216;

  /** Largest interleave depth. */
  public static final int INTERLEAVE_MAX = 4096;

  /** Validates the parameters. */
  public BlockLayout {
    if (size < 0
        || symbolSize < SYMBOL_SIZE_MIN
        || symbolSize > SYMBOL_SIZE_MAX
        || k < 1
        || m < 0
        || k + m > ReedSolomon.MAX_SYMBOLS
        || k > 255
        || m > 255
        || interleave < 1
        || interleave > INTERLEAVE_MAX
        || (scheme != Announcement.SCHEME_CAUCHY_RS_GF256
            && scheme != Announcement.SCHEME_CAUCHY_BITMATRIX_GF256)
        || (scheme == Announcement.SCHEME_CAUCHY_BITMATRIX_GF256
            && symbolSize % CauchyBitMatrixCode.SYMBOL_ALIGN != 0)) {
      throw new DiodeException(
          "Invalid block layout: size="
              + size
              + " symbolSize="
              + symbolSize
              + " (allowed "
              + SYMBOL_SIZE_MIN
              + ".."
              + SYMBOL_SIZE_MAX
              + ") k="
              + k
              + " m="
              + m
              + " (k >= 1, k + m <= 256) interleave="
              + interleave
              + " (1.."
              + INTERLEAVE_MAX
              + ") scheme="
              + scheme
              + " (1, or 2 with a symbol size that is a multiple of "
              + CauchyBitMatrixCode.SYMBOL_ALIGN
              + ")");
    }
    if ((size + (long) k * symbolSize - 1) / ((long) k * symbolSize) > Integer.MAX_VALUE) {
      throw new DiodeException("Invalid block layout: " + size + " bytes need too many blocks");
    }
  }

  /** A layout with the byte-wise Reed-Solomon scheme 1 ({@link ReedSolomon}). */
  public BlockLayout(long size, int symbolSize, int k, int m, int interleave) {
    this(size, symbolSize, k, m, interleave, Announcement.SCHEME_CAUCHY_RS_GF256);
  }

  /** Returns the erasure code the layout's scheme names, for its {@code k} and {@code m}. */
  public ErasureCode code() {
    return ErasureCode.forScheme(scheme, k, m);
  }

  /** Returns the bytes of data in a full block. */
  public long blockBytes() {
    return (long) k * symbolSize;
  }

  /** Returns the number of blocks. */
  public int blockCount() {
    return (int) ((size + blockBytes() - 1) / blockBytes());
  }

  /** Returns the data symbols of a block: {@code k}, or fewer for the last one. */
  public int dataSymbols(int block) {
    long rest = size - block * blockBytes();
    return (int) Math.min(k, (rest + symbolSize - 1) / symbolSize);
  }

  /** Returns the data and parity symbols of a block. */
  public int symbols(int block) {
    return dataSymbols(block) + m;
  }

  /** Returns the total number of symbols (data and parity) in one pass. */
  public long totalSymbols() {
    int blocks = blockCount();
    return blocks == 0 ? 0 : (long) (blocks - 1) * (k + m) + symbols(blocks - 1);
  }

  /** Returns the byte offset in the object of a data symbol. */
  public long dataOffset(int block, int symbol) {
    return block * blockBytes() + (long) symbol * symbolSize;
  }

  /** Returns the number of interleave groups. */
  public int groupCount() {
    return (blockCount() + interleave - 1) / interleave;
  }

  /** Returns the FEC overhead: parity symbols over data symbols, e.g. 0.1 for 200:20. */
  public double overhead() {
    return (double) m / k;
  }
}
