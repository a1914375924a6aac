package io.gapsync.protocol;

import java.util.Arrays;

/**
 * An immutable sorted set of digests, each with a size, stored compactly so that the inventory of a
 * store with millions of blobs fits in memory: a sha256 entry takes 40 bytes (the raw digest as
 * four longs plus the size), against about 150 for an {@link InventoryEntry} with its {@link
 * Digest} and hex string. One million sha256 entries take about 40 MB.
 *
 * <p>Entries are ordered as their digest strings sort ({@link Digest#compareTo}): all sha256
 * digests, then all sha512 digests, each by raw value as unsigned bytes. Lookups are binary
 * searches. Storage is split into chunks of {@value #CHUNK_ENTRIES} entries so that building never
 * copies more than one chunk and never asks for one huge array.
 *
 * <p>Build with {@link #builder()}, adding entries in ascending order. Instances are immutable and
 * safe to share between threads.
 */
public final class DigestSet {

  /**
   * Entries per storage chunk. A chunk's arrays (128 KiB of sha256 words, 256 KiB of sha512 words,
   * 32 KiB of sizes) stay under half of G1's smallest region (1 MiB), so they are never humongous
   * objects, which would waste up to half their regions in the small heaps this class is for.
   */
  public static final int CHUNK_ENTRIES = 1 << 12;

  private static final int CHUNK_SHIFT = 12;
  private static final int CHUNK_MASK = CHUNK_ENTRIES - 1;

  private static final DigestSet EMPTY = new Builder().build();

  private final Segment[] segments;
  private final int size;
  private final long totalBytes;

  private DigestSet(Segment[] segments) {
    this.segments = segments;
    int n = 0;
    long bytes = 0;
    for (Segment s : segments) {
      n += s.count;
      bytes += s.totalBytes;
    }
    this.size = n;
    this.totalBytes = bytes;
  }

  /** Returns the empty set. */
  public static DigestSet empty() {
    return EMPTY;
  }

  /** Returns a builder that takes entries in ascending digest order. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the number of entries. */
  public int size() {
    return size;
  }

  /** Returns true if there are no entries. */
  public boolean isEmpty() {
    return size == 0;
  }

  /** Returns the sum of all entries' sizes, in bytes. */
  public long totalBytes() {
    return totalBytes;
  }

  /** Returns true if the set holds the digest. */
  public boolean contains(Digest digest) {
    return indexOf(digest) >= 0;
  }

  /**
   * Returns the size recorded for a digest.
   *
   * @param digest the digest
   * @return the size in bytes, or -1 if the set does not hold the digest
   */
  public long sizeOf(Digest digest) {
    int index = indexOf(digest);
    return index < 0 ? -1 : sizeAt(index);
  }

  /**
   * Finds a digest.
   *
   * @param digest the digest
   * @return its index in ascending order, or a negative number if absent
   */
  public int indexOf(Digest digest) {
    int offset = 0;
    for (Segment s : segments) {
      if (s.algorithm == digest.algorithm()) {
        long[] words = new long[s.width];
        RawDigests.decodeHex(digest.hex(), words);
        int i = s.search(words);
        return i < 0 ? -1 : offset + i;
      }
      offset += s.count;
    }
    return -1;
  }

  /**
   * Returns the digest at an index.
   *
   * @param index 0 to {@link #size()} - 1, in ascending digest order
   * @return the digest
   * @throws IndexOutOfBoundsException if the index is out of range
   */
  public Digest digestAt(int index) {
    Segment s = segmentOf(index);
    return s.digest(index - offsetOf(s));
  }

  /**
   * Returns the size of the entry at an index.
   *
   * @param index 0 to {@link #size()} - 1, in ascending digest order
   * @return the size in bytes
   * @throws IndexOutOfBoundsException if the index is out of range
   */
  public long sizeAt(int index) {
    Segment s = segmentOf(index);
    int i = index - offsetOf(s);
    return s.sizes[i >>> CHUNK_SHIFT][i & CHUNK_MASK];
  }

  /**
   * Compares the entry at {@code index} with the entry at {@code otherIndex} of another set, in
   * digest-string order, without creating objects.
   */
  int compareAt(int index, DigestSet other, int otherIndex) {
    Segment s = segmentOf(index);
    Segment o = other.segmentOf(otherIndex);
    if (s.algorithm != o.algorithm) {
      return s.algorithm.id().compareTo(o.algorithm.id());
    }
    int i = index - offsetOf(s);
    int j = otherIndex - other.offsetOf(o);
    return RawDigests.compareWords(
        s.words[i >>> CHUNK_SHIFT],
        (i & CHUNK_MASK) * s.width,
        o.words[j >>> CHUNK_SHIFT],
        (j & CHUNK_MASK) * o.width,
        s.width);
  }

  @Override
  public String toString() {
    return "DigestSet[" + size + " entries, " + totalBytes + " bytes]";
  }

  private Segment segmentOf(int index) {
    if (index >= 0) {
      int offset = 0;
      for (Segment s : segments) {
        if (index < offset + s.count) {
          return s;
        }
        offset += s.count;
      }
    }
    throw new IndexOutOfBoundsException("Index " + index + " out of bounds for " + size);
  }

  private int offsetOf(Segment segment) {
    int offset = 0;
    for (Segment s : segments) {
      if (s == segment) {
        return offset;
      }
      offset += s.count;
    }
    throw new IllegalStateException("segment of another set");
  }

  /** Bits of a digest's first word that index {@code Segment.bucketStart}. */
  private static final int BUCKET_BITS = 16;

  /** The entries of one algorithm, in chunks. */
  private static final class Segment {
    final DigestAlgorithm algorithm;
    final int width;
    final long[][] words;
    final long[][] sizes;
    final int count;
    final long totalBytes;

    /**
     * Where each value of a digest's top {@link #BUCKET_BITS} bits starts: digests are uniformly
     * distributed, so this narrows a binary search over a million entries (one cache miss per step)
     * to a handful of neighbouring ones. Costs 256 KiB per segment.
     */
    final int[] bucketStart;

    Segment(DigestAlgorithm algorithm, long[][] words, long[][] sizes, int count, long bytes) {
      this.algorithm = algorithm;
      this.width = RawDigests.width(algorithm);
      this.words = words;
      this.sizes = sizes;
      this.count = count;
      this.totalBytes = bytes;
      this.bucketStart = buckets();
    }

    private int[] buckets() {
      int[] start = new int[(1 << BUCKET_BITS) + 1];
      int i = 0;
      for (int b = 0; b < (1 << BUCKET_BITS); b++) {
        start[b] = i;
        while (i < count && bucketOf(words[i >>> CHUNK_SHIFT][(i & CHUNK_MASK) * width]) == b) {
          i++;
        }
      }
      start[1 << BUCKET_BITS] = count;
      return start;
    }

    static int bucketOf(long firstWord) {
      return (int) (firstWord >>> (Long.SIZE - BUCKET_BITS));
    }

    int search(long[] target) {
      int b = bucketOf(target[0]);
      int lo = bucketStart[b];
      int hi = bucketStart[b + 1] - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c =
            RawDigests.compareWords(
                words[mid >>> CHUNK_SHIFT], (mid & CHUNK_MASK) * width, target, 0, width);
        if (c < 0) {
          lo = mid + 1;
        } else if (c > 0) {
          hi = mid - 1;
        } else {
          return mid;
        }
      }
      return -1;
    }

    Digest digest(int i) {
      return RawDigests.toDigest(algorithm, words[i >>> CHUNK_SHIFT], (i & CHUNK_MASK) * width);
    }
  }

  /** Collects entries in ascending digest order. Not thread-safe; use once. */
  public static final class Builder {

    private final SegmentBuilder[] segments = new SegmentBuilder[RawDigests.ORDER.length];
    private final long[] scratch = new long[8];
    private int lastRank = -1;
    private long count;

    private Builder() {
      for (int i = 0; i < RawDigests.ORDER.length; i++) {
        segments[i] = new SegmentBuilder(RawDigests.ORDER[i]);
      }
    }

    /**
     * Adds an entry, which must sort after every entry added before.
     *
     * @param digest the digest
     * @param size its size in bytes, 0 to {@link InventoryEntry#MAX_SIZE}
     * @return this builder
     * @throws ProtocolException with {@code INVENTORY_INVALID} if the digest is not greater than
     *     the last one added, or the size is out of range
     */
    public Builder add(Digest digest, long size) {
      RawDigests.decodeHex(digest.hex(), scratch);
      if (!tryAdd(digest.algorithm(), scratch, size)) {
        throw new ProtocolException(
            ProtocolException.Code.INVENTORY_INVALID,
            "Tried to add "
                + digest
                + " to a digest set but failed because it is not sorted"
                + " after the last entry: add entries in strictly ascending digest order");
      }
      return this;
    }

    /**
     * Adds a raw entry unless it is out of order.
     *
     * @return false, adding nothing, if the digest does not sort after the last one added
     */
    boolean tryAdd(DigestAlgorithm algorithm, long[] words, long size) {
      if (size < 0 || size > InventoryEntry.MAX_SIZE) {
        throw new ProtocolException(
            ProtocolException.Code.INVENTORY_INVALID,
            "Tried to add "
                + RawDigests.toDigest(algorithm, words, 0)
                + " to a digest set but failed"
                + " because its size "
                + size
                + " is outside 0.."
                + InventoryEntry.MAX_SIZE);
      }
      if (count == Integer.MAX_VALUE) {
        throw new ProtocolException(
            ProtocolException.Code.INVENTORY_INVALID,
            "Tried to add an entry to a digest set but failed because it is full");
      }
      int rank = RawDigests.rank(algorithm);
      if (rank < lastRank) {
        return false;
      }
      SegmentBuilder s = segments[rank];
      if (rank == lastRank && s.compareLast(words) >= 0) {
        return false;
      }
      s.add(words, size);
      lastRank = rank;
      count++;
      return true;
    }

    /** Returns the number of entries added so far. */
    public int size() {
      return (int) count;
    }

    /** Returns the set. The builder must not be used afterwards. */
    public DigestSet build() {
      Segment[] built = new Segment[segments.length];
      for (int i = 0; i < segments.length; i++) {
        built[i] = segments[i].build();
      }
      return new DigestSet(built);
    }
  }

  /** Grows the chunks of one segment. */
  private static final class SegmentBuilder {
    private static final int FIRST_CHUNK_ENTRIES = 16;

    final DigestAlgorithm algorithm;
    final int width;
    long[][] words = new long[1][];
    long[][] sizes = new long[1][];
    int count;
    long totalBytes;

    SegmentBuilder(DigestAlgorithm algorithm) {
      this.algorithm = algorithm;
      this.width = RawDigests.width(algorithm);
    }

    /** Compares the last entry added with a digest; -1 if there is none. */
    int compareLast(long[] target) {
      if (count == 0) {
        return -1;
      }
      int last = count - 1;
      return RawDigests.compareWords(
          words[last >>> CHUNK_SHIFT], (last & CHUNK_MASK) * width, target, 0, width);
    }

    void add(long[] w, long size) {
      int chunk = count >>> CHUNK_SHIFT;
      int pos = count & CHUNK_MASK;
      if (chunk == words.length) {
        words = Arrays.copyOf(words, chunk * 2);
        sizes = Arrays.copyOf(sizes, chunk * 2);
      }
      if (sizes[chunk] == null) {
        // Past the first chunk more entries are likely: allocate whole chunks, trimmed in build().
        int entries = chunk == 0 ? FIRST_CHUNK_ENTRIES : CHUNK_ENTRIES;
        words[chunk] = new long[entries * width];
        sizes[chunk] = new long[entries];
      } else if (sizes[chunk].length == pos) {
        int entries = Math.min(CHUNK_ENTRIES, pos * 2);
        words[chunk] = Arrays.copyOf(words[chunk], entries * width);
        sizes[chunk] = Arrays.copyOf(sizes[chunk], entries);
      }
      System.arraycopy(w, 0, words[chunk], pos * width, width);
      sizes[chunk][pos] = size;
      count++;
      totalBytes += size;
    }

    Segment build() {
      int chunks = (count + CHUNK_MASK) >>> CHUNK_SHIFT;
      long[][] w = Arrays.copyOf(words, chunks);
      long[][] s = Arrays.copyOf(sizes, chunks);
      int lastEntries = count - (chunks - 1) * CHUNK_ENTRIES;
      if (chunks > 0 && s[chunks - 1].length != lastEntries) {
        w[chunks - 1] = Arrays.copyOf(w[chunks - 1], lastEntries * width);
        s[chunks - 1] = Arrays.copyOf(s[chunks - 1], lastEntries);
      }
      return new Segment(algorithm, w, s, count, totalBytes);
    }
  }
}
