package io.gapsync.daemon.diode;

/**
 * One interleave group read from a file with its parity computed: the unit the encoder thread hands
 * to the sending thread. Two are allocated per transfer and recycled, so memory is bounded by
 * {@code 2 * interleave * (k + m) * symbolSize} bytes whatever the file size.
 */
final class EncodedGroup {

  final byte[][][] data;
  final byte[][][] parity;
  final int[] dataCount;
  int object;
  int pass;
  int firstBlock;
  int blocks;
  boolean lastOfObject;
  Exception failure;

  EncodedGroup(int interleave, int k, int m, int symbolSize) {
    data = new byte[interleave][k][symbolSize];
    parity = new byte[interleave][m][symbolSize];
    dataCount = new int[interleave];
  }
}
