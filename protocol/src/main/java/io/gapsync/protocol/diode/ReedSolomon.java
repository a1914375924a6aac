package io.gapsync.protocol.diode;

/**
 * A systematic Reed-Solomon erasure code over GF(2^8) with a Cauchy generator (docs/FORMAT.md
 * section 5.4): a block of up to {@code k} data symbols gets {@code m} parity symbols, and any
 * {@code k'} of the {@code k' + m} symbols of a block with {@code k'} data symbols restore it.
 *
 * <p>Parity symbol {@code i} is {@code sum_j C[i][j] * data_j} with {@code C[i][j] = 1 / (x_i +
 * y_j)}, {@code x_i = i} and {@code y_j = m + j}: all {@code x} and {@code y} are distinct, so
 * every square sub-matrix of {@code C} is invertible, which is what makes any {@code m} erasures
 * recoverable. A short last block with {@code k' < k} data symbols simply uses the first {@code k'}
 * columns (a shortened code); the receiver knows {@code k'} from the object's size.
 *
 * <p>Immutable and thread-safe; the arrays passed in belong to the caller.
 */
public final class ReedSolomon implements ErasureCode {

  /** Largest {@code k + m}: the field has 256 elements and x and y must be distinct. */
  public static final int MAX_SYMBOLS = 256;

  private final int k;
  private final int m;

  /** {@code CAUCHY[i][j]}, {@code m} rows of {@code k} coefficients. */
  private final int[][] cauchy;

  /**
   * Creates a code.
   *
   * @param k data symbols per full block, at least 1
   * @param m parity symbols per block, at least 0
   * @throws IllegalArgumentException if {@code k < 1}, {@code m < 0} or {@code k + m > 256}
   */
  public ReedSolomon(int k, int m) {
    this.cauchy = cauchy(k, m);
    this.k = k;
    this.m = m;
  }

  /**
   * Returns the Cauchy matrix {@code C[i][j] = 1 / (i xor (m + j))}, {@code m} rows of {@code k}.
   *
   * @throws IllegalArgumentException if {@code k < 1}, {@code m < 0} or {@code k + m > 256}
   */
  static int[][] cauchy(int k, int m) {
    if (k < 1 || m < 0 || k + m > MAX_SYMBOLS) {
      throw new IllegalArgumentException(
          "Reed-Solomon over GF(2^8) needs k >= 1, m >= 0 and k + m <= "
              + MAX_SYMBOLS
              + ", got k="
              + k
              + " m="
              + m);
    }
    int[][] c = new int[m][k];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        c[i][j] = Gf256.inv(i ^ (m + j));
      }
    }
    return c;
  }

  @Override
  public int scheme() {
    return Announcement.SCHEME_CAUCHY_RS_GF256;
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
   * Computes the parity of one block.
   *
   * @param data the block's data symbols, {@code dataCount} of them, each at least {@code len}
   *     bytes
   * @param dataCount {@code k'}, 1 to {@code k}
   * @param parity {@code m} arrays that receive the parity (overwritten)
   * @param len the symbol size in bytes
   */
  @Override
  public void encode(byte[][] data, int dataCount, byte[][] parity, int len) {
    checkDataCount(dataCount);
    for (int i = 0; i < m; i++) {
      java.util.Arrays.fill(parity[i], 0, len, (byte) 0);
    }
    // Data-major: each data symbol is read once while the m parity rows stay in cache.
    for (int j = 0; j < dataCount; j++) {
      for (int i = 0; i < m; i++) {
        Gf256.mulAdd(cauchy[i][j], data[j], 0, parity[i], 0, len);
      }
    }
  }

  /**
   * Restores the missing data symbols of one block in place. Only the data is restored; missing
   * parity is not needed by anyone. Costs about {@code erasures * k'} multiply-adds per byte, and
   * nothing when no data symbol is missing.
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
  @Override
  public int decode(byte[][] shards, boolean[] present, int dataCount, int len) {
    checkDataCount(dataCount);
    Erasures erasures = Erasures.of(present, dataCount, m);
    int e = erasures.count();
    if (e == 0) {
      return 0;
    }
    int[] missing = erasures.missing;
    int[] rows = erasures.rows;
    // Syndromes: each chosen parity minus the contribution of the data symbols that arrived
    // leaves a linear combination of the missing ones only.
    byte[][] syndrome = new byte[e][len];
    for (int s = 0; s < e; s++) {
      int row = rows[s];
      System.arraycopy(shards[dataCount + row], 0, syndrome[s], 0, len);
      for (int j = 0; j < dataCount; j++) {
        if (present[j]) {
          Gf256.mulAdd(cauchy[row][j], shards[j], 0, syndrome[s], 0, len);
        }
      }
    }
    int[][] a = new int[e][e];
    for (int s = 0; s < e; s++) {
      for (int c = 0; c < e; c++) {
        a[s][c] = cauchy[rows[s]][missing[c]];
      }
    }
    Gf256.invert(a);
    for (int c = 0; c < e; c++) {
      byte[] out = shards[missing[c]];
      java.util.Arrays.fill(out, 0, len, (byte) 0);
      for (int s = 0; s < e; s++) {
        Gf256.mulAdd(a[c][s], syndrome[s], 0, out, 0, len);
      }
    }
    return e;
  }

  private void checkDataCount(int dataCount) {
    if (dataCount < 1 || dataCount > k) {
      throw new IllegalArgumentException(
          "a block has 1 to " + k + " data symbols, got " + dataCount);
    }
  }

  @Override
  public String toString() {
    return "ReedSolomon[k=" + k + ", m=" + m + ", cauchy]";
  }
}
