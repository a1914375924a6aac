package io.gapsync.protocol.diode;

/**
 * How an object is cut into FEC blocks (docs/FORMAT.md section 5.4): symbols of {@code symbolSize}
 * bytes (the last one zero-padded), {@code k} data symbols per block (fewer in the last block),
 * {@code m} parity symbols per block, and blocks sent in interleave groups of {@code interleave}
 * blocks, with the erasure code that {@code scheme} names ({@link ErasureCode#forScheme}).
 *
 * <p>With {@code outer} = G > 0, every G consecutive blocks also get one <i>outer block</i>: symbol
 * by symbol the XOR of the group's blocks (data symbol s with data symbol s, a short block's
 * missing data symbols counting as zeros, parity symbol i with parity symbol i). By linearity it is
 * itself a block of the code, with k data and m parity symbols. There are {@code floor(blockCount()
 * / G)} outer groups, the last one taking the remaining blocks too (up to 2G - 1), so outer blocks
 * never cost more than 1/G, and an object of fewer than G blocks has none. Outer blocks are
 * numbered after the data blocks: outer block q is block {@code blockCount() + q}. A block that
 * lost more than m symbols is then restored from the column relation "the XOR of a group's blocks
 * and its outer block is zero at every symbol position" (docs/FORMAT.md section 5.4).
 *
 * @param size the object's size in bytes
 * @param symbolSize bytes per symbol
 * @param k data symbols per full block
 * @param m parity symbols per block
 * @param interleave blocks per interleave group
 * @param scheme the FEC scheme id ({@link Announcement#SCHEME_CAUCHY_RS_GF256} or {@link
 *     Announcement#SCHEME_CAUCHY_BITMATRIX_GF256}, which needs a symbol size that is a multiple of
 *     64)
 * @param outer blocks per outer block, 0 (none) to {@link #OUTER_MAX}
 */
public record BlockLayout(
    long size, int symbolSize, int k, int m, int interleave, int scheme, int outer) {

  /** Smallest symbol the format allows. */
  public static final int SYMBOL_SIZE_MIN = 64;

  /** Largest symbol the format allows (a 9,216-byte jumbo frame). */
  public static final int SYMBOL_SIZE_MAX = 9216;

  /** Largest interleave depth. */
  public static final int INTERLEAVE_MAX = 4096;

  /** Most blocks one outer block covers (one byte in the announcement). */
  public static final int OUTER_MAX = 255;

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
        || outer < 0
        || outer > OUTER_MAX
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
              + ") outer="
              + outer
              + " (0.."
              + OUTER_MAX
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

  /** A layout with the byte-wise Reed-Solomon scheme 1 ({@link ReedSolomon}), no outer blocks. */
  public BlockLayout(long size, int symbolSize, int k, int m, int interleave) {
    this(size, symbolSize, k, m, interleave, Announcement.SCHEME_CAUCHY_RS_GF256, 0);
  }

  /** A layout without outer blocks. */
  public BlockLayout(long size, int symbolSize, int k, int m, int interleave, int scheme) {
    this(size, symbolSize, k, m, interleave, scheme, 0);
  }

  /** Returns the erasure code the layout's scheme names, for its {@code k} and {@code m}. */
  public ErasureCode code() {
    return ErasureCode.forScheme(scheme, k, m);
  }

  /** Returns the bytes of data in a full block. */
  public long blockBytes() {
    return (long) k * symbolSize;
  }

  /** Returns the number of data blocks (outer blocks not counted). */
  public int blockCount() {
    return (int) ((size + blockBytes() - 1) / blockBytes());
  }

  /** Returns the number of outer blocks: {@code floor(blockCount() / outer)}, 0 without them. */
  public int outerCount() {
    return outer == 0 ? 0 : blockCount() / outer;
  }

  /** Returns the number of blocks sent per pass: data blocks, then outer blocks. */
  public int totalBlocks() {
    return blockCount() + outerCount();
  }

  /** Returns whether a block index names an outer block. */
  public boolean isOuter(int block) {
    return block >= blockCount();
  }

  /**
   * Returns the outer group of a data block, or the group an outer block covers (only with outer
   * blocks).
   */
  public int outerGroup(int block) {
    return isOuter(block) ? block - blockCount() : Math.min(block / outer, outerCount() - 1);
  }

  /** Returns the first data block of an outer group. */
  public int outerFirst(int group) {
    return group * outer;
  }

  /** Returns the data block after the last one of an outer group (the last takes the rest). */
  public int outerEnd(int group) {
    return group == outerCount() - 1 ? blockCount() : (group + 1) * outer;
  }

  /** Returns the data symbols of a block: {@code k}, fewer for the last data block. */
  public int dataSymbols(int block) {
    if (isOuter(block)) {
      return k;
    }
    long rest = size - block * blockBytes();
    return (int) Math.min(k, (rest + symbolSize - 1) / symbolSize);
  }

  /** Returns the data and parity symbols of a block. */
  public int symbols(int block) {
    return dataSymbols(block) + m;
  }

  /** Returns the total number of symbols (data and parity, outer blocks too) in one pass. */
  public long totalSymbols() {
    int blocks = blockCount();
    return blocks == 0
        ? 0
        : (long) (blocks - 1) * (k + m) + symbols(blocks - 1) + (long) outerCount() * (k + m);
  }

  /** Returns the byte offset in the object of a data symbol. */
  public long dataOffset(int block, int symbol) {
    return block * blockBytes() + (long) symbol * symbolSize;
  }

  /** Returns the number of interleave groups. */
  public int groupCount() {
    return (blockCount() + interleave - 1) / interleave;
  }

  /**
   * Returns the FEC overhead of full blocks: symbols sent over data symbols, minus one; e.g. 0.1
   * for 200:20, and {@code (G + 1)(k + m) / (G k) - 1} with outer blocks every G blocks.
   */
  public double overhead() {
    return overhead(k, m, outer);
  }

  /** Returns the FEC overhead of a shape: {@link #overhead()} without a layout. */
  public static double overhead(int k, int m, int outer) {
    return outer == 0 ? (double) m / k : (double) (outer + 1) * (k + m) / ((double) outer * k) - 1;
  }
}
