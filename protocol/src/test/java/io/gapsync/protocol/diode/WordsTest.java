package io.gapsync.protocol.diode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Symbols as words, and decoding on words against decoding on bytes, for both schemes. */
class WordsTest {

  @Test
  void bytesSurviveTheTripThroughWordsForEveryTailLength() {
    Random r = new Random(1);
    for (int len = 1; len <= 40; len++) {
      byte[] in = new byte[len];
      r.nextBytes(in);
      long[] words = new long[Words.count(len)];
      Words.fromBytes(in, len, words);
      byte[] out = new byte[len];
      Words.toBytes(words, out, len);
      assertThat(out).as("len %d", len).isEqualTo(in);
      if ((len & 7) != 0) {
        // The unused high bytes of the last word are zero.
        assertThat(words[words.length - 1] >>> ((len & 7) * 8)).isZero();
      }
    }
  }

  @Test
  void wordsAreReadFromAnyOffsetOfADirectBuffer() {
    byte[] in = new byte[1408];
    new Random(2).nextBytes(in);
    ByteBuffer direct = ByteBuffer.allocateDirect(2000);
    direct.put(37, in);
    long[] words = new long[Words.count(in.length)];
    Words.fromBuffer(direct, 37, in.length, words);
    ByteBuffer back = ByteBuffer.allocate(1500).position(5);
    Words.toBuffer(words, in.length, back);
    assertThat(back.position()).isEqualTo(5 + in.length);
    assertThat(back.array()).startsWith(new byte[5]);
    assertThat(java.util.Arrays.copyOfRange(back.array(), 5, 5 + in.length)).isEqualTo(in);
    // Little-endian: the first byte is the low byte of the first word.
    assertThat(words[0] & 0xFF).isEqualTo(in[0] & 0xFF);
  }

  @Test
  void decodeWordsRestoresWhatDecodeRestoresForBothSchemes() {
    Random r = new Random(3);
    // Scheme 1 with a symbol size that is not a multiple of 8 (the default, converting path);
    // scheme 2 on words directly.
    check(new ReedSolomon(20, 6), 100, r);
    check(new CauchyBitMatrixCode(20, 6), 128, r);
    check(new CauchyBitMatrixCode(240, 16), 1408, r);
  }

  private static void check(ErasureCode code, int len, Random r) {
    int k = code.k();
    int m = code.m();
    for (int round = 0; round < 50; round++) {
      int dataCount = round % 5 == 0 ? 1 + r.nextInt(k) : k;
      byte[][] shards = new byte[dataCount + m][len];
      for (int j = 0; j < dataCount; j++) {
        r.nextBytes(shards[j]);
      }
      byte[][] parity = new byte[m][];
      System.arraycopy(shards, dataCount, parity, 0, m);
      code.encode(shards, dataCount, parity, len);
      boolean[] present = new boolean[dataCount + m];
      java.util.Arrays.fill(present, true);
      int lost = r.nextInt(m + 1);
      for (int i = 0; i < lost; i++) {
        present[r.nextInt(dataCount + m)] = false;
      }
      long[][] words = new long[dataCount + m][Words.count(len)];
      for (int s = 0; s < dataCount + m; s++) {
        if (present[s]) {
          Words.fromBytes(shards[s], len, words[s]);
        } else {
          java.util.Arrays.fill(words[s], -1L); // garbage where nothing arrived
        }
      }
      int restored = code.decodeWords(words, present, dataCount, len);
      int missingData = 0;
      for (int j = 0; j < dataCount; j++) {
        if (!present[j]) {
          missingData++;
        }
        byte[] out = new byte[len];
        Words.toBytes(words[j], out, len);
        assertThat(out).as("%s round %d symbol %d", code, round, j).isEqualTo(shards[j]);
      }
      assertThat(restored).isEqualTo(missingData);
    }
  }

  @Test
  void tooFewSymbolsIsRefusedNamingTheCounts() {
    CauchyBitMatrixCode code = new CauchyBitMatrixCode(4, 2);
    long[][] words = new long[6][16];
    boolean[] present = {false, false, false, true, true, true};
    assertThatThrownBy(() -> code.decodeWords(words, present, 4, 128))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond repair");
  }
}
