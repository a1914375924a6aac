package io.gapsync.protocol.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cross-checks the bit-matrix code against byte-wise GF(2^8) arithmetic ({@link Gf256}) and its
 * striped group encoding against block-by-block encoding. The erasure property tests of both
 * schemes are in {@link ReedSolomonTest}.
 */
class CauchyBitMatrixCodeTest {

  @ParameterizedTest(name = "k={0} m={1} k'={2} len={3}")
  @CsvSource({"200,20,200,1408", "10,4,7,64", "1,1,1,128", "226,27,226,64", "32,8,31,192"})
  void everyBitPlaneOfTheParityIsTheCauchyProductInGf256(int k, int m, int dataCount, int len) {
    Random random = new Random(k * 1000L + m);
    CauchyBitMatrixCode code = new CauchyBitMatrixCode(k, m);
    byte[][] data = new byte[dataCount][len];
    for (byte[] d : data) {
      random.nextBytes(d);
    }
    byte[][] parity = new byte[m][len];

    code.encode(data, dataCount, parity, len);

    // Bit b of byte t of the 8 packets of a symbol is one field element, packet c giving x^c.
    int packet = len / 8;
    for (int t = 0; t < packet; t++) {
      for (int b = 0; b < 8; b++) {
        for (int i = 0; i < m; i++) {
          int expected = 0;
          for (int j = 0; j < dataCount; j++) {
            expected ^= Gf256.mul(code.coefficient(i, j), element(data[j], packet, t, b));
          }
          assertThat(element(parity[i], packet, t, b))
              .as("parity %d, byte %d, bit %d", i, t, b)
              .isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void theImprovedMatrixIsACauchyMatrixScaledByRowsAndColumnsWithParityZeroThePlainXor() {
    int k = 200;
    int m = 20;
    CauchyBitMatrixCode code = new CauchyBitMatrixCode(k, m);
    int[][] cauchy = ReedSolomon.cauchy(k, m);
    for (int j = 0; j < k; j++) {
      assertThat(code.coefficient(0, j)).isEqualTo(1);
    }
    // c[i][j] = s_i * cauchy[i][j] / cauchy[0][j]: the ratio c / (cauchy / cauchy[0][j]) is
    // the same for every j of a row.
    for (int i = 1; i < m; i++) {
      int scale = -1;
      for (int j = 0; j < k; j++) {
        int base = Gf256.mul(cauchy[i][j], Gf256.inv(cauchy[0][j]));
        int s = Gf256.mul(code.coefficient(i, j), Gf256.inv(base));
        if (scale < 0) {
          scale = s;
        }
        assertThat(s).as("row %d column %d", i, j).isEqualTo(scale);
      }
    }
    // Fewer ones than the plain Cauchy matrix: fewer XORs per byte.
    long plain = 0;
    for (int[] row : cauchy) {
      for (int e : row) {
        plain += Integer.bitCount(e) == 0 ? 0 : ones(e);
      }
    }
    assertThat(code.ones()).isLessThan(plain);
  }

  @Test
  void aStripedGroupEncodesExactlyLikeItsBlocksOneByOneIncludingAShortLastBlock() {
    int k = 12;
    int m = 5;
    int len = 128;
    int blocks = 3;
    int[] dataCounts = {12, 12, 7};
    CauchyBitMatrixCode code = new CauchyBitMatrixCode(k, m);
    Random random = new Random(11);
    int packetWords = len / 64;
    int stride = blocks * packetWords;
    long[][] striped = new long[k][8 * stride];
    byte[][][] perBlock = new byte[blocks][k][len];
    for (int b = 0; b < blocks; b++) {
      for (int s = 0; s < dataCounts[b]; s++) {
        random.nextBytes(perBlock[b][s]);
        long[] words = new long[len / 8];
        ByteBuffer.wrap(perBlock[b][s]).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
        for (int c = 0; c < 8; c++) {
          System.arraycopy(
              words, c * packetWords, striped[s], c * stride + b * packetWords, packetWords);
        }
      }
    }
    long[][] stripedParity = new long[m][8 * stride];

    // In two column ranges, as two threads would.
    code.encodeStriped(striped, k, stripedParity, stride, 0, 3);
    code.encodeStriped(striped, k, stripedParity, stride, 3, stride);

    for (int b = 0; b < blocks; b++) {
      byte[][] parity = new byte[m][len];
      code.encode(perBlock[b], dataCounts[b], parity, len);
      for (int i = 0; i < m; i++) {
        long[] words = new long[len / 8];
        for (int c = 0; c < 8; c++) {
          System.arraycopy(
              stripedParity[i], c * stride + b * packetWords, words, c * packetWords, packetWords);
        }
        byte[] bytes = new byte[len];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(words);
        assertThat(bytes).as("block %d parity %d", b, i).isEqualTo(parity[i]);
      }
    }
  }

  @ParameterizedTest(name = "k={0} m={1} data={2} stride={3}")
  @CsvSource({"240,12,240,1100", "228,26,200,704", "10,4,10,40", "16,2,16,520", "1,1,1,8"})
  void encodingThroughTablesGivesTheSameParityAsOneXorPerOneBit(
      int k, int m, int dataCount, int stride) {
    Random random = new Random(k * 31L + m);
    long[][] data = new long[k][8 * stride];
    for (int j = 0; j < dataCount; j++) {
      for (int w = 0; w < data[j].length; w++) {
        data[j][w] = random.nextLong();
      }
    }
    long[][] viaTables = new long[m][8 * stride];
    long[][] direct = new long[m][8 * stride];
    CauchyBitMatrixCode tables = new CauchyBitMatrixCode(k, m);
    CauchyBitMatrixCode plain = new CauchyBitMatrixCode(k, m, false);

    // Rows wider than a tile, split unevenly as two threads would, so tile edges are covered.
    int split = stride / 3;
    tables.encodeStriped(data, dataCount, viaTables, stride, 0, split);
    tables.encodeStriped(data, dataCount, viaTables, stride, split, stride);
    plain.encodeStriped(data, dataCount, direct, stride, 0, stride);

    assertThat(plain.tableColumns()).isZero();
    for (int i = 0; i < m; i++) {
      assertThat(viaTables[i]).as("parity %d", i).isEqualTo(direct[i]);
    }
  }

  @ParameterizedTest(name = "k={0} m={1} erasures={2}")
  @CsvSource({"228,26,26", "228,26,11", "240,12,3", "240,12,1", "10,4,4"})
  void decodingThroughTablesRestoresTheSameDataAsOneXorPerOneBit(int k, int m, int erasures) {
    int len = 1408;
    Random random = new Random(k * 7L + erasures);
    byte[][] data = new byte[k][len];
    for (byte[] d : data) {
      random.nextBytes(d);
    }
    byte[][] parity = new byte[m][len];
    new CauchyBitMatrixCode(k, m).encode(data, k, parity, len);
    for (boolean tables : new boolean[] {true, false}) {
      CauchyBitMatrixCode code = new CauchyBitMatrixCode(k, m, tables);
      byte[][] shards = new byte[k + m][];
      boolean[] present = new boolean[k + m];
      for (int j = 0; j < k + m; j++) {
        shards[j] = j < k ? data[j].clone() : parity[j - k].clone();
        present[j] = true;
      }
      // Data symbols lost (and the first parity symbols, so rows other than the all-ones row
      // carry the syndromes too).
      for (int e = 0; e < erasures; e++) {
        int j = (e * 37) % k;
        while (!present[j]) {
          j = (j + 1) % k;
        }
        present[j] = false;
        java.util.Arrays.fill(shards[j], (byte) 0);
      }
      present[k] = erasures + 1 > m;

      assertThat(code.decode(shards, present, k, len)).isEqualTo(erasures);

      for (int j = 0; j < k; j++) {
        assertThat(shards[j]).as("tables %s, data %d", tables, j).isEqualTo(data[j]);
      }
    }
  }

  @Test
  void tablesAreUsedWhereTheyCostLessAndOnlyThere() {
    // 11 parity rows of ~30 ones each against 22 table packets plus two sources per row.
    assertThat(new CauchyBitMatrixCode(240, 12).tableColumns()).isEqualTo(240);
    assertThat(new CauchyBitMatrixCode(228, 26).tableColumns()).isEqualTo(228);
    // One parity row, the plain XOR: 8 XORs per symbol; tables would cost more.
    assertThat(new CauchyBitMatrixCode(200, 1).tableColumns()).isZero();
    assertThat(new CauchyBitMatrixCode(200, 0).tableColumns()).isZero();
  }

  @Test
  void symbolSizesThatAreNotAMultipleOf64AreRefused() {
    CauchyBitMatrixCode code = new CauchyBitMatrixCode(4, 2);
    assertThatThrownBy(() -> code.encode(new byte[4][1416], 4, new byte[2][1416], 1416))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the bit-matrix code needs a symbol size that is a multiple of 64, got 1416");
    assertThatThrownBy(() -> code.encodeStriped(new long[4][16], 4, new long[2][16], 2, 1, 3))
        .hasMessageContaining("columns [1, 3) do not fit in a row of 2 words");
    assertThatThrownBy(() -> new BlockLayout(1000, 1416, 4, 2, 1, 2))
        .isInstanceOf(DiodeException.class)
        .hasMessageContaining("scheme=2 (1, or 2 with a symbol size that is a multiple of 64)");
    assertThat(ErasureCode.forScheme(2, 4, 2)).isInstanceOf(CauchyBitMatrixCode.class);
    assertThatThrownBy(() -> ErasureCode.forScheme(3, 4, 2)).hasMessage("unknown FEC scheme 3");
  }

  private static int ones(int e) {
    int n = 0;
    for (int c = 0; c < 8; c++) {
      n += Integer.bitCount(Gf256.mul(e, 1 << c));
    }
    return n;
  }

  private static int element(byte[] symbol, int packet, int t, int b) {
    int x = 0;
    for (int c = 0; c < 8; c++) {
      x |= ((symbol[c * packet + t] >>> b) & 1) << c;
    }
    return x;
  }
}
