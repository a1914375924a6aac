package io.gapsync.protocol.archive;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Small stream helpers of the archive package. */
final class Streams {

  static final int BUFFER = 64 * 1024;

  private Streams() {}

  /** A stream whose close does not close the wrapped one (zstd streams close what they wrap). */
  static InputStream nonClosing(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public void close() {}
    };
  }

  /** An output stream whose close flushes but does not close the wrapped one. */
  static OutputStream nonClosing(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }

  /** Copies a stream to its end with a fixed buffer; returns the bytes copied. */
  static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[BUFFER];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
      total += n;
    }
    return total;
  }

  /** Counts and hashes what passes through to the wrapped stream (which may be a null sink). */
  static final class HashingOutputStream extends OutputStream {
    private final OutputStream out;
    final MessageDigest sha256 = io.gapsync.protocol.DigestAlgorithm.SHA256.newMessageDigest();
    long count;

    HashingOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      sha256.update(b, off, len);
      count += len;
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
