package io.gapsync.store;

import io.gapsync.protocol.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key and value encodings of the store's column families (documented in docs/FORMAT.md, "Store
 * layout"). All multi-byte integers are big-endian so that keys sort numerically.
 */
final class Keys {

  /** Separates the parts of composite string keys; no repository, tag or digest contains it. */
  static final byte SEP = 0;

  /** Length of a content id, the random name a blob's chunks are stored under. */
  static final int CONTENT_ID_LENGTH = 16;

  /** Version byte that starts the record of a blob kept in chunk rows. */
  static final byte BLOB_RECORD_VERSION = 1;

  /** Version byte that starts the record of a blob kept in a file (store format 2). */
  static final byte BLOB_FILE_RECORD_VERSION = 2;

  /** Version byte that starts every manifest record value. */
  static final byte MANIFEST_RECORD_VERSION = 1;

  private Keys() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String string(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static byte[] digest(Digest d) {
    return utf8(d.toString());
  }

  /** {@code a SEP b}. */
  static byte[] pair(String a, String b) {
    byte[] x = utf8(a);
    byte[] y = utf8(b);
    byte[] out = new byte[x.length + 1 + y.length];
    System.arraycopy(x, 0, out, 0, x.length);
    out[x.length] = SEP;
    System.arraycopy(y, 0, out, x.length + 1, y.length);
    return out;
  }

  /** Splits {@code a SEP b} into its two parts. */
  static String[] split(byte[] key) {
    for (int i = 0; i < key.length; i++) {
      if (key[i] == SEP) {
        return new String[] {
          new String(key, 0, i, StandardCharsets.UTF_8),
          new String(key, i + 1, key.length - i - 1, StandardCharsets.UTF_8)
        };
      }
    }
    throw new StoreException(StoreException.Code.CORRUPT, "Malformed composite key " + string(key));
  }

  /** The first key of the prefix {@code a SEP}. */
  static byte[] prefixStart(String a) {
    byte[] x = utf8(a);
    byte[] out = Arrays.copyOf(x, x.length + 1);
    out[x.length] = SEP;
    return out;
  }

  /** The exclusive upper bound of the prefix {@code a SEP}. */
  static byte[] prefixEnd(String a) {
    byte[] out = prefixStart(a);
    out[out.length - 1] = SEP + 1;
    return out;
  }

  /** A chunk key: content id then chunk index. */
  static byte[] chunk(byte[] contentId, long index) {
    return ByteBuffer.allocate(CONTENT_ID_LENGTH + 8).put(contentId).putLong(index).array();
  }

  /** The exclusive upper bound of all chunk keys of a content id. */
  static byte[] chunkEnd(byte[] contentId) {
    return ByteBuffer.allocate(CONTENT_ID_LENGTH + 8).put(contentId).putLong(-1L).array();
  }

  /** The content id of a chunk key. */
  static byte[] contentIdOf(byte[] chunkKey) {
    return Arrays.copyOf(chunkKey, CONTENT_ID_LENGTH);
  }

  /** The chunk index of a chunk key. */
  static long chunkIndexOf(byte[] chunkKey) {
    return ByteBuffer.wrap(chunkKey, CONTENT_ID_LENGTH, 8).getLong();
  }

  /**
   * A blob record. Chunk rows: version 1, size, chunk size, content id. A file ({@code
   * blobs/<algorithm>/<hex[0:2]>/<hex>}, see {@link BlobFiles}): version 2, size; then chunk size
   * is 0 and content id null.
   *
   * @param size the blob size
   * @param chunkSize the size of every chunk but the last, 0 for a file
   * @param contentId the chunk key prefix, null for a file
   */
  record BlobRecord(long size, int chunkSize, byte[] contentId) {

    /** The record of a blob kept in a file. */
    static BlobRecord inFile(long size) {
      return new BlobRecord(size, 0, null);
    }

    /** Returns true if the blob's bytes are a file rather than chunk rows. */
    boolean inFile() {
      return contentId == null;
    }

    byte[] encode() {
      if (inFile()) {
        return ByteBuffer.allocate(1 + 8).put(BLOB_FILE_RECORD_VERSION).putLong(size).array();
      }
      return ByteBuffer.allocate(1 + 8 + 4 + CONTENT_ID_LENGTH)
          .put(BLOB_RECORD_VERSION)
          .putLong(size)
          .putInt(chunkSize)
          .put(contentId)
          .array();
    }

    long chunkCount() {
      return size == 0 ? 0 : (size + chunkSize - 1) / chunkSize;
    }

    static BlobRecord decode(Digest digest, byte[] value) {
      if (value.length == 1 + 8 && value[0] == BLOB_FILE_RECORD_VERSION) {
        long size = ByteBuffer.wrap(value, 1, 8).getLong();
        if (size >= 0) {
          return inFile(size);
        }
      }
      if (value.length != 1 + 8 + 4 + CONTENT_ID_LENGTH || value[0] != BLOB_RECORD_VERSION) {
        throw new StoreException(
            StoreException.Code.CORRUPT,
            "The record of blob "
                + digest
                + " is damaged or of an unknown version: run gapsync fsck");
      }
      ByteBuffer b = ByteBuffer.wrap(value, 1, value.length - 1);
      long size = b.getLong();
      int chunkSize = b.getInt();
      byte[] id = new byte[CONTENT_ID_LENGTH];
      b.get(id);
      return new BlobRecord(size, chunkSize, id);
    }
  }

  /** Encodes a manifest record: version, media type length and media type, exact bytes. */
  static byte[] manifestRecord(String mediaType, byte[] bytes) {
    byte[] mt = utf8(mediaType);
    return ByteBuffer.allocate(1 + 2 + mt.length + bytes.length)
        .put(MANIFEST_RECORD_VERSION)
        .putShort((short) mt.length)
        .put(mt)
        .put(bytes)
        .array();
  }

  /** The media type of a manifest record. */
  static String manifestMediaType(Digest digest, byte[] value) {
    checkManifestRecord(digest, value);
    int len = ByteBuffer.wrap(value, 1, 2).getShort() & 0xffff;
    return new String(value, 3, len, StandardCharsets.UTF_8);
  }

  /** The exact manifest bytes of a manifest record. */
  static byte[] manifestBytes(Digest digest, byte[] value) {
    checkManifestRecord(digest, value);
    int len = ByteBuffer.wrap(value, 1, 2).getShort() & 0xffff;
    return Arrays.copyOfRange(value, 3 + len, value.length);
  }

  /** The manifest size of a manifest record. */
  static long manifestSize(Digest digest, byte[] value) {
    checkManifestRecord(digest, value);
    int len = ByteBuffer.wrap(value, 1, 2).getShort() & 0xffff;
    return value.length - 3L - len;
  }

  private static void checkManifestRecord(Digest digest, byte[] value) {
    if (value.length < 3
        || value[0] != MANIFEST_RECORD_VERSION
        || 3 + (ByteBuffer.wrap(value, 1, 2).getShort() & 0xffff) > value.length) {
      throw new StoreException(
          StoreException.Code.CORRUPT,
          "The record of manifest "
              + digest
              + " is damaged or of an unknown version: run gapsync fsck");
    }
  }
}
