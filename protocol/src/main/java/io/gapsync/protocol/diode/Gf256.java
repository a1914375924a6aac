package io.gapsync.protocol.diode;

/**
 * Arithmetic in GF(2^8) with the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 ({@code 0x11d}),
 * the field of most Reed-Solomon codes over bytes. Addition is XOR; multiplication uses a full 256
 * x 256 product table (64 KiB) so the hot loop {@link #mulAdd} is one table load per byte.
 */
final class Gf256 {

  /** The primitive polynomial, including the x^8 term. */
  static final int POLYNOMIAL = 0x11d;

  private static final int[] EXP = new int[512];
  private static final int[] LOG = new int[256];

  /** {@code PRODUCT[a][b] = a * b}; one row per multiplier so a loop keeps one row in hand. */
  private static final byte[][] PRODUCT = new byte[256][256];

  static {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = x;
      LOG[x] = i;
      x <<= 1;
      if ((x & 0x100) != 0) {
        x ^= POLYNOMIAL;
      }
    }
    for (int i = 255; i < EXP.length; i++) {
      EXP[i] = EXP[i - 255];
    }
    for (int a = 1; a < 256; a++) {
      for (int b = 1; b < 256; b++) {
        PRODUCT[a][b] = (byte) EXP[LOG[a] + LOG[b]];
      }
    }
  }

  private Gf256() {}

  /** Returns {@code a * b}. */
  static int mul(int a, int b) {
    return PRODUCT[a & 0xff][b & 0xff] & 0xff;
  }

  /**
   * Returns the multiplicative inverse of {@code a}.
   *
   * @throws ArithmeticException if {@code a} is zero
   */
  static int inv(int a) {
    if ((a & 0xff) == 0) {
      throw new ArithmeticException("zero has no inverse in GF(2^8)");
    }
    return EXP[255 - LOG[a & 0xff]];
  }

  /**
   * {@code dst[dstOff + i] ^= c * src[srcOff + i]} for {@code i < len}: the multiply-accumulate
   * every encode and decode step is made of.
   */
  static void mulAdd(int c, byte[] src, int srcOff, byte[] dst, int dstOff, int len) {
    if (c == 0) {
      return;
    }
    if (c == 1) {
      for (int i = 0; i < len; i++) {
        dst[dstOff + i] ^= src[srcOff + i];
      }
      return;
    }
    byte[] row = PRODUCT[c];
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] ^= row[src[srcOff + i] & 0xff];
    }
  }

  /**
   * Inverts a square matrix in place by Gauss-Jordan elimination.
   *
   * @param a the matrix, rows of values 0..255; replaced by its inverse
   * @throws ArithmeticException if it is singular (never for a square Cauchy sub-matrix)
   */
  static void invert(int[][] a) {
    int n = a.length;
    int[][] inv = new int[n][n];
    for (int i = 0; i < n; i++) {
      inv[i][i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      while (pivot < n && a[pivot][col] == 0) {
        pivot++;
      }
      if (pivot == n) {
        throw new ArithmeticException("singular matrix in GF(2^8)");
      }
      int[] t = a[pivot];
      a[pivot] = a[col];
      a[col] = t;
      t = inv[pivot];
      inv[pivot] = inv[col];
      inv[col] = t;
      int scale = inv(a[col][col]);
      for (int j = 0; j < n; j++) {
        a[col][j] = mul(a[col][j], scale);
        inv[col][j] = mul(inv[col][j], scale);
      }
      for (int r = 0; r < n; r++) {
        int f = a[r][col];
        if (r != col && f != 0) {
          for (int j = 0; j < n; j++) {
            a[r][j] ^= mul(f, a[col][j]);
            inv[r][j] ^= mul(f, inv[col][j]);
          }
        }
      }
    }
    for (int i = 0; i < n; i++) {
      a[i] = inv[i];
    }
  }
}
