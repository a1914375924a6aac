package io.gapsync.daemon.diode;

import java.util.Arrays;

/**
 * One interleave group read from a file with its parity computed: the unit the encoder thread hands
 * to the sending thread. Two are allocated per transfer and recycled, so memory is bounded by
 * {@code 2 * interleave * (k + m) * symbolSize} bytes whatever the file size.
 *
 * <p>Symbols are held striped, as {@link
 * io.gapsync.protocol.diode.CauchyBitMatrixCode#encodeStriped} wants them: {@code data[s]} is
 * symbol {@code s} of every block of the group, 8 rows of {@code stride} 64-bit words, row {@code
 * c} holding packet {@code c} ({@code packetWords} words) of block 0, then of block 1, and so on.
 * {@link #symbolWords} tells where a block's packets lie.
 */
final class EncodedGroup {

  final long[][] data;
  final long[][] parity;
  final int[] dataCount;
  final int packetWords;
  final int stride;
  int object;
  int pass;
  int firstBlock;
  int blocks;
  boolean lastOfObject;

  /**
   * The outer block this group completes, or -1: its block index; {@link #outer} then holds its
   * symbols, each 8 packets of {@code packetWords} words back to back.
   */
  int outerBlock = -1;

  long[][] outer;
  Exception failure;

  EncodedGroup(int interleave, int k, int m, int symbolSize) {
    packetWords = symbolSize / 64;
    stride = interleave * packetWords;
    data = new long[k][8 * stride];
    parity = new long[m][8 * stride];
    dataCount = new int[interleave];
  }

  /** Returns the word offset in a striped symbol of packet {@code c} of block {@code b}. */
  int packetOffset(int b, int c) {
    return c * stride + b * packetWords;
  }

  /** Zeroes block {@code b}'s packets of data symbol {@code s} (padding of a short block). */
  void clear(int b, int s) {
    for (int c = 0; c < 8; c++) {
      int at = packetOffset(b, c);
      Arrays.fill(data[s], at, at + packetWords, 0L);
    }
  }
}
