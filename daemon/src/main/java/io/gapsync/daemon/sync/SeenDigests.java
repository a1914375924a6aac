package io.gapsync.daemon.sync;

import io.gapsync.protocol.Digest;
import io.gapsync.protocol.DigestAlgorithm;
import java.util.HashSet;
import java.util.Set;

/**
 * A set of digests that costs 64 bytes per sha256 entry instead of the ~200 of a {@code
 * HashSet<Digest>}: open addressing over a {@code long[]} holding the raw 32 bytes of each digest
 * as four longs. A million blobs fit in about 64 MiB at most (load factor 1/2). Digests of other
 * algorithms (rare: sha512) go to an ordinary set. Not thread-safe.
 */
final class SeenDigests {

  private static final int WORDS = 4;

  private long[] table = new long[WORDS * 1024];
  private boolean[] used = new boolean[1024];
  private int size;
  private final Set<Digest> other = new HashSet<>();

  /**
   * Adds a digest.
   *
   * @return true if it was not in the set before
   */
  boolean add(Digest digest) {
    if (digest.algorithm() != DigestAlgorithm.SHA256) {
      return other.add(digest);
    }
    if ((size + 1) * 2 > used.length) {
      grow();
    }
    long[] key = words(digest.raw());
    return insert(key);
  }

  /** Returns the number of digests held. */
  int size() {
    return size + other.size();
  }

  private boolean insert(long[] key) {
    int mask = used.length - 1;
    // The digest is uniformly random already: its first word is a good hash.
    int slot = (int) (key[0] ^ (key[0] >>> 32)) & mask;
    while (used[slot]) {
      int base = slot * WORDS;
      if (table[base] == key[0]
          && table[base + 1] == key[1]
          && table[base + 2] == key[2]
          && table[base + 3] == key[3]) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
    used[slot] = true;
    System.arraycopy(key, 0, table, slot * WORDS, WORDS);
    size++;
    return true;
  }

  private void grow() {
    long[] oldTable = table;
    boolean[] oldUsed = used;
    table = new long[oldTable.length * 2];
    used = new boolean[oldUsed.length * 2];
    size = 0;
    long[] key = new long[WORDS];
    for (int i = 0; i < oldUsed.length; i++) {
      if (oldUsed[i]) {
        System.arraycopy(oldTable, i * WORDS, key, 0, WORDS);
        insert(key.clone());
      }
    }
  }

  private static long[] words(byte[] raw) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw);
    return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
  }
}
