package io.gapsync.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts the bytes read through it, so that every ingest path computes the digest in the
 * same pass that moves the content (STYLE rule 4). {@link #verify} checks the result against what
 * was announced. The caller closes the stream, which closes the wrapped one.
 */
public final class DigestingInputStream extends FilterInputStream {

  private final DigestAlgorithm algorithm;
  private final MessageDigest messageDigest;
  private long count;
  private Digest digest;

  /**
   * Wraps a stream.
   *
   * @param in the stream to read
   * @param algorithm the digest algorithm
   */
  public DigestingInputStream(InputStream in, DigestAlgorithm algorithm) {
    super(in);
    this.algorithm = algorithm;
    this.messageDigest = algorithm.newMessageDigest();
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      messageDigest.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      messageDigest.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipping would bypass the hash: read through instead.
    byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /**
   * Reads the rest of the stream (1 MiB at a time), hashing it, and returns this stream: {@code new
   * DigestingInputStream(Files.newInputStream(f), SHA256).drain().digest()} hashes a file.
   *
   * @throws IOException if reading fails
   */
  public DigestingInputStream drain() throws IOException {
    byte[] chunk = new byte[1 << 20];
    while (read(chunk, 0, chunk.length) >= 0) {
      // Hashed by read.
    }
    return this;
  }

  /** Returns the number of bytes read so far. */
  public long count() {
    return count;
  }

  /** Finishes hashing (once) and returns the digest of everything read. */
  public Digest digest() {
    if (digest == null) {
      digest = Digest.fromRaw(algorithm, messageDigest.digest());
    }
    return digest;
  }

  /**
   * Checks the content read against an expected digest and size.
   *
   * @param expected the announced digest
   * @param expectedSize the announced size, or -1 if unknown
   * @param what a description of the content for the message, e.g. "layer 2 of oci:/tmp/x"
   * @throws ProtocolException with {@code SIZE_MISMATCH} or {@code DIGEST_MISMATCH}
   */
  public void verify(Digest expected, long expectedSize, String what) {
    if (expectedSize >= 0 && count != expectedSize) {
      throw new ProtocolException(
          ProtocolException.Code.SIZE_MISMATCH,
          "Tried to read "
              + what
              + " ("
              + expected
              + ") but it has "
              + count
              + " bytes where "
              + expectedSize
              + " were announced");
    }
    if (!digest().equals(expected)) {
      throw new ProtocolException(
          ProtocolException.Code.DIGEST_MISMATCH,
          "Tried to read "
              + what
              + " but its content hashes to "
              + digest()
              + " instead of "
              + expected
              + ": the source is corrupt or was modified");
    }
  }
}
