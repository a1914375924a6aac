package io.gapsync.protocol.diode;

import java.util.Arrays;

/**
 * The erasures of one block, shared by every {@link ErasureCode}: which data symbols are missing
 * and which parity symbols (the first present ones, one per missing data symbol) restore them.
 */
final class Erasures {

  /** Indexes of the missing data symbols, ascending. */
  final int[] missing;

  /** Parity rows chosen to restore them, one per missing symbol, ascending. */
  final int[] rows;

  private Erasures(int[] missing, int[] rows) {
    this.missing = missing;
    this.rows = rows;
  }

  /** Returns how many data symbols are missing. */
  int count() {
    return missing.length;
  }

  /**
   * Finds the erasures of a block of {@code dataCount} data and {@code m} parity symbols.
   *
   * @throws IllegalArgumentException if fewer than {@code dataCount} symbols are present (the block
   *     is beyond repair), naming how many are present and how many are needed
   */
  static Erasures of(boolean[] present, int dataCount, int m) {
    int[] missing = new int[dataCount];
    int e = 0;
    for (int j = 0; j < dataCount; j++) {
      if (!present[j]) {
        missing[e++] = j;
      }
    }
    int[] rows = new int[e];
    int r = 0;
    for (int i = 0; i < m && r < e; i++) {
      if (present[dataCount + i]) {
        rows[r++] = i;
      }
    }
    if (r < e) {
      throw new IllegalArgumentException(
          "block is beyond repair: "
              + (dataCount - e + r)
              + " of "
              + (dataCount + m)
              + " symbols present, "
              + dataCount
              + " needed");
    }
    return new Erasures(Arrays.copyOf(missing, e), rows);
  }
}
