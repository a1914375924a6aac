package io.gapsync.protocol.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of both Cauchy Reed-Solomon schemes (byte-wise {@link ReedSolomon}, scheme 1, and
 * {@link CauchyBitMatrixCode}, scheme 2) against random erasures (seeded, repeatable).
 */
class ReedSolomonTest {

  /** Code shapes: the default, tiny, parity-heavy, the field's limit, and shortened blocks. */
  static Stream<Arguments> shapes() {
    int[][] shapes = {
      {200, 20, 200},
      {200, 20, 1},
      {200, 20, 77},
      {1, 1, 1},
      {4, 4, 4},
      {10, 30, 10},
      {128, 128, 128},
      {255, 1, 255},
      {32, 8, 31}
    };
    return IntStream.range(0, 40)
        .boxed()
        .flatMap(
            seed ->
                Stream.of(shapes)
                    .filter(s -> seed < 10 || s[0] <= 32)
                    .flatMap(
                        s ->
                            Stream.of(
                                Arguments.of(seed, s[0], s[1], s[2], 1),
                                Arguments.of(seed, s[0], s[1], s[2], 2))));
  }

  /** A symbol size the scheme accepts: any for 1, a multiple of 64 for 2. */
  private static int symbolSize(Random random, int scheme) {
    return scheme == 1 ? 1 + random.nextInt(64) : 64 * (1 + random.nextInt(3));
  }

  @ParameterizedTest(name = "seed {0}: k={1} m={2} k'={3} scheme {4}")
  @MethodSource("shapes")
  void anyMErasuresRestoreTheDataExactly(int seed, int k, int m, int dataCount, int scheme) {
    Random random = new Random(seed * 7919L + k * 31L + m);
    int len = symbolSize(random, scheme);
    ErasureCode rs = ErasureCode.forScheme(scheme, k, m);
    byte[][] data = randomSymbols(random, dataCount, len);
    byte[][] parity = new byte[m][len];
    rs.encode(data, dataCount, parity, len);

    int erasures = m == 0 ? 0 : random.nextInt(m + 1);
    boolean[] present = erase(random, dataCount + m, erasures);
    byte[][] shards = damaged(data, parity, present, random);

    int restored = rs.decode(shards, present, dataCount, len);

    for (int j = 0; j < dataCount; j++) {
      assertThat(shards[j]).as("data symbol %d", j).isEqualTo(data[j]);
    }
    int lostData = 0;
    for (int j = 0; j < dataCount; j++) {
      lostData += present[j] ? 0 : 1;
    }
    assertThat(restored).isEqualTo(lostData);
  }

  @ParameterizedTest(name = "seed {0}: k={1} m={2} k'={3} scheme {4}")
  @MethodSource("shapes")
  void moreThanMErasuresOfDataAreRefusedNamingTheCounts(
      int seed, int k, int m, int dataCount, int scheme) {
    Random random = new Random(seed);
    int len = scheme == 1 ? 8 : 64;
    ErasureCode rs = ErasureCode.forScheme(scheme, k, m);
    byte[][] data = randomSymbols(random, dataCount, len);
    byte[][] parity = new byte[m][len];
    rs.encode(data, dataCount, parity, len);
    int erasures = Math.min(dataCount + m, m + 1);
    boolean[] present = erase(random, dataCount + m, erasures);
    boolean dataLost = false;
    for (int j = 0; j < dataCount; j++) {
      dataLost |= !present[j];
    }
    byte[][] shards = damaged(data, parity, present, random);

    if (dataLost) {
      assertThatThrownBy(() -> rs.decode(shards, present, dataCount, len))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("beyond repair")
          .hasMessageContaining((dataCount + m - erasures) + " of " + (dataCount + m))
          .hasMessageContaining(dataCount + " needed");
    } else {
      // Only parity was lost: nothing to restore.
      assertThat(rs.decode(shards, present, dataCount, len)).isZero();
    }
  }

  @Test
  void parityMatchesTheDocumentedCauchyCoefficients() {
    // k=2, m=1: C[0][0] = 1/(0 ^ 1) = 1, C[0][1] = 1/(0 ^ 2) = 0x8e under 0x11d.
    ReedSolomon rs = new ReedSolomon(2, 1);
    byte[][] parity = new byte[1][1];
    rs.encode(new byte[][] {{1}, {1}}, 2, parity, 1);
    assertThat(parity[0][0] & 0xff).isEqualTo(0x8f);
    assertThat(Gf256.mul(2, 0x8e)).isEqualTo(1);
  }

  @Test
  void fieldMultiplicationIsAssociativeCommutativeAndInvertible() {
    Random random = new Random(5);
    for (int n = 0; n < 10_000; n++) {
      int a = random.nextInt(256);
      int b = random.nextInt(256);
      int c = random.nextInt(256);
      assertThat(Gf256.mul(a, b)).isEqualTo(Gf256.mul(b, a));
      assertThat(Gf256.mul(Gf256.mul(a, b), c)).isEqualTo(Gf256.mul(a, Gf256.mul(b, c)));
      assertThat(Gf256.mul(a, b ^ c)).isEqualTo(Gf256.mul(a, b) ^ Gf256.mul(a, c));
      if (a != 0) {
        assertThat(Gf256.mul(a, Gf256.inv(a))).isEqualTo(1);
      }
    }
  }

  @Test
  void impossibleShapesAreRefused() {
    assertThatThrownBy(() -> new ReedSolomon(200, 57))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k + m <= 256")
        .hasMessageContaining("k=200 m=57");
    assertThatThrownBy(() -> new ReedSolomon(0, 4)).isInstanceOf(IllegalArgumentException.class);
    ReedSolomon rs = new ReedSolomon(4, 2);
    assertThatThrownBy(() -> rs.encode(new byte[5][1], 5, new byte[2][1], 1))
        .hasMessageContaining("1 to 4 data symbols, got 5");
  }

  private static byte[][] randomSymbols(Random random, int count, int len) {
    byte[][] s = new byte[count][len];
    for (byte[] b : s) {
      random.nextBytes(b);
    }
    return s;
  }

  /** Marks exactly {@code erasures} of {@code n} shards absent, chosen at random. */
  private static boolean[] erase(Random random, int n, int erasures) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    boolean[] present = new boolean[n];
    java.util.Arrays.fill(present, true);
    for (int i = 0; i < erasures; i++) {
      present[order.get(i)] = false;
    }
    return present;
  }

  /** Copies the shards, filling absent ones with garbage the decoder must not read. */
  private static byte[][] damaged(byte[][] data, byte[][] parity, boolean[] present, Random r) {
    int len = data[0].length;
    byte[][] shards = new byte[data.length + parity.length][];
    for (int i = 0; i < shards.length; i++) {
      shards[i] = (i < data.length ? data[i] : parity[i - data.length]).clone();
      if (!present[i]) {
        r.nextBytes(shards[i]);
      }
    }
    assertThat(len).isPositive();
    return shards;
  }
}
