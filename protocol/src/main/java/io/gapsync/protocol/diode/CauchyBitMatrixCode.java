package io.gapsync.protocol.diode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Cauchy Reed-Solomon over GF(2^8) in XOR bit-matrix form (docs/FORMAT.md section 5.4, scheme 2;
 * Blömer et al. 1995, Plank and Xu 2006): the same MDS code family as {@link ReedSolomon}, computed
 * with whole-packet XORs instead of byte-wise field multiplications.
 *
 * <p>A symbol of {@code len} bytes ({@code len} a multiple of {@link #SYMBOL_ALIGN}) is cut into 8
 * packets of {@code len / 8} bytes. Every GF(2^8) coefficient {@code e} becomes an 8 x 8 bit matrix
 * whose column {@code c} is the bits of {@code e * 2^c}; parity packet {@code r} of parity symbol
 * {@code i} is the XOR of data packet {@code c} of data symbol {@code j} over every one bit {@code
 * (r, c)} of coefficient {@code C[i][j]}'s matrix. Read bit {@code b} of byte {@code t} of the 8
 * packets of a symbol as one field element (packet {@code c} gives the coefficient of {@code x^c}):
 * then each such element of the parity is exactly {@code sum_j C[i][j] * data_j} in GF(2^8), so any
 * {@code k'} of {@code k' + m} symbols restore a block, as with {@link ReedSolomon}.
 *
 * <p>The coefficients are the "good Cauchy" matrix of Plank: start from {@code 1 / (i xor (m +
 * j))}, divide every column by its row-0 entry (so parity 0 is the plain XOR of the data), then
 * scale each further row by the multiplier in 1..255 (the smallest on a tie) that gives its bit
 * matrices the fewest ones. Scaling rows and columns of a Cauchy matrix by non-zero constants keeps
 * every square sub-matrix invertible, so the code stays MDS. The XOR loops are plain {@code dst[i]
 * ^= src[i]} over arrays, which the JIT turns into SIMD instructions.
 *
 * <p>Immutable and thread-safe; the arrays passed in belong to the caller.
 */
public final class CauchyBitMatrixCode implements ErasureCode {

  /** For every field element: the one bits of its 8 x 8 bit matrix as {@code r << 3 | c}. */
  private static final byte[][] ONES = new byte[256][];

  static {
    for (int e = 0; e < 256; e++) {
      byte[] ones = new byte[64];
      int n = 0;
      for (int r = 0; r < 8; r++) {
        for (int c = 0; c < 8; c++) {
          if ((Gf256.mul(e, 1 << c) >>> r & 1) != 0) {
            ones[n++] = (byte) (r << 3 | c);
          }
        }
      }
      ONES[e] = Arrays.copyOf(ones, n);
    }
  }

  /**
   * For every field element: row {@code r} of its 8 x 8 bit matrix as a mask of the input packets
   * ({@code bit c} set when parity packet {@code r} takes data packet {@code c}).
   */
  private static final int[][] ROWS = new int[256][8];

  static {
    for (int e = 0; e < 256; e++) {
      for (byte one : ONES[e]) {
        ROWS[e][one >>> 3] |= 1 << (one & 7);
      }
    }
  }

  /**
   * Packets a data symbol's tables add to its own 8 (in {@link #encodeStriped}): every XOR of two
   * or more of packets 0 to 3, and of 4 to 7 (11 each).
   */
  static final int TABLE_PACKETS = 22;

  /** A symbol's size must be a multiple of this: 8 packets, each a whole number of 64-bit words. */
  public static final int SYMBOL_ALIGN = 64;

  /** Columns per tile in {@link #encodeStriped}: 8 rows of m parity tiles stay in cache. */
  static final int TILE_WORDS = 512;

  private final int k;
  private final int m;

  /** {@code coefficients[i][j]}, {@code m} rows of {@code k} field elements. */
  private final int[][] coefficients;

  /** Whether data symbol {@code j} is encoded through its tables ({@link #encodeStriped}). */
  private final boolean[] tables;

  /** {@code columns[j][i] = coefficients[i][j]}. */
  private final int[][] columns;

  /** Whether decoding may use tables too (off only to compare). */
  private final boolean decodeTables;

  /**
   * Creates a code.
   *
   * @param k data symbols per full block, at least 1
   * @param m parity symbols per block, at least 0
   * @throws IllegalArgumentException if {@code k < 1}, {@code m < 0} or {@code k + m > 256}
   */
  public CauchyBitMatrixCode(int k, int m) {
    this(k, m, true);
  }

  /**
   * Creates a code that may be told not to encode through tables (the same parity, computed one XOR
   * per one bit everywhere: tests and benchmarks compare the two).
   *
   * @param tables whether data symbols for which tables cost less are encoded through them
   * @throws IllegalArgumentException if {@code k < 1}, {@code m < 0} or {@code k + m > 256}
   */
  public CauchyBitMatrixCode(int k, int m, boolean tables) {
    this.coefficients = ReedSolomon.cauchy(k, m);
    this.k = k;
    this.m = m;
    improve(coefficients);
    this.tables = new boolean[k];
    this.columns = new int[k][];
    for (int j = 0; j < k; j++) {
      columns[j] = column(j);
      this.tables[j] = tables && tablesPay(columns[j], m);
    }
    this.decodeTables = tables;
  }

  /** Data symbol {@code j}'s coefficients in every parity row: column {@code j} of the matrix. */
  private int[] column(int j) {
    int[] c = new int[m];
    for (int i = 0; i < m; i++) {
      c[i] = coefficients[i][j];
    }
    return c;
  }

  /**
   * Whether adding one symbol times each of {@code coefs} to as many outputs costs less through
   * tables than one bit at a time, counting memory accesses per word: one bit at a time is a load,
   * a load and a store per one bit; tables cost building the {@link #TABLE_PACKETS} (two loads and
   * a store each), then each output packet takes at most one table packet from each half (a load
   * per source, a load and a store), plus a quarter.
   */
  static boolean tablesPay(int[] coefs, int count) {
    long direct = 0;
    long tables = 3L * TABLE_PACKETS;
    for (int i = 0; i < count; i++) {
      direct += 3L * ONES[coefs[i]].length;
      for (int row : ROWS[coefs[i]]) {
        int sources = ((row & 15) != 0 ? 1 : 0) + ((row >>> 4) != 0 ? 1 : 0);
        tables += sources == 0 ? 0 : sources + 2;
      }
    }
    // A quarter on top for the tables' extra calls and scratch traffic: measured at 2 erasures
    // (decode, 22-word packets) the plain count favoured tables where they were 15 % slower.
    return tables + tables / 4 < direct;
  }

  /** Returns how many data symbols of a full block are encoded through tables (tests). */
  int tableColumns() {
    int n = 0;
    for (boolean t : tables) {
      n += t ? 1 : 0;
    }
    return n;
  }

  /** Plank's improvement, in place: row 0 all ones, then each row scaled to its fewest ones. */
  static void improve(int[][] c) {
    if (c.length == 0) {
      return;
    }
    int k = c[0].length;
    for (int j = 0; j < k; j++) {
      int scale = Gf256.inv(c[0][j]);
      for (int[] row : c) {
        row[j] = Gf256.mul(row[j], scale);
      }
    }
    for (int i = 1; i < c.length; i++) {
      int best = 1;
      int bestOnes = Integer.MAX_VALUE;
      for (int s = 1; s < 256; s++) {
        int ones = 0;
        for (int j = 0; j < k; j++) {
          ones += ONES[Gf256.mul(c[i][j], s)].length;
        }
        if (ones < bestOnes) {
          best = s;
          bestOnes = ones;
        }
      }
      for (int j = 0; j < k; j++) {
        c[i][j] = Gf256.mul(c[i][j], best);
      }
    }
  }

  /** Returns coefficient {@code C[i][j]} (tests cross-check against byte-wise GF(2^8) math). */
  int coefficient(int i, int j) {
    return coefficients[i][j];
  }

  /** Returns how many ones the bit matrices of a full block's coefficients hold in all. */
  public long ones() {
    long n = 0;
    for (int[] row : coefficients) {
      for (int e : row) {
        n += ONES[e].length;
      }
    }
    return n;
  }

  @Override
  public int scheme() {
    return Announcement.SCHEME_CAUCHY_BITMATRIX_GF256;
  }

  @Override
  public int k() {
    return k;
  }

  @Override
  public int m() {
    return m;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Costs about {@code ones() / (8 k)} packet XORs per data byte's packet: each data symbol is
   * read once while the {@code m} parity symbols stay in cache.
   *
   * <p>Converts to 64-bit words and calls {@link #encodeStriped} for one block; the sender calls
   * that directly on whole interleave groups.
   */
  @Override
  public void encode(byte[][] data, int dataCount, byte[][] parity, int len) {
    checkShape(dataCount, len);
    int packetWords = len / 64;
    long[][] words = new long[dataCount][];
    for (int j = 0; j < dataCount; j++) {
      words[j] = toWords(data[j], len);
    }
    long[][] out = new long[m][len / 8];
    encodeStriped(words, dataCount, out, packetWords, 0, packetWords);
    for (int i = 0; i < m; i++) {
      fromWords(out[i], parity[i], len);
    }
  }

  /**
   * Computes parity for many blocks at once, laid out in stripes of 64-bit words so every XOR runs
   * over a long stretch of memory. All blocks of an interleave group share one coefficient matrix,
   * so their packets can sit side by side: {@code data[j]} holds data symbol {@code j} of every
   * block as 8 rows of {@code stride} words, row {@code c} holding packet {@code c} of each block
   * one after another ({@code symbolSize / 64} words per block, little-endian, as {@link
   * java.nio.ByteOrder#LITTLE_ENDIAN} views of the symbol's bytes give them); {@code parity[i]}
   * likewise. A block with fewer data symbols, or no block at all, must have zeros in the columns
   * it lacks: a zero symbol adds nothing to parity, so that is exactly the shortened code.
   *
   * <p>Only columns {@code [from, to)} of each row are computed, so several threads can share a
   * group.
   *
   * @param data {@code dataCount} striped data symbols, each at least {@code 8 * stride} words
   * @param dataCount how many data symbols, 1 to {@code k}
   * @param parity {@code m} striped parity symbols; columns {@code [from, to)} are overwritten
   * @param stride words per row
   * @param from first column (word)
   * @param to column after the last
   */
  public void encodeStriped(
      long[][] data, int dataCount, long[][] parity, int stride, int from, int to) {
    if (dataCount < 1 || dataCount > k) {
      throw new IllegalArgumentException(
          "a block has 1 to " + k + " data symbols, got " + dataCount);
    }
    if (from < 0 || to > stride || from > to) {
      throw new IllegalArgumentException(
          "columns [" + from + ", " + to + ") do not fit in a row of " + stride + " words");
    }
    // Tiles of columns keep the m parity rows of a tile in the L1/L2 cache while every data
    // symbol streams through once.
    long[] scratch = new long[TABLE_PACKETS * Math.min(TILE_WORDS, to - from)];
    long[][] src = new long[32][];
    int[] srcAt = new int[32];
    for (int start = from; start < to; start += TILE_WORDS) {
      int width = Math.min(TILE_WORDS, to - start);
      for (int i = 0; i < m; i++) {
        for (int r = 0; r < 8; r++) {
          Arrays.fill(parity[i], r * stride + start, r * stride + start + width, 0L);
        }
      }
      for (int j = 0; j < dataCount; j++) {
        if (tables[j]) {
          addThroughTables(
              columns[j], m, data[j], parity, stride, start, width, scratch, src, srcAt);
        } else {
          for (int i = 0; i < m; i++) {
            mulAdd(coefficients[i][j], data[j], parity[i], stride, start, width);
          }
        }
      }
    }
  }

  /**
   * {@code outs[i] ^= coefs[i] * data} for {@code i < count}, on one tile, by the method of four
   * Russians: first the symbol's tables, for each half of its 8 packets the XOR of every subset of
   * the half (single packets are the data itself, the 11 others are built in {@code scratch}); then
   * each output packet {@code r} of output {@code i} takes the low half's entry for the low 4 bits
   * of row {@code r} of {@code coefs[i]}'s bit matrix and the high half's for the high 4. That is
   * at most two sources per output packet instead of one XOR per one bit (about 4 per row): with m
   * = 12, 22 + 11 * 8 * 2 XORs of a packet instead of 11 * 30 + 8.
   *
   * @param scratch at least {@link #TABLE_PACKETS} {@code * width} words
   * @param src 32 slots for the tables' arrays
   * @param srcAt 32 slots for the tables' offsets
   */
  private static void addThroughTables(
      int[] coefs,
      int count,
      long[] data,
      long[][] outs,
      int stride,
      int start,
      int width,
      long[] scratch,
      long[][] src,
      int[] srcAt) {
    int built = 0;
    for (int half = 0; half < 2; half++) {
      int base = half * 16;
      for (int b = 0; b < 4; b++) {
        src[base + (1 << b)] = data;
        srcAt[base + (1 << b)] = (half * 4 + b) * stride + start;
      }
      for (int mask = 3; mask < 16; mask++) {
        int low = mask & -mask;
        if (low == mask) {
          continue;
        }
        int rest = base + (mask ^ low);
        int at = built++ * width;
        xorOf(src[rest], srcAt[rest], src[base + low], srcAt[base + low], scratch, at, width);
        src[base + mask] = scratch;
        srcAt[base + mask] = at;
      }
    }
    for (int i = 0; i < count; i++) {
      int[] rows = ROWS[coefs[i]];
      long[] p = outs[i];
      for (int r = 0; r < 8; r++) {
        int lo = rows[r] & 15;
        int hi = 16 + (rows[r] >>> 4);
        int at = r * stride + start;
        if (lo != 0 && hi != 16) {
          xor2(src[lo], srcAt[lo], src[hi], srcAt[hi], p, at, width);
        } else if (lo != 0) {
          xor(src[lo], srcAt[lo], p, at, width);
        } else if (hi != 16) {
          xor(src[hi], srcAt[hi], p, at, width);
        }
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Computes the syndromes of the chosen parity rows over the present data, then the missing
   * symbols from them: about {@code erasures * k'} bit-matrix products per block, the first row's
   * at the cost of plain XORs.
   */
  @Override
  public int decode(byte[][] shards, boolean[] present, int dataCount, int len) {
    checkShape(dataCount, len);
    int n = dataCount + m;
    long[][] words = new long[n][];
    for (int s = 0; s < n; s++) {
      // Only what the decode reads is converted: present symbols; missing ones get fresh words.
      words[s] = present[s] ? toWords(shards[s], len) : new long[len / 8];
    }
    int e = decodeWords(words, present, dataCount, len);
    for (int j = 0; j < dataCount; j++) {
      if (!present[j]) {
        fromWords(words[j], shards[j], len);
      }
    }
    return e;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Works on the words in place, without converting: the receiver's block buffers hold them.
   */
  @Override
  public int decodeWords(long[][] shards, boolean[] present, int dataCount, int len) {
    checkShape(dataCount, len);
    Erasures erasures = Erasures.of(present, dataCount, m);
    int e = erasures.count();
    if (e == 0) {
      return 0;
    }
    int[] missing = erasures.missing;
    int[] rows = erasures.rows;
    // parity_rows = A * missing + B * present, with A = C[rows][missing]: so
    // missing = A^-1 * (parity_rows + B * present) (+ is xor).
    int[][] a = new int[e][e];
    for (int s = 0; s < e; s++) {
      for (int c = 0; c < e; c++) {
        a[s][c] = coefficients[rows[s]][missing[c]];
      }
    }
    Gf256.invert(a);
    int packet = len / 64;
    int words = len / 8;
    // Syndromes first: y_s = parity_rows[s] + sum over present j of C[rows[s]][j] * data_j, which
    // leaves A * missing. The first present parity row is usually row 0, all ones (one symbol XOR
    // per data symbol, not ~4), so this costs k'(8 + (e - 1) * ~28) packet XORs plus e^2 products,
    // against e k' ~32 for combining A^-1 into every coefficient first (measured in perf/README.md,
    // "The FEC itself").
    long[][] syndromes = new long[e][];
    for (int s = 0; s < e; s++) {
      syndromes[s] = Arrays.copyOf(shards[dataCount + rows[s]], words);
    }
    // With many erasures each present symbol feeds many syndromes: then through its tables.
    int[] coefs = new int[e];
    long[] scratch = null;
    long[][] src = null;
    int[] srcAt = null;
    for (int j = 0; j < dataCount; j++) {
      if (!present[j]) {
        continue;
      }
      for (int s = 0; s < e; s++) {
        coefs[s] = coefficients[rows[s]][j];
      }
      if (decodeTables && tablesPay(coefs, e)) {
        if (scratch == null) {
          scratch = new long[TABLE_PACKETS * packet];
          src = new long[32][];
          srcAt = new int[32];
        }
        addThroughTables(coefs, e, shards[j], syndromes, packet, 0, packet, scratch, src, srcAt);
      } else {
        for (int s = 0; s < e; s++) {
          mulAdd(coefs[s], shards[j], syndromes[s], packet, 0, packet);
        }
      }
    }
    for (int t = 0; t < e; t++) {
      long[] out = shards[missing[t]];
      Arrays.fill(out, 0, words, 0L);
      for (int s = 0; s < e; s++) {
        mulAdd(a[t][s], syndromes[s], out, packet, 0, packet);
      }
    }
    return e;
  }

  /** {@code dst ^= e * src} on columns {@code [start, start + width)} of 8 rows of a stride. */
  private static void mulAdd(int e, long[] src, long[] dst, int stride, int start, int width) {
    for (byte one : ONES[e]) {
      xor(src, (one & 7) * stride + start, dst, (one >>> 3) * stride + start, width);
    }
  }

  /** {@code dst[dstOff + i] ^= src[srcOff + i]} for {@code len} words (the same loop, public). */
  public static void xorInto(long[] src, int srcOff, long[] dst, int dstOff, int len) {
    xor(src, srcOff, dst, dstOff, len);
  }

  /**
   * {@code dst[dstOff + i] ^= src[srcOff + i]}: the only arithmetic of this code. On long arrays
   * the JIT emits SIMD XORs (measured about 10x faster than the same loop over a byte array with
   * offsets, which it leaves scalar).
   */
  static void xor(long[] src, int srcOff, long[] dst, int dstOff, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] ^= src[srcOff + i];
    }
  }

  /** {@code dst[dstOff + i] = a[aOff + i] ^ b[bOff + i]} for {@code len} words. */
  private static void xorOf(
      long[] a, int aOff, long[] b, int bOff, long[] dst, int dstOff, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = a[aOff + i] ^ b[bOff + i];
    }
  }

  /** {@code dst[dstOff + i] ^= a[aOff + i] ^ b[bOff + i]} for {@code len} words. */
  private static void xor2(
      long[] a, int aOff, long[] b, int bOff, long[] dst, int dstOff, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] ^= a[aOff + i] ^ b[bOff + i];
    }
  }

  /** Returns the first {@code len} bytes as little-endian 64-bit words. */
  static long[] toWords(byte[] bytes, int len) {
    long[] words = new long[len / 8];
    ByteBuffer.wrap(bytes, 0, len).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
    return words;
  }

  /** Writes words back as {@code len} little-endian bytes. */
  static void fromWords(long[] words, byte[] bytes, int len) {
    ByteBuffer.wrap(bytes, 0, len)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asLongBuffer()
        .put(words, 0, len / 8);
  }

  private void checkShape(int dataCount, int len) {
    if (dataCount < 1 || dataCount > k) {
      throw new IllegalArgumentException(
          "a block has 1 to " + k + " data symbols, got " + dataCount);
    }
    if (len % SYMBOL_ALIGN != 0) {
      throw new IllegalArgumentException(
          "the bit-matrix code needs a symbol size that is a multiple of "
              + SYMBOL_ALIGN
              + ", got "
              + len);
    }
  }

  @Override
  public String toString() {
    return "CauchyBitMatrixCode[k=" + k + ", m=" + m + "]";
  }
}
